import Dispatch
import Foundation

/// The body of a ``StreamReader``: one loop that connects, reads, decodes, converts and delivers until the
/// stream finishes, driven by a ``ReconnectPolicy``.
///
/// - Important: Confined to the reader's queue: made there by ``StreamReader/start()`` and run there to the
///   end. Not `Sendable`.
final class StreamLoop {
    /// An open source.
    private enum Connection {
        /// A demuxed, decoded video (files, cameras, network streams; FFmpeg reads single images this way too).
        case video(MediaSource, VideoDecoder)
        /// Image files, one frame each, decoded one by one; the PTS of each is its place in the list.
        case pictures([String])
        /// One image, decoded while opening.
        case still(DecodedFrame)
    }

    /// Why handling a decoded picture ended the read.
    private enum FrameFailure: Error {
        /// The reader was stopped, or the sink refused the frame.
        case stopped
        /// The picture could not be letterboxed.
        case conversion(FFmpegError)
    }

    /// The reader whose options, sink, pool and stop signal the loop uses.
    private let reader: StreamReader
    /// Shorthand for the reader's options.
    private let options: StreamOptions
    /// The connection's state machine.
    private var policy: ReconnectPolicy
    /// Letterboxes every picture; one per stream, so its swscale context fits this stream.
    private let converter = FrameConverter()
    /// The packet every read fills; nil when it could not be allocated.
    private let packet: Packet?
    /// Paces files under `isRealtime`.
    private var pacer = FramePacer()
    /// The monotonic clock for stalls, pacing and capture instants.
    private let clock = ContinuousClock()
    /// The index of the next delivered frame.
    private var nextIndex = 0
    /// Pictures decoded since the source opened: chooses which ones `vidStride` keeps.
    private var decodedSinceOpen = 0
    /// When the last picture was decoded, or when the source opened: the stall clock.
    private var lastPictureInstant: ContinuousClock.Instant
    /// Counts not yet reported to the sink.
    private var pending = StreamCounters()
    /// When counts were last reported.
    private var lastCountInstant: ContinuousClock.Instant
    /// The corrupt packets of the current decoder already added to ``pending``.
    private var countedCorruptPackets = 0
    /// The source size the input size was last planned for, and that input size.
    private var plan = (sourceWidth: 0, sourceHeight: 0, inputWidth: 0, inputHeight: 0)
    /// Seconds per frame of the open video, for pictures without a timestamp; 0 when unknown.
    private var frameDuration = 0.0

    /// A loop for `reader`, in ``StreamState/connecting``.
    init(reader: StreamReader) {
        self.reader = reader
        options = reader.options
        policy = ReconnectPolicy(
            isLive: reader.kind.isLive, isLooping: reader.options.isLooping, backoff: reader.options.backoff)
        packet = try? Packet()
        lastPictureInstant = clock.now
        lastCountInstant = clock.now
    }

    /// Runs the stream to its end: connects, reads, waits out backoffs, reports every transition.
    func run() {
        dispatchPrecondition(condition: .onQueue(reader.queue))
        guard packet != nil else {
            apply(.fatal(reason: FFmpegError.allocationFailed(function: "av_packet_alloc").description))
            return
        }
        while true {
            if reader.isStopping { apply(.stopped) }
            switch policy.state {
            case .connecting, .rewinding:
                connectAndRead()
            case .reconnecting(_, let delay):
                apply(reader.sleep(for: delay) ? .backoffElapsed : .stopped)
            case .connected:
                // connectAndRead leaves the connected state before it returns.
                preconditionFailure("stream loop idle while connected")
            case .finished:
                reportCounts()
                return
            }
        }
    }

    /// Opens the source, reads it until it ends or fails, and applies the outcome.
    private func connectAndRead() {
        let connection: Connection
        do {
            connection = try open()
        } catch {
            apply(reader.isStopping ? .stopped : .openFailed(reason: Self.reason(for: error)))
            return
        }
        apply(.opened)
        guard case .connected = policy.state else { return }
        decodedSinceOpen = 0
        lastPictureInstant = clock.now
        pacer.reset()

        let outcome: ReconnectPolicy.Input
        switch connection {
        case .video(let source, let decoder):
            outcome = read(source, with: decoder)
        case .pictures(let paths):
            outcome = read(paths)
        case .still(let picture):
            outcome = deliverOutcome { try handle(picture, pts: 0) } ?? .endOfInput
        }
        reportCounts()
        apply(reader.isStopping ? .stopped : outcome)
    }

    // TODO: reopening costs an open, a probe and a new decoder (with its frame threads) per pass, a few
    // milliseconds that a short looping clip pays every time round; seeking to the start would avoid it.
    /// Opens the source for this kind of URL.
    ///
    /// A looping file is opened afresh for every pass rather than seeked: simple, and right for image folders
    /// and for containers that cannot seek.
    private func open() throws -> Connection {
        switch reader.kind {
        case .imageFolder:
            let paths = try SourceKind.imagePaths(inFolder: options.url)
            guard !paths.isEmpty else {
                throw FFmpegError.openFailed(url: options.url, reason: "the folder holds no image files")
            }
            return .pictures(paths)
        case .image:
            // TODO: ImageLoader polls its own interrupter, so stop() waits for the image being decoded (bounded
            // by ioTimeout; a local image takes milliseconds). The same holds for each image of a folder.
            return .still(try ImageLoader.decodeImage(path: options.url, ioTimeout: options.ioTimeout))
        case .rtsp, .network, .file:
            let sourceOptions = MediaSource.Options(
                ioTimeout: options.ioTimeout,
                formatOptions: reader.kind.formatOptions(
                    ioTimeout: options.ioTimeout, rtspTransport: options.rtspTransport))
            let source = try MediaSource(url: options.url, options: sourceOptions, interrupter: reader.interrupter)
            let decoder = try VideoDecoder(source: source, threadCount: options.decoderThreads(for: reader.kind))
            countedCorruptPackets = 0
            frameDuration = source.averageFrameRate.flatMap { $0.doubleValue }.map { 1 / $0 } ?? 0
            return .video(source, decoder)
        }
    }

    /// Reads and decodes packets until the source ends, fails, stalls or the reader stops.
    private func read(_ source: MediaSource, with decoder: VideoDecoder) -> ReconnectPolicy.Input {
        guard let packet else { return .fatal(reason: "no packet") }
        let isLive = reader.kind.isLive
        while !reader.isStopping {
            var timeout = options.ioTimeout
            if isLive {
                let left = options.stallTimeout - (clock.now - lastPictureInstant)
                guard left > .zero else { return .failed(reason: stallReason) }
                timeout = min(timeout, left)
            }
            let hasPacket: Bool
            do {
                hasPacket = try source.readPacket(into: packet, timeout: timeout)
            } catch {
                if isLive, case .timedOut = error, clock.now - lastPictureInstant >= options.stallTimeout {
                    return .failed(reason: stallReason)
                }
                // TODO: a read error ends a file for good (see ReconnectPolicy), even one that a retry could
                // mend, such as a timeout on a network file system.
                return .failed(reason: error.description)
            }
            let outcome: ReconnectPolicy.Input?
            if hasPacket {
                outcome = deliverOutcome { try decoder.decode(packet) { try handle($0) } }
            } else {
                // The end: the pictures still inside the decoder come out first.
                outcome = deliverOutcome { try decoder.flush { try handle($0) } } ?? .endOfInput
            }
            countCorruptPackets(of: decoder)
            if let outcome { return outcome }
            if clock.now - lastCountInstant >= .seconds(1) { reportCounts() }
        }
        return .stopped
    }

    /// Decodes and delivers image files one by one; an image that does not decode counts as corrupt.
    private func read(_ paths: [String]) -> ReconnectPolicy.Input {
        for (position, path) in paths.enumerated() {
            guard !reader.isStopping else { return .stopped }
            let picture: DecodedFrame
            do {
                picture = try ImageLoader.decodeImage(path: path, ioTimeout: options.ioTimeout)
            } catch {
                pending.corrupt += 1
                continue
            }
            if let outcome = deliverOutcome({ try handle(picture, pts: Double(position)) }) {
                return outcome
            }
        }
        return .endOfInput
    }

    /// Runs `body` (which decodes or hands out pictures) and turns what it throws into the input that ends
    /// the read; nil when it finished normally and reading goes on.
    private func deliverOutcome(_ body: () throws -> Void) -> ReconnectPolicy.Input? {
        do {
            try body()
            return nil
        } catch FrameFailure.stopped {
            return .stopped
        } catch FrameFailure.conversion(let error) {
            return readFailure(error.description)
        } catch {
            return readFailure((error as? FFmpegError)?.description ?? "\(error)")
        }
    }

    /// The input for a failure after the source opened: a retry for live sources, the end for files.
    private func readFailure(_ reason: String) -> ReconnectPolicy.Input {
        reader.kind.isLive ? .failed(reason: reason) : .fatal(reason: reason)
    }

    /// Takes one decoded picture: applies the stride, paces, letterboxes into a pooled buffer and delivers.
    ///
    /// - Parameter pts: the picture's time in seconds; nil reads it from the picture.
    private func handle(_ picture: DecodedFrame, pts: Double? = nil) throws(FrameFailure) {
        pending.decoded += 1
        // A picture the decoder could only partly decode (concealed slices, a missing reference) still goes
        // out: most of it is right, and a camera that loses packets would otherwise go blind until its next
        // keyframe. It counts as corrupt so that the damage shows in the statistics.
        if picture.isCorrupt { pending.corrupt += 1 }
        lastPictureInstant = clock.now
        decodedSinceOpen += 1
        guard (decodedSinceOpen - 1) % max(options.vidStride, 1) == 0 else { return }
        // TODO: a live source's PTS is its own clock (RTSP starts it anywhere) and may jump at a reconnect; a
        // picture without any timestamp gets one estimated from avg_frame_rate, or 0 when that is unknown.
        let pts = pts ?? picture.ptsSeconds ?? Double(decodedSinceOpen - 1) * frameDuration

        if options.isRealtime && !reader.kind.isLive {
            let wait = pacer.delay(forPTS: pts, now: clock.now)
            guard reader.sleep(for: wait) else { throw .stopped }
        }
        // Taken after decoding (and, for a paced file, once the frame is due), before conversion.
        let captureTime = Date()
        let captureInstant = clock.now

        if picture.width != plan.sourceWidth || picture.height != plan.sourceHeight {
            let input = options.inputSize(sourceWidth: picture.width, sourceHeight: picture.height)
            plan = (picture.width, picture.height, input.width, input.height)
        }
        let buffer = reader.pool.take(width: plan.inputWidth, height: plan.inputHeight)
        let geometry: LetterboxGeometry
        do {
            geometry = try converter.letterbox(
                picture, into: buffer.pointer, width: plan.inputWidth, height: plan.inputHeight)
        } catch {
            throw .conversion(error)
        }
        let frame = Frame(
            streamID: options.name, index: nextIndex, pts: pts, captureTime: captureTime,
            captureInstant: captureInstant, geometry: geometry, buffer: buffer)
        nextIndex += 1
        _ = policy.handle(.frameDelivered)
        reportCounts()
        guard reader.sink.deliver(frame, policy: reader.deliveryPolicy) else {
            reader.requestStop()
            throw .stopped
        }
    }

    /// Applies `input` to the policy, publishes the new state and reports the event it calls for.
    private func apply(_ input: ReconnectPolicy.Input) {
        guard let notice = policy.handle(input) else {
            reader.publish(policy.state)
            return
        }
        if notice.kind == .reconnecting {
            pending.reconnects += 1
        }
        reportCounts()
        reader.publish(policy.state)
        reader.sink.report(StreamEvent(streamID: options.name, kind: notice.kind, reason: notice.reason))
    }

    /// Adds the decoder's new corrupt packets to the pending counts.
    private func countCorruptPackets(of decoder: VideoDecoder) {
        if decoder.corruptPackets < countedCorruptPackets { countedCorruptPackets = 0 }
        pending.corrupt += decoder.corruptPackets - countedCorruptPackets
        countedCorruptPackets = decoder.corruptPackets
    }

    /// Sends the pending counts to the sink, unless they are all zero.
    private func reportCounts() {
        lastCountInstant = clock.now
        guard pending != StreamCounters() else { return }
        reader.sink.count(pending, for: options.name)
        pending = StreamCounters()
    }

    /// The reason given for a stall.
    private var stallReason: String {
        "stalled: no frame for \(Self.format(options.stallTimeout))"
    }

    /// The reason an open failed, in words.
    private static func reason(for error: any Error) -> String {
        (error as? FFmpegError)?.description ?? "\(error)"
    }

    /// A duration as seconds with up to three decimals, such as "1.5 s".
    private static func format(_ duration: Duration) -> String {
        let milliseconds = (Backoff.seconds(duration) * 1000).rounded()
        return "\(Double(milliseconds) / 1000) s"
    }
}
