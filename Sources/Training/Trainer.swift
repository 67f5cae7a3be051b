import Detector
import Foundation
import Torch

/// A batch ready for the network: images as one contiguous NCHW float array in [0, 1], targets in input pixels.
public struct ImageBatch: Sendable {
    /// The number of images.
    public var count: Int
    /// The square input side.
    public var imageSize: Int
    /// count x 3 x imageSize x imageSize values.
    public var pixels: [Float]
    /// The objects of every image.
    public var targets: [TargetBox]

    /// Creates a batch.
    public init(count: Int, imageSize: Int, pixels: [Float], targets: [TargetBox]) {
        self.count = count
        self.imageSize = imageSize
        self.pixels = pixels
        self.targets = targets
    }
}

/// Supplies the augmented batches of each epoch, prepared ahead on its own threads.
public protocol BatchSource: AnyObject {
    /// Batches per epoch.
    var batchesPerEpoch: Int { get }
    /// Images per epoch.
    var imagesPerEpoch: Int { get }
    /// Starts preparing the batches of `epoch`.
    func start(epoch: Int)
    /// The next batch of the current epoch, waiting for it if needed; nil at the end of the epoch.
    func next() -> ImageBatch?
}

/// Where a model's teacher signal comes from during distillation.
public enum TeacherSource {
    /// Fixed models with their weights in the average.
    case models([(model: InferenceModel, weight: Double)])
    /// The exponential moving average of the student itself (self-distillation).
    case studentEMA
}

/// The metrics of one evaluation of the EMA model.
public struct EpochMetrics: Sendable, Equatable {
    /// Precision at the best mean-F1 threshold, IoU 0.5.
    public var precision: Double
    /// Recall at the same threshold.
    public var recall: Double
    /// COCO mAP at IoU 0.5.
    public var map50: Double
    /// COCO mAP over IoU 0.50:0.05:0.95.
    public var map50to95: Double

    /// Creates metrics.
    public init(precision: Double, recall: Double, map50: Double, map50to95: Double) {
        self.precision = precision
        self.recall = recall
        self.map50 = map50
        self.map50to95 = map50to95
    }

    /// Upstream's fitness for choosing the best epoch: 0.1 mAP@0.5 + 0.9 mAP@0.5:0.95.
    public var fitness: Double { 0.1 * map50 + 0.9 * map50to95 }
}

/// Mean loss terms of one epoch, per image.
public struct EpochLosses: Sendable, Equatable {
    /// Box term (hard).
    public var box = 0.0
    /// Objectness term (hard).
    public var objectness = 0.0
    /// Class term (hard).
    public var classification = 0.0
    /// Soft (teacher) loss, before beta; 0 without distillation.
    public var soft = 0.0
    /// alpha x hard + beta x soft.
    public var total = 0.0

    /// Zeros.
    public init() {}
}
