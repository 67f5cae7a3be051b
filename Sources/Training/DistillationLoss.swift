import Torch

/// The settings of the soft (teacher) loss.
public struct DistillationSettings: Sendable, Equatable {
    /// Weight of the hard loss against ground truth.
    public var alpha: Double = 1
    /// Weight of the soft loss against the teachers.
    public var beta: Double = 1
    /// Weight of the box L1 term inside the soft loss.
    public var lambda: Double = 1
    /// Softmax temperature T of the class and objectness KL terms.
    public var temperature: Double = 2

    /// The defaults.
    public init() {}
}

/// The soft part of `L = alpha L_hard + beta L_soft`, its terms detached for logs.
public struct SoftLossTerms {
    /// The differentiable soft loss (already multiplied by the batch size, like the hard loss).
    public var total: Tensor
    /// The class KL term per image.
    public var classification: Double
    /// The box L1 term per image (after lambda).
    public var box: Double
    /// The objectness KL term per image.
    public var objectness: Double
}

/// The distillation loss against soft targets.
///
/// Per level: the class term is T^2 times the Bernoulli KL(teacher || student) of sigmoid(logit / T), averaged
/// over classes; the box term is the L1 distance of the decoded boxes in grid units (input pixels / stride, so
/// anchors may differ), averaged over the four coordinates; both are averaged over cells weighted by the
/// teachers' objectness, so background cells do not dominate. The objectness term is T^2 times the Bernoulli KL
/// of sigmoid(objectness / T) averaged over every cell and weighted per level like the hard objectness.
/// Each term then takes the gain of its hard counterpart (``LossGains`` with the same class-count, image-size
/// and level scaling), so that beta = alpha weighs teacher and ground truth alike; the sum is multiplied by the
/// batch size.
public struct DistillationLoss {
    /// The settings (alpha and beta are applied by the trainer).
    public var settings: DistillationSettings
    /// The gains shared with the hard loss.
    public var gains = LossGains()
    /// The student's anchors per level, in input pixels.
    public let anchors: [[(Float, Float)]]
    /// The strides per level.
    public let strides: [Int]

    /// Creates the loss for a student with `anchors` and `strides`.
    public init(settings: DistillationSettings, anchors: [[(Float, Float)]], strides: [Int]) {
        self.settings = settings
        self.anchors = anchors
        self.strides = strides
    }

    /// The soft loss of the student's raw outputs per level against `targets`.
    ///
    /// - Parameter imageSize: the longer side of the network input, for the objectness gain.
    public func callAsFunction(_ predictions: [Tensor], targets: SoftTargets, imageSize: Int) throws(TorchError)
        -> SoftLossTerms
    {
        let temperature = settings.temperature
        let squared = temperature * temperature
        let batch = predictions[0].shape[0]
        var classification = try Tensor.zeros([])
        var box = try Tensor.zeros([])
        var objectness = try Tensor.zeros([])
        for (level, raw) in predictions.enumerated() {
            let soft = targets.levels[level]
            let classCount = raw.shape[4] - 5
            let weightSum = try soft.weight.sum().clamp(min: 1)

            let classLogits = try raw.narrow(dim: 4, start: 5, length: classCount) / temperature
            let classKL = try Self.bernoulliKL(classLogits, soft.classProbabilities).mean(dims: [4]) * squared
            classification = try classification + (classKL * soft.weight).sum() / weightSum

            let boxes = try BoxDecoding.gridBoxes(raw, anchors: anchors[level], stride: strides[level])
            let distance = try (boxes - soft.boxes).abs().mean(dims: [4])
            box = try box + (distance * soft.weight).sum() / weightSum * settings.lambda

            let objectnessLogits = try raw.select(last: 4) / temperature
            let objectnessKL = try Self.bernoulliKL(objectnessLogits, soft.objectnessProbability).mean() * squared
            objectness = try objectness + objectnessKL * gains.levelBalance[level]
        }
        let levelScale = 3.0 / Double(predictions.count)
        let sizeScale = Double(imageSize) / 640
        let classCount = Double(predictions[0].shape[4] - 5)
        classification = try classification * (gains.classification * classCount / 80 * levelScale)
        box = try box * (gains.box * levelScale)
        objectness = try objectness * (gains.objectness * sizeScale * sizeScale * levelScale)
        let total = try (classification + box + objectness) * Double(batch)
        return SoftLossTerms(
            total: total, classification: try classification.item(), box: try box.item(),
            objectness: try objectness.item())
    }

    /// Elementwise KL(p || sigmoid(logits)) between Bernoulli distributions: BCE(logits, p) - H(p).
    static func bernoulliKL(_ logits: Tensor, _ probabilities: Tensor) throws(TorchError) -> Tensor {
        let crossEntropy = try binaryCrossEntropyWithLogits(logits, target: probabilities, reduction: .none)
        let p = try probabilities.clamp(min: 1e-7, max: 1 - 1e-7)
        let entropy = try (p * p.log() + (1 - p) * (1 - p).log()) * -1
        return try crossEntropy - entropy
    }
}
