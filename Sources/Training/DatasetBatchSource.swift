import Datasets

/// Feeds a ``Trainer`` from a ``BatchLoader``: augmented batches prepared on the loader's threads.
public final class DatasetBatchSource: BatchSource {
    /// The loader.
    public let loader: BatchLoader

    /// Wraps `loader`.
    public init(loader: BatchLoader) {
        self.loader = loader
    }

    /// Batches per epoch.
    public var batchesPerEpoch: Int { loader.batchCount }

    /// Images per epoch.
    public var imagesPerEpoch: Int { loader.augmenter.count }

    /// Starts preparing `epoch`.
    public func start(epoch: Int) {
        loader.start(epoch: epoch)
    }

    /// The next batch, converted to the trainer's form.
    public func next() -> ImageBatch? {
        guard let batch = loader.next() else { return nil }
        let targets = batch.targets.map {
            TargetBox(
                image: $0.imageIndex, classID: $0.classID, centerX: $0.cx, centerY: $0.cy, width: $0.w, height: $0.h)
        }
        return ImageBatch(count: batch.count, imageSize: batch.imageSize, pixels: batch.images, targets: targets)
    }
}
