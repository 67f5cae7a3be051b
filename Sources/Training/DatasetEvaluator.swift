import Datasets
import Detector
import Evaluation
import Foundation
import Stream
import Torch

/// How a split is evaluated.
public struct EvaluationSettings: Sendable {
    /// The long side of the network input.
    public var imageSize = 320
    /// Images per forward pass.
    public var batchSize = 8
    /// Rectangular batches: images sorted by aspect ratio, each batch letterboxed to the smallest rectangle of
    /// multiples of 32 that holds all its images at long side `imageSize` (the daemon's `--rect` geometry).
    /// Off: every image letterboxed to an `imageSize` square.
    public var isRectangular = true
    /// Suppression settings (upstream's evaluation defaults: conf 0.001, IoU 0.65, multi-label).
    public var suppression = NMSOptions.evaluation
    /// The forward engine.
    public var engine = ObjectDetector.Engine.onednn

    /// The defaults.
    public init() {}
}

/// The outcome of evaluating a model on a split.
public struct EvaluationResult: Sendable {
    /// COCO metrics.
    public var metrics: DetectionMetrics
    /// Every detection in source pixels, image ids being indices into the dataset's samples.
    public var detections: [ScoredDetection]
    /// Mean milliseconds per image of the forward pass and suppression (batched).
    public var inferenceMilliseconds: Double
    /// Mean milliseconds per image from file to detections (decode, letterbox, forward, suppression).
    public var endToEndMilliseconds: Double
    /// The input shapes used, as "WxH" with the number of images at each.
    public var shapes: [String: Int]
}

// TODO: every letterboxed input stays in memory (about 1 MB per image at 320x256), which suits BCCD-sized splits but
// not COCO's 5,000 validation images (5 GB); larger splits need inputs prepared per batch, ideally ahead of time.
/// Runs a detector over a labelled split and scores it with the COCO evaluator.
///
/// Letterboxed inputs are prepared once (decoding with the daemon's FFmpeg code) and reused by every call, so
/// evaluating after each training epoch costs only the forward passes.
/// - Important: Not thread-safe; one thread uses it.
public final class DatasetEvaluator {
    /// The split.
    public let dataset: DetectionDataset
    /// The settings.
    public let settings: EvaluationSettings
    /// The batches: which images, at which input shape.
    public let plan: EvalBatchPlan
    /// The split's boxes in the evaluator's terms (image ids are sample indices; difficult boxes are crowd).
    public let groundTruthBoxes: [GroundTruthBox]
    private var inputs: [[Float]] = []
    private var letterboxes: [Letterbox] = []
    private let groundTruth: COCOEvaluator
    private var preparationSeconds = 0.0

    /// Prepares the inputs of `dataset`.
    /// - Throws: ``DatasetError/imageUnreadable(path:reason:)`` for an image that no longer decodes.
    public init(dataset: DetectionDataset, settings: EvaluationSettings) throws(DatasetError) {
        self.dataset = dataset
        self.settings = settings
        plan = EvalBatchPlan(
            dataset: dataset, imageSize: settings.imageSize, batchSize: settings.batchSize,
            isRectangular: settings.isRectangular, pad: 0)
        var boxes: [GroundTruthBox] = []
        for (index, sample) in dataset.samples.enumerated() {
            for box in sample.boxes {
                boxes.append(
                    GroundTruthBox(
                        imageID: index, classID: box.classID, x1: Double(box.x1), y1: Double(box.y1),
                        x2: Double(box.x2), y2: Double(box.y2), isCrowd: box.isDifficult))
            }
        }
        groundTruthBoxes = boxes
        groundTruth = COCOEvaluator(
            groundTruth: boxes, imageIDs: Array(dataset.samples.indices), classIDs: Array(dataset.classNames.indices))

        let clock = ContinuousClock()
        let start = clock.now
        let converter = FrameConverter()
        inputs = Array(repeating: [], count: dataset.samples.count)
        letterboxes = Array(
            repeating: Letterbox(sourceWidth: 1, sourceHeight: 1, targetWidth: 1, targetHeight: 1),
            count: dataset.samples.count)
        for batch in plan.batches {
            for index in batch.indices {
                let sample = dataset.samples[index]
                var image = [Float](repeating: 0, count: 3 * batch.width * batch.height)
                do {
                    let frame = try ImageLoader.decodeImage(path: sample.imagePath)
                    try converter.letterbox(frame, into: &image, width: batch.width, height: batch.height)
                    letterboxes[index] = Letterbox(
                        sourceWidth: frame.width, sourceHeight: frame.height, targetWidth: batch.width,
                        targetHeight: batch.height)
                } catch {
                    throw .imageUnreadable(path: sample.imagePath, reason: "\(error)")
                }
                inputs[index] = image
            }
        }
        preparationSeconds = (clock.now - start).seconds
    }

    /// Evaluates `model` (folded for inference).
    public func evaluate(_ model: InferenceModel) throws(DetectorError) -> EvaluationResult {
        let detector = ObjectDetector(model: model, options: settings.suppression, engine: settings.engine)
        let clock = ContinuousClock()
        var inferenceSeconds = 0.0
        var detections: [ScoredDetection] = []
        var shapes: [String: Int] = [:]
        for batch in plan.batches {
            let pixels = batch.indices.flatMap { inputs[$0] }
            let start = clock.now
            let found = try pixels.withUnsafeBufferPointer { buffer throws(DetectorError) in
                // The buffer is never empty: a plan's batches hold at least one image.
                try detector.detect(
                    buffer.baseAddress!, batch: batch.indices.count, height: batch.height, width: batch.width)
            }
            inferenceSeconds += (clock.now - start).seconds
            shapes["\(batch.width)x\(batch.height)", default: 0] += batch.indices.count
            for (position, index) in batch.indices.enumerated() {
                var boxes = found[position]
                letterboxes[index].mapToSource(&boxes)
                for detection in boxes {
                    detections.append(
                        ScoredDetection(
                            imageID: index, classID: detection.classIndex, score: Double(detection.score),
                            x1: Double(detection.box.x1), y1: Double(detection.box.y1), x2: Double(detection.box.x2),
                            y2: Double(detection.box.y2)))
                }
            }
        }
        let count = Double(max(dataset.samples.count, 1))
        return EvaluationResult(
            metrics: groundTruth.evaluate(detections), detections: detections,
            inferenceMilliseconds: inferenceSeconds * 1000 / count,
            endToEndMilliseconds: (inferenceSeconds + preparationSeconds) * 1000 / count, shapes: shapes)
    }
}
