import Foundation

/// The bounded hand-over between a ``BatchLoader``'s producer and its consumer, with a generation number that
/// cancels a running epoch: every producer call names the generation it works for, and work for an old one is
/// refused.
///
/// - Important: Thread-safe; every member runs under one `NSCondition`, the invariant behind `@unchecked Sendable`.
final class BatchQueue: @unchecked Sendable {
    private let condition = NSCondition()
    /// The current generation; bumped by ``begin()`` and ``cancel()``.
    private var generation = 0
    /// Finished batches of the current generation, oldest first.
    private var ready: [TrainingBatch] = []
    /// Whether the current generation will produce no more batches (or none is running).
    private var isFinished = true
    /// How many times ``take()`` found no batch ready and had to wait.
    private var waits = 0

    /// Drops whatever is queued and starts a new generation; returns its number.
    func begin() -> Int {
        condition.lock()
        defer { condition.unlock() }
        generation += 1
        ready = []
        isFinished = false
        condition.broadcast()
        return generation
    }

    /// Drops whatever is queued and ends the current generation: producers stop, ``take()`` returns nil.
    func cancel() {
        condition.lock()
        defer { condition.unlock() }
        generation += 1
        ready = []
        isFinished = true
        condition.broadcast()
    }

    /// Whether `generation` is still the current one.
    func isCurrent(_ generation: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        return generation == self.generation
    }

    /// Blocks while `capacity` batches are waiting; returns false once `generation` is no longer current.
    func waitForRoom(generation: Int, capacity: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while generation == self.generation && ready.count >= capacity {
            condition.wait()
        }
        return generation == self.generation
    }

    /// Queues `batch` for `generation`; returns false (dropping it) when that generation is over.
    func push(_ batch: TrainingBatch, generation: Int) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        guard generation == self.generation else { return false }
        ready.append(batch)
        condition.broadcast()
        return true
    }

    /// Marks `generation` complete, if it is still current.
    func finish(generation: Int) {
        condition.lock()
        defer { condition.unlock() }
        guard generation == self.generation else { return }
        isFinished = true
        condition.broadcast()
    }

    /// Takes the oldest batch, waiting for one; nil when the generation is complete and drained, or cancelled.
    func take() -> TrainingBatch? {
        condition.lock()
        defer { condition.unlock() }
        if ready.isEmpty && !isFinished { waits += 1 }
        while ready.isEmpty && !isFinished {
            condition.wait()
        }
        guard !ready.isEmpty else { return nil }
        let batch = ready.removeFirst()
        condition.broadcast()
        return batch
    }

    /// How many times ``take()`` had to wait for a batch.
    var waitCount: Int {
        condition.lock()
        defer { condition.unlock() }
        return waits
    }
}
