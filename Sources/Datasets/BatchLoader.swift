import Dispatch

// TODO: an epoch's first batch is only started by `start(epoch:)`, so the trainer waits for it once per epoch
// (a few tens of ms on BCCD); preparing the next epoch's first batches during the last ones would hide it.
/// Assembles training batches in the background, one epoch at a time, ahead of the trainer.
///
/// ```swift
/// let loader = BatchLoader(augmenter: augmenter, batchSize: 16, workers: 2, seed: 7)
/// loader.start(epoch: 0)
/// while let batch = loader.next() { train(on: batch) }
/// ```
///
/// Epoch `e` visits every sample once, in a permutation drawn from (`seed`, `e`); batches are consecutive runs of
/// `batchSize` indices of it, the last one smaller when the count does not divide. A serial queue assembles the
/// batches in order, each with `workers` threads making its samples (``Augmenter/trainingSample(index:epoch:)``
/// in place), and keeps up to `prefetch` finished batches waiting. Since every sample is a function of (augmenter
/// seed, epoch, index) alone and is written to its own slot, a batch's contents do not depend on the worker count
/// or on timing.
///
/// - Important: Call ``start(epoch:)``, ``next()`` and ``stop()`` from one thread (the trainer's); the loader does
///   its own threading. Starting an epoch cancels the one running; `deinit` stops and waits for the producer
///   (at most the current sample per worker).
public final class BatchLoader: Sendable {
    /// The sample maker.
    public let augmenter: Augmenter
    /// The number of images per batch (the last batch of an epoch may hold fewer).
    public let batchSize: Int
    /// How many threads make the samples of one batch.
    public let workers: Int
    /// The seed of the per-epoch sample order.
    public let seed: UInt64
    /// How many finished batches may wait for the trainer.
    public let prefetch: Int
    /// The hand-over between the producer and ``next()``.
    private let queue = BatchQueue()
    /// The serial queue the producer of each epoch runs on, so that at most one runs at a time.
    private let producerQueue = DispatchQueue(label: "detectd.datasets.batch-loader")
    /// Entered while a producer is queued or running, so that ``stop()`` can wait for it.
    private let running = DispatchGroup()

    /// A loader that is idle until ``start(epoch:)``.
    ///
    /// - Parameters:
    ///   - augmenter: makes the samples.
    ///   - batchSize: images per batch, at least 1.
    ///   - workers: threads making samples, at least 1 (more than the machine's cores gains nothing).
    ///   - seed: the seed of each epoch's order.
    ///   - prefetch: finished batches allowed to wait, at least 1.
    public init(augmenter: Augmenter, batchSize: Int, workers: Int = 2, seed: UInt64 = 0, prefetch: Int = 2) {
        precondition(batchSize > 0 && workers > 0 && prefetch > 0, "batch size, workers and prefetch must be positive")
        self.augmenter = augmenter
        self.batchSize = batchSize
        self.workers = workers
        self.seed = seed
        self.prefetch = prefetch
    }

    deinit {
        stop()
    }

    /// The number of batches in an epoch.
    public var batchCount: Int { (augmenter.count + batchSize - 1) / batchSize }

    /// How many times ``next()`` found no batch ready and had to wait, over the loader's life (the first batch of
    /// each epoch usually counts).
    public var waitCount: Int { queue.waitCount }

    /// The order in which epoch `epoch` visits the dataset indices.
    public func order(epoch: Int) -> [Int] {
        var random = RandomSource(seed: seed, epoch)
        return random.permutation(of: augmenter.count)
    }

    /// Starts assembling the batches of `epoch` in the background, cancelling any epoch still running (its
    /// unread batches are dropped).
    public func start(epoch: Int) {
        let generation = queue.begin()
        let order = order(epoch: epoch)
        let (augmenter, batchSize, workers, prefetch, queue) = (augmenter, batchSize, workers, prefetch, queue)
        running.enter()
        producerQueue.async { [running] in
            defer { running.leave() }
            for start in stride(from: 0, to: order.count, by: batchSize) {
                guard queue.waitForRoom(generation: generation, capacity: prefetch) else { return }
                let indices = Array(order[start..<min(start + batchSize, order.count)])
                guard
                    let batch = Self.assemble(
                        indices: indices, epoch: epoch, augmenter: augmenter, workers: workers,
                        isCancelled: { !queue.isCurrent(generation) }),
                    queue.push(batch, generation: generation)
                else { return }
            }
            queue.finish(generation: generation)
        }
    }

    /// The next batch of the running epoch, waiting for it if need be; nil once the epoch's batches have all been
    /// returned, before the first ``start(epoch:)``, and after ``stop()``.
    public func next() -> TrainingBatch? {
        queue.take()
    }

    /// Cancels the running epoch, drops unread batches and waits until the producer has returned.
    public func stop() {
        queue.cancel()
        running.wait()
    }

    /// Makes the samples of `indices` for `epoch` on `workers` threads, each written straight into its slot of
    /// the batch; nil when `isCancelled` turns true on the way.
    static func assemble(
        indices: [Int], epoch: Int, augmenter: Augmenter, workers: Int, isCancelled: @Sendable () -> Bool
    ) -> TrainingBatch? {
        let side = augmenter.imageSize
        let planeSize = 3 * side * side
        var images = [Float](repeating: 0, count: indices.count * planeSize)
        let boxes = images.withUnsafeMutableBufferPointer { buffer in
            let slots = SampleSlots(base: buffer.baseAddress!)
            return ParallelMap.map(count: indices.count, workers: workers, makeState: {}) { _, slot -> [PixelBox]? in
                guard !isCancelled() else { return nil }
                let (picture, boxes) = augmenter.augmentedPicture(index: indices[slot], epoch: epoch)
                picture.writePlanes(into: slots.base + slot * planeSize)
                return boxes
            }
        }
        var targets: [(imageIndex: Int, classID: Int, cx: Float, cy: Float, w: Float, h: Float)] = []
        for (slot, sampleBoxes) in boxes.enumerated() {
            guard let sampleBoxes else { return nil }
            for box in sampleBoxes {
                let target = box.centreSize
                targets.append((slot, target.classID, target.cx, target.cy, target.w, target.h))
            }
        }
        return TrainingBatch(images: images, targets: targets, indices: indices, imageSize: side)
    }
}

/// The storage of a batch being assembled, lent to the threads that make its samples.
///
/// - Important: `@unchecked Sendable` because each worker writes only the slots of the samples it makes (disjoint
///   ranges of `3 * side * side` floats), the buffer outlives `ParallelMap.map`, and nothing reads it until that
///   call has returned (which orders every write before the read).
private struct SampleSlots: @unchecked Sendable {
    /// The first float of the batch.
    let base: UnsafeMutablePointer<Float>
}
