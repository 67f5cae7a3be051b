import Detector
import Foundation
import Torch

/// Trains a detector: the upstream loss, optional distillation, SGD with warm-up and a cosine schedule,
/// gradient accumulation and an EMA of the weights.
///
/// - Important: Not thread-safe; one thread drives it (libtorch's grad mode is per thread).
public final class Trainer {
    /// The model being trained.
    public let model: YOLOModel
    /// The moving average of `model`, which is evaluated and saved.
    public let ema: ModelEMA
    /// The optimizer.
    public let optimizer: NesterovSGD
    /// The hyper-parameters.
    public let options: TrainingOptions
    /// The hard loss.
    public let loss: DetectionLoss
    /// The soft loss and its teachers, when distilling.
    public let distillation: (loss: DistillationLoss, teacher: TeacherSource)?
    /// Iterations (forward and backward passes) done so far over all epochs.
    public private(set) var iteration = 0
    private var lastStepIteration = -1

    /// Prepares training of `model`; `emaCopy` is a second model of the same architecture that becomes the EMA.
    public init(
        model: YOLOModel, emaCopy: YOLOModel, options: TrainingOptions,
        distillation: (settings: DistillationSettings, teacher: TeacherSource)? = nil
    ) throws(TorchError) {
        self.model = model
        self.options = options
        ema = try ModelEMA(copy: emaCopy, of: model)
        let parameters = model.namedParameters().map { (name: $0.name, tensor: $0.parameter.value) }
        optimizer = NesterovSGD(
            groups: NesterovSGD.upstreamGroups(
                parameters, learningRate: options.learningRate, weightDecay: options.scaledWeightDecay),
            momentum: options.momentum)
        loss = DetectionLoss(
            anchors: model.anchors, strides: model.architecture.strides, classCount: model.classCount)
        if let distillation {
            self.distillation = (
                DistillationLoss(
                    settings: distillation.settings, anchors: model.anchors, strides: model.architecture.strides),
                distillation.teacher
            )
        } else {
            self.distillation = nil
        }
    }

    /// Restores the counters of a resumed run that finished `epochs` epochs of `batchesPerEpoch` batches.
    public func restoreProgress(epochs: Int, batchesPerEpoch: Int, emaUpdates: Int) {
        iteration = epochs * batchesPerEpoch
        lastStepIteration = iteration - 1
        ema.restore(updates: emaUpdates)
    }

    /// Runs one epoch over `source`; calls `progress` after every batch with (batch index, batches, running means).
    /// - Returns: the mean losses per image over the epoch.
    public func trainEpoch(
        _ epoch: Int, source: BatchSource, progress: (Int, Int, EpochLosses) -> Void = { _, _, _ in }
    ) throws(TorchError) -> EpochLosses {
        model.setTraining(true)
        source.start(epoch: epoch)
        let batches = source.batchesPerEpoch
        var sums = EpochLosses()
        var seen = 0
        var index = 0
        while let batch = source.next() {
            applySchedule(epoch: epoch, batchesPerEpoch: batches)
            let terms = try step(batch)
            seen += 1
            sums.box += terms.box
            sums.objectness += terms.objectness
            sums.classification += terms.classification
            sums.soft += terms.soft
            sums.total += terms.total
            progress(index, batches, sums.scaled(by: 1 / Double(seen)))
            index += 1
            iteration += 1
        }
        return sums.scaled(by: 1 / Double(max(seen, 1)))
    }

    /// Sets learning rates and momentum for the current iteration.
    private func applySchedule(epoch: Int, batchesPerEpoch: Int) {
        let step = options.schedule(iteration: iteration, epoch: epoch, batchesPerEpoch: batchesPerEpoch)
        for index in optimizer.groups.indices {
            optimizer.groups[index].learningRate = step.learningRates[index]
        }
        optimizer.momentum = step.momentum
    }

    /// Forward, loss and backward on one batch; steps the optimizer when enough gradient has accumulated.
    private func step(_ batch: ImageBatch) throws(TorchError) -> EpochLosses {
        let size = batch.imageSize
        let images = try Tensor(batch.pixels, shape: [batch.count, 3, size, size])
        let predictions = try model.forward(images)
        let hard = try loss(predictions, targets: batch.targets, imageSize: size)
        var terms = EpochLosses()
        terms.box = hard.box
        terms.objectness = hard.objectness
        terms.classification = hard.classification
        var total = hard.total
        if let distillation {
            let targets = try softTargets(
                images, teacher: distillation.teacher, temperature: distillation.loss.settings.temperature)
            let soft = try distillation.loss(predictions, targets: targets, imageSize: size)
            let settings = distillation.loss.settings
            total = try hard.total * settings.alpha + soft.total * settings.beta
            terms.soft = soft.classification + soft.box + soft.objectness
            terms.total =
                settings.alpha * (hard.box + hard.objectness + hard.classification) + settings.beta * terms.soft
        } else {
            terms.total = hard.box + hard.objectness + hard.classification
        }
        try total.backward()

        if iteration - lastStepIteration >= options.accumulationSteps {
            try optimizer.step()
            try optimizer.zeroGrad()
            try ema.update(from: model)
            lastStepIteration = iteration
        }
        return terms
    }

    /// The teachers' soft targets for `images`.
    private func softTargets(_ images: Tensor, teacher: TeacherSource, temperature: Double) throws(TorchError)
        -> SoftTargets
    {
        let strides = model.architecture.strides
        switch teacher {
        case .models(let teachers):
            let outputs = try teachers.map { (teacher) throws(TorchError) in try teacher.model.forward(images) }
            return try SoftTargets(
                outputs: outputs, anchors: teachers.map(\.model.anchors), strides: strides,
                weights: teachers.map(\.weight), temperature: temperature)
        case .studentEMA:
            guard let average = ema.model as? YOLOModel else {
                throw TorchError.invalidArgument("the EMA of a detector must be a detector")
            }
            let outputs = try withNoGrad { () throws(TorchError) in try average.forward(images) }
            return try SoftTargets(
                outputs: [outputs], anchors: [average.anchors], strides: strides, weights: [1],
                temperature: temperature)
        }
    }
}

extension EpochLosses {
    func scaled(by factor: Double) -> EpochLosses {
        var result = self
        result.box *= factor
        result.objectness *= factor
        result.classification *= factor
        result.soft *= factor
        result.total *= factor
        return result
    }
}
