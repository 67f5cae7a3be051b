import Foundation

/// The bounded meeting point between the streams' queues and the inference queue.
///
/// Each stream has its own short FIFO. Under `latestFrameWins` it holds at most one frame: a newer frame
/// replaces the waiting one, which counts as dropped. Under `lossless(capacity:)` the stream blocks while its
/// FIFO is full. The inference side takes batches: the oldest frame of each stream, in turn, as long as they
/// share one input shape.
/// - Important: Thread-safe; every member runs under one `NSCondition`. That lock is the invariant behind
///   `@unchecked Sendable`.
final class FrameHandoff: @unchecked Sendable {
    private let condition = NSCondition()
    private var queues: [String: [Frame]] = [:]
    private var turn: [String] = []
    private var dropped: [String: Int] = [:]
    private var isClosed = false

    /// Offers a frame; blocks under `lossless` while the stream's FIFO is full. Returns false once closed.
    func offer(_ frame: Frame, policy: DeliveryPolicy) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        let stream = frame.streamID
        if queues[stream] == nil {
            queues[stream] = []
            turn.append(stream)
        }
        switch policy {
        case .latestFrameWins:
            guard !isClosed else { return false }
            if let waiting = queues[stream], !waiting.isEmpty {
                dropped[stream, default: 0] += waiting.count
                queues[stream] = []
            }
        case .lossless(let capacity):
            while !isClosed && (queues[stream]?.count ?? 0) >= max(1, capacity) {
                condition.wait()
            }
            guard !isClosed else { return false }
        }
        queues[stream, default: []].append(frame)
        condition.broadcast()
        return true
    }

    /// Waits for frames and takes up to `maximum`: the oldest of each stream in round-robin order, all of the
    /// first one's input shape. Returns nil when closed and empty.
    func takeBatch(maximum: Int) -> [Frame]? {
        condition.lock()
        defer { condition.unlock() }
        while !isClosed && queues.values.allSatisfy(\.isEmpty) {
            condition.wait()
        }
        guard let first = turn.firstIndex(where: { !(queues[$0]?.isEmpty ?? true) }) else { return nil }
        // The stream served first goes to the back of the turn, so that no stream starves another.
        let order = Array(turn[first...]) + Array(turn[..<first])
        turn = Array(order.dropFirst()) + [order[0]]
        var batch: [Frame] = []
        var shape: (Int, Int)?
        for stream in order where batch.count < maximum {
            guard let frame = queues[stream]?.first else { continue }
            let size = (frame.buffer.width, frame.buffer.height)
            if let shape, shape != size { continue }
            shape = size
            batch.append(frame)
            queues[stream]?.removeFirst()
        }
        condition.broadcast()
        return batch
    }

    /// Frames dropped per stream since the last call (latest-frame-wins replacements).
    func takeDropped() -> [String: Int] {
        condition.lock()
        defer { condition.unlock() }
        let result = dropped
        dropped = [:]
        return result
    }

    /// Stops accepting frames and wakes everyone; frames already waiting can still be taken.
    func close() {
        condition.lock()
        isClosed = true
        condition.broadcast()
        condition.unlock()
    }

    /// Drops every waiting frame (for a shutdown that must not wait for inference).
    func discardAll() {
        condition.lock()
        queues = queues.mapValues { _ in [] }
        condition.broadcast()
        condition.unlock()
    }
}
