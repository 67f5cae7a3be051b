import Detector
import Foundation
import Stream

/// Writes the pipeline's results to stdout as JSON lines (`detections`, `event`, `stats`) and logs failures.
///
/// - Important: Used on the pipeline's writer queue only.
final class JSONLineOutput: PipelineOutput {
    private let modelName: String
    private let classNames: [String]
    private let logger: Logger
    /// Called with every event after it is written.
    private let onEvent: @Sendable (StreamEvent) -> Void
    /// Called once if stdout breaks (the reader went away): the daemon should stop.
    private let onBrokenOutput: @Sendable () -> Void
    private var isBroken = false

    init(
        modelName: String, classNames: [String], logger: Logger,
        onEvent: @escaping @Sendable (StreamEvent) -> Void = { _ in },
        onBrokenOutput: @escaping @Sendable () -> Void
    ) {
        self.modelName = modelName
        self.classNames = classNames
        self.logger = logger
        self.onEvent = onEvent
        self.onBrokenOutput = onBrokenOutput
    }

    func write(frame: Frame, result: [Detection], inferenceMilliseconds: Double) {
        let geometry = frame.geometry
        emit(
            DetectionJSON.frame(
                stream: frame.streamID, frame: frame.index, pts: frame.pts, time: frame.captureTime,
                width: geometry.sourceWidth, height: geometry.sourceHeight, model: modelName,
                inferenceMilliseconds: inferenceMilliseconds, detections: result, classNames: classNames))
    }

    func write(event: StreamEvent) {
        var line: [String: Any] = [
            "type": "event", "stream": event.streamID, "time": DetectionJSON.timestamp(event.time),
            "event": event.kind.rawValue,
        ]
        if let reason = event.reason { line["reason"] = reason }
        emit(line)
        onEvent(event)
        switch event.kind {
        case .connected: logger.info("stream connected", ["stream.id": event.streamID])
        case .eof: logger.info("stream ended", ["stream.id": event.streamID])
        case .reconnecting:
            logger.warning("stream reconnecting", ["stream.id": event.streamID, "reason": event.reason ?? ""])
        case .error: logger.error("stream failed", ["stream.id": event.streamID, "reason": event.reason ?? ""])
        }
    }

    func write(stats: [StatsSnapshot]) {
        let now = DetectionJSON.timestamp(Date())
        for snapshot in stats {
            var latency: [String: Any] = [:]
            latency["p50"] = snapshot.latencyP50.map { DetectionJSON.rounded($0, places: 2) } ?? NSNull()
            latency["p95"] = snapshot.latencyP95.map { DetectionJSON.rounded($0, places: 2) } ?? NSNull()
            latency["p99"] = snapshot.latencyP99.map { DetectionJSON.rounded($0, places: 2) } ?? NSNull()
            emit([
                "type": "stats", "stream": snapshot.streamID, "time": now, "frames": snapshot.frames,
                "decode_fps": DetectionJSON.rounded(snapshot.decodeFPS, places: 2),
                "infer_fps": DetectionJSON.rounded(snapshot.inferenceFPS, places: 2),
                "output_fps": DetectionJSON.rounded(snapshot.outputFPS, places: 2), "dropped": snapshot.dropped,
                "corrupt": snapshot.corrupt, "reconnects": snapshot.reconnects, "latency_ms": latency,
            ])
        }
    }

    func write(failure: any Error, frames: [Frame]) {
        logger.warning(
            "inference failed, frames skipped",
            ["stream.ids": Set(frames.map(\.streamID)).sorted().joined(separator: ","), "reason": "\(failure)"])
    }

    private func emit(_ line: [String: Any]) {
        guard !isBroken else { return }
        do {
            try JSONOutput.write(line)
        } catch {
            isBroken = true
            logger.error("stdout failed, stopping", ["reason": error.message])
            onBrokenOutput()
        }
    }
}
