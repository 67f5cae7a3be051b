import Torch

/// What the teachers say about every cell of one level, averaged over teachers.
public struct LevelSoftTargets {
    /// sigmoid(class logit / T) per class: [batch, anchors, ny, nx, classes].
    public var classProbabilities: Tensor
    /// sigmoid(objectness logit / T): [batch, anchors, ny, nx].
    public var objectnessProbability: Tensor
    /// sigmoid(objectness logit), the weight of the cell's class and box terms: [batch, anchors, ny, nx].
    public var weight: Tensor
    /// The decoded box (cx, cy relative to the cell, w, h), in grid units: [batch, anchors, ny, nx, 4].
    public var boxes: Tensor
}

/// Soft targets of one batch: per level, the teachers' averaged opinion.
public struct SoftTargets {
    /// One entry per level, P3 first.
    public var levels: [LevelSoftTargets]

    /// Averages the raw outputs of several teachers (each per level [batch, anchors, ny, nx, 5 + classes]).
    ///
    /// Boxes are decoded with each teacher's own anchors (`anchors[t][level]` in input pixels) so teachers
    /// and the student may use different anchors.
    /// - Parameters:
    ///   - outputs: per teacher, its raw outputs per level.
    ///   - anchors: per teacher, its anchors per level in input pixels.
    ///   - weights: per teacher, its share; normalised to sum to 1.
    public init(
        outputs: [[Tensor]], anchors: [[[(Float, Float)]]], strides: [Int], weights: [Double], temperature: Double
    ) throws(TorchError) {
        precondition(!outputs.isEmpty && outputs.count == anchors.count && outputs.count == weights.count)
        let total = weights.reduce(0, +)
        var levels: [LevelSoftTargets] = []
        try withNoGrad { () throws(TorchError) in
            for level in outputs[0].indices {
                var sum: LevelSoftTargets?
                for (teacher, output) in outputs.enumerated() {
                    let raw = output[level]
                    let classCount = raw.shape[4] - 5
                    let share = weights[teacher] / total
                    let classes = try (raw.narrow(dim: 4, start: 5, length: classCount) / temperature).sigmoid() * share
                    let objectnessLogit = try raw.select(last: 4)
                    let objectness = try (objectnessLogit / temperature).sigmoid() * share
                    let weight = try objectnessLogit.sigmoid() * share
                    let boxes =
                        try BoxDecoding.gridBoxes(
                            raw, anchors: anchors[teacher][level], stride: strides[level]) * share
                    if let previous = sum {
                        sum = LevelSoftTargets(
                            classProbabilities: try previous.classProbabilities + classes,
                            objectnessProbability: try previous.objectnessProbability + objectness,
                            weight: try previous.weight + weight, boxes: try previous.boxes + boxes)
                    } else {
                        sum = LevelSoftTargets(
                            classProbabilities: classes, objectnessProbability: objectness, weight: weight,
                            boxes: boxes)
                    }
                }
                if let sum { levels.append(sum) }
            }
        }
        self.levels = levels
    }
}

/// Decoding of raw head outputs into boxes, differentiable.
enum BoxDecoding {
    /// The boxes of raw logits [batch, anchors, ny, nx, 5 + classes] as (x, y) relative to the cell's corner
    /// and (w, h), all in grid units (input pixels / stride): [batch, anchors, ny, nx, 4].
    static func gridBoxes(_ raw: Tensor, anchors: [(Float, Float)], stride: Int) throws(TorchError) -> Tensor {
        let scaled = anchors.flatMap { [$0.0 / Float(stride), $0.1 / Float(stride)] }
        let anchorSizes = try Tensor(scaled, shape: [1, anchors.count, 1, 1, 2])
        let xy = try raw.narrow(dim: 4, start: 0, length: 2).sigmoid() * 2 - 0.5
        let wh = try (raw.narrow(dim: 4, start: 2, length: 2).sigmoid() * 2).pow(2) * anchorSizes
        return try Tensor.cat([xy, wh], dim: 4)
    }
}

extension Tensor {
    /// Channel `index` of the last dimension, with that dimension removed.
    func select(last index: Int) throws(TorchError) -> Tensor {
        let dim = rank - 1
        return try narrow(dim: dim, start: index, length: 1).squeeze(dim)
    }
}
