import Detector
import Dispatch
import Foundation
import Stream
import Synchronization

/// The running daemon: streams, pipeline, signals, systemd notifications and the exit code.
///
/// - Important: Confined to the main queue; `run()` never returns (it parks the main thread in
///   `dispatchMain` and the process exits from a handler). Every mutable member is touched on the main queue
///   only (checked with `dispatchPrecondition`) and `connected` is locked: the invariant behind
///   `@unchecked Sendable`, which the handlers that hop back to the main queue need.
final class Daemon: @unchecked Sendable {
    private let streams: [StreamOptions]
    private let pipeline: Pipeline<YOLOFrameDetector, JSONLineOutput>
    private let logger: Logger
    private let info: ModelInfo
    private var readers: [StreamReader] = []
    private var finishedReaders = 0
    private var isStopping = false
    private var signalSources: [DispatchSourceSignal] = []
    private var watchdog: DispatchSourceTimer?
    /// Streams that connected at least once, written on the pipeline's writer queue.
    private let connected = ConnectedStreams()
    /// How long a shutdown may take before the process exits anyway.
    static let shutdownDeadline: Duration = .milliseconds(1800)

    init(
        streams: [StreamOptions], detector: YOLOFrameDetector, info: ModelInfo, batch: Int, statsInterval: Duration?,
        logger: Logger
    ) {
        self.streams = streams
        self.logger = logger
        self.info = info
        let connected = connected
        let output = JSONLineOutput(
            modelName: info.architecture.name, classNames: info.classNames, logger: logger,
            onEvent: { event in
                if event.kind == .connected { connected.insert(event.streamID) }
            },
            onBrokenOutput: {
                DispatchQueue.main.async { kill(getpid(), SIGTERM) }
            })
        pipeline = Pipeline(detector: detector, output: output, maximumBatch: batch, statsInterval: statsInterval)
    }

    func run() -> Never {
        dispatchPrecondition(condition: .onQueue(.main))
        signal(SIGPIPE, SIG_IGN)
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .main)
            source.setEventHandler { [unowned self] in
                self.stop(reason: number == SIGTERM ? "SIGTERM" : "SIGINT", hasDeadline: true)
            }
            source.resume()
            signalSources.append(source)
        }
        pipeline.register(streams: streams.map(\.name))
        pipeline.start()
        for options in streams {
            let reader = StreamReader(options: options, sink: pipeline)
            readers.append(reader)
            // Start first: a reader that never started counts as finished at once.
            reader.start()
            reader.onFinished(queue: .main) { [unowned self] in self.readerFinished() }
        }
        logger.info(
            "detectd started",
            [
                "model.name": info.architecture.name, "stream.count": String(streams.count),
                "stream.ids": streams.map(\.name).joined(separator: ","),
            ])
        SystemdNotifier.ready(status: "watching \(streams.count) stream(s)")
        startWatchdog()
        dispatchMain()
    }

    private func readerFinished() {
        dispatchPrecondition(condition: .onQueue(.main))
        finishedReaders += 1
        if finishedReaders == readers.count && !isStopping {
            stop(reason: "every stream ended", hasDeadline: false)
        }
    }

    /// Stops the sources, drains the pipeline, writes final stats, exits: 0, or 66 when no stream ever
    /// connected. On a signal, exits anyway after `shutdownDeadline`; when the streams ended by themselves,
    /// every frame in flight is processed first.
    private func stop(reason: String, hasDeadline: Bool) {
        dispatchPrecondition(condition: .onQueue(.main))
        guard !isStopping else {
            logger.warning("second stop request, exiting now", ["reason": reason])
            Self.exitNow(.success)
        }
        isStopping = true
        logger.info("detectd stopping", ["reason": reason])
        SystemdNotifier.stopping()
        for reader in readers {
            reader.stop()
        }
        if hasDeadline {
            DispatchQueue.main.asyncAfter(deadline: .now() + Self.milliseconds(Self.shutdownDeadline).1) {
                [unowned self] in
                logger.warning("shutdown deadline passed, exiting without final stats")
                Self.exitNow(exitCode)
            }
        }
        pipeline.finish(isDraining: true) { [self] in
            let code = exitCode
            DispatchQueue.main.async { Self.exitNow(code) }
        }
    }

    /// Ends the process at once, without running static destructors: the inference thread may still be inside
    /// libtorch, whose globals must not be torn down under it. stdout is unbuffered (every line is one write),
    /// so nothing written is lost.
    static func exitNow(_ code: ExitCode) -> Never {
        _exit(code.rawValue)
    }

    /// 66 when no stream ever connected (every source failed to open), otherwise 0.
    private var exitCode: ExitCode {
        connected.isEmpty ? .noInput : .success
    }

    private func startWatchdog() {
        guard let interval = SystemdNotifier.watchdogInterval else { return }
        let timer = DispatchSource.makeTimerSource(queue: .main)
        timer.schedule(deadline: .now(), repeating: .milliseconds(max(100, Self.milliseconds(interval).value / 2)))
        timer.setEventHandler { SystemdNotifier.watchdog() }
        timer.resume()
        watchdog = timer
    }

    /// A duration as Dispatch milliseconds.
    private static func milliseconds(_ duration: Duration) -> (value: Int, DispatchTimeInterval) {
        let value =
            Int(duration.components.seconds) * 1000 + Int(duration.components.attoseconds / 1_000_000_000_000_000)
        return (value, .milliseconds(value))
    }
}

/// The names of the streams that connected at least once.
final class ConnectedStreams: Sendable {
    private let names = Mutex<Set<String>>([])

    func insert(_ name: String) {
        names.withLock { _ = $0.insert(name) }
    }

    var isEmpty: Bool { names.withLock { $0.isEmpty } }
}
