import Torch

/// The gains of upstream YOLOv7's loss (the tiny recipe's `hyp` values).
public struct LossGains: Sendable, Equatable {
    /// Weight of the box (1 - CIoU) term before level scaling.
    public var box: Double = 0.05
    /// Weight of the objectness term before size and level scaling.
    public var objectness: Double = 1.0
    /// Weight of the class term before class-count and level scaling.
    public var classification: Double = 0.5
    /// Objectness weight of each level, P3 first.
    public var levelBalance: [Double] = [4.0, 1.0, 0.4]

    /// Upstream's defaults.
    public init() {}
}

/// The parts of one batch's loss: `total` carries the gradient, the others are detached numbers for logs.
public struct LossTerms: Sendable {
    /// The differentiable total (already multiplied by the batch size, as upstream does).
    public var total: Tensor
    /// The box term after its gain, per image.
    public var box: Double
    /// The objectness term after its gain, per image.
    public var objectness: Double
    /// The class term after its gain, per image.
    public var classification: Double
}

/// Upstream YOLOv7's training loss against ground truth (the "hard" loss of distillation).
///
/// Box: mean(1 - CIoU) over positives. Objectness: BCE of every cell against the detached, clamped CIoU of
/// its positive (0 elsewhere), weighted per level. Class: BCE against one-hot targets over positives (only
/// when there is more than one class). Gains as in ``LossGains``, scaled by 3 / levels, class count / 80 and
/// (image size / 640)^2 as upstream; the sum is multiplied by the batch size.
public struct DetectionLoss {
    /// The gains.
    public var gains = LossGains()
    /// Assigns targets to cells.
    public let assigner: TargetAssigner
    /// The number of classes.
    public let classCount: Int

    /// Creates the loss for a model's anchors (input pixels per level), strides and class count.
    public init(anchors: [[(Float, Float)]], strides: [Int], classCount: Int) {
        assigner = TargetAssigner(anchors: anchors, strides: strides)
        self.classCount = classCount
    }

    /// The loss of `predictions` (per level [batch, anchors, ny, nx, 5 + classes] logits) for `targets`.
    ///
    /// - Parameter imageSize: the longer side of the network input, for the objectness gain.
    public func callAsFunction(_ predictions: [Tensor], targets: [TargetBox], imageSize: Int) throws(TorchError)
        -> LossTerms
    {
        let levelCount = predictions.count
        let levelScale = 3.0 / Double(levelCount)
        let batch = predictions[0].shape[0]
        var box = try Tensor.zeros([])
        var objectness = try Tensor.zeros([])
        var classification = try Tensor.zeros([])

        for (level, prediction) in predictions.enumerated() {
            let shape = prediction.shape
            let outputs = shape[4]
            let assignment = assigner.assign(targets, level: level, batch: batch, rows: shape[2], columns: shape[3])
            let flat = try prediction.reshape([-1, outputs])
            let objectnessTarget = try Tensor.zeros([flat.shape[0]])
            if assignment.count > 0 {
                let rows = try Tensor(assignment.rows)
                let positives = try flat.indexSelect(dim: 0, rows)
                let iou = try Self.completeIoU(positives, assignment)
                box = try box + (1 - iou).mean()
                let detached = try iou.detach().clamp(min: 0)
                try objectnessTarget.indexPut([rows], detached)
                if classCount > 1 {
                    let classTarget = try Self.oneHot(assignment.classIDs, classCount: classCount)
                    let logits = try positives.narrow(dim: 1, start: 5, length: classCount)
                    classification = try classification + binaryCrossEntropyWithLogits(logits, target: classTarget)
                }
            }
            let objectnessLogits = try flat.select(column: 4)
            let levelObjectness = try binaryCrossEntropyWithLogits(objectnessLogits, target: objectnessTarget)
            objectness = try objectness + levelObjectness * gains.levelBalance[level]
        }

        let sizeScale = Double(imageSize) / 640
        box = try box * (gains.box * levelScale)
        objectness = try objectness * (gains.objectness * sizeScale * sizeScale * levelScale)
        classification = try classification * (gains.classification * Double(classCount) / 80 * levelScale)
        let total = try (box + objectness + classification) * Double(batch)
        return LossTerms(
            total: total, box: try box.item(), objectness: try objectness.item(),
            classification: try classification.item())
    }

    /// The CIoU between the decoded positives and their targets, in grid units.
    static func completeIoU(_ positives: Tensor, _ assignment: LevelAssignment) throws(TorchError) -> Tensor {
        let count = assignment.count
        let xy = try positives.narrow(dim: 1, start: 0, length: 2).sigmoid() * 2 - 0.5
        let anchorSizes = try Tensor(assignment.anchorSizes, shape: [count, 2])
        let wh = try (positives.narrow(dim: 1, start: 2, length: 2).sigmoid() * 2).pow(2) * anchorSizes
        let predicted = try Tensor.cat([xy, wh], dim: 1)
        let target = try Tensor(assignment.boxes, shape: [count, 4])
        return try BoxIoU.complete(predicted, target)
    }

    /// [n, classCount] float one-hot rows for `classIDs`.
    static func oneHot(_ classIDs: [Int64], classCount: Int) throws(TorchError) -> Tensor {
        var values = [Float](repeating: 0, count: classIDs.count * classCount)
        for (row, classID) in classIDs.enumerated() {
            values[row * classCount + Int(classID)] = 1
        }
        return try Tensor(values, shape: [classIDs.count, classCount])
    }
}
