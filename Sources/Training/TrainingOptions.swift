import Foundation

/// The hyper-parameters of a training run (upstream's tiny recipe by default).
public struct TrainingOptions: Codable, Sendable, Equatable {
    /// Passes over the training split.
    public var epochs = 100
    /// Images per forward pass.
    public var batchSize = 16
    /// Images per optimizer step: gradients accumulate over nominal / batch passes (at least one).
    public var nominalBatchSize = 64
    /// The square training input side, a multiple of 32.
    public var imageSize = 320
    /// The initial learning rate.
    public var learningRate = 0.01
    /// The final learning rate as a fraction of the initial one (cosine schedule).
    public var finalLearningRateFactor = 0.01
    /// SGD momentum after warm-up.
    public var momentum = 0.937
    /// L2 decay on convolution weights, for a nominal batch of 64 (scaled with the nominal batch).
    public var weightDecay = 5e-4
    /// Epochs of linear warm-up.
    public var warmupEpochs = 3.0
    /// Momentum at the start of warm-up.
    public var warmupMomentum = 0.8
    /// Bias learning rate at the start of warm-up.
    public var warmupBiasLearningRate = 0.1
    /// Seed of initialisation, shuffling and augmentation.
    public var seed: UInt64 = 0
    /// Threads that prepare augmented batches.
    public var workers = 1
    /// Evaluate on the validation split every this many epochs (and always after the last).
    public var evaluationInterval = 1

    /// The defaults.
    public init() {}

    /// Passes whose gradients add up before one optimizer step.
    public var accumulationSteps: Int { max(Int((Double(nominalBatchSize) / Double(batchSize)).rounded()), 1) }

    /// The weight decay scaled to the effective batch, as upstream scales it.
    public var scaledWeightDecay: Double {
        weightDecay * Double(batchSize * accumulationSteps) / 64
    }

    /// The cosine factor of the initial learning rate at the start of `epoch` (0-based).
    public func cosineFactor(epoch: Int) -> Double {
        let progress = Double(epoch) / Double(max(epochs, 1))
        return ((1 - cos(progress * Double.pi)) / 2) * (finalLearningRateFactor - 1) + 1
    }
}

/// Learning rates and momentum for one iteration, including warm-up.
public struct ScheduleStep: Equatable, Sendable {
    /// Learning rate of each optimizer group (plain, decayed, bias).
    public var learningRates: [Double]
    /// Momentum.
    public var momentum: Double
}

extension TrainingOptions {
    /// The schedule at iteration `iteration` (over all epochs) of epoch `epoch`, with `batchesPerEpoch`.
    ///
    /// During warm-up (the first `warmupEpochs` x batches, at least 100 iterations) every group's rate
    /// rises linearly from 0, except the biases', which fall from `warmupBiasLearningRate`, towards the cosine
    /// rate; momentum rises from `warmupMomentum`.
    public func schedule(iteration: Int, epoch: Int, batchesPerEpoch: Int) -> ScheduleStep {
        let target = learningRate * cosineFactor(epoch: epoch)
        let warmupIterations = max(Int((warmupEpochs * Double(batchesPerEpoch)).rounded()), 100)
        guard warmupEpochs > 0, iteration < warmupIterations else {
            return ScheduleStep(learningRates: [target, target, target], momentum: momentum)
        }
        let t = Double(iteration) / Double(warmupIterations)
        let rising = t * target
        let bias = warmupBiasLearningRate + t * (target - warmupBiasLearningRate)
        return ScheduleStep(
            learningRates: [rising, rising, bias], momentum: warmupMomentum + t * (momentum - warmupMomentum))
    }
}
