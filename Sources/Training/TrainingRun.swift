import Detector
import Foundation
import Torch

/// What a run reports as it goes, for a progress bar or log lines.
public enum TrainingEvent {
    /// A batch finished: epoch (0-based), batch index, batches per epoch, running mean losses.
    case batch(epoch: Int, index: Int, of: Int, losses: EpochLosses)
    /// An epoch finished and was recorded (and evaluated when `record.metrics` is set).
    case epoch(EpochRecord, isBest: Bool)
}

/// A training run in its folder: trains epoch by epoch, evaluates the EMA, and after every epoch writes
/// `checkpoint.safetensors` (to resume), `last.safetensors` and `best.safetensors` (EMA weights as model
/// files), `results.csv` and the plots, each atomically.
public final class TrainingRun {
    /// The run folder.
    public let directory: String
    /// The description saved with the model files.
    public let info: ModelInfo
    /// The trainer.
    public let trainer: Trainer
    /// Counters and settings, as saved in the checkpoint.
    public private(set) var state: TrainingCheckpoint.State
    /// The per-epoch log.
    public private(set) var log: ResultsLog

    /// Paths of the run's files.
    public var checkpointPath: String { directory + "/checkpoint.safetensors" }
    /// The EMA weights after the latest epoch.
    public var lastModelPath: String { directory + "/last.safetensors" }
    /// The EMA weights of the best-evaluated epoch.
    public var bestModelPath: String { directory + "/best.safetensors" }

    /// Prepares a run in `directory` (created if needed); `state.epochsDone` > 0 resumes.
    public init(directory: String, trainer: Trainer, info: ModelInfo, state: TrainingCheckpoint.State)
        throws(TorchError)
    {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw TorchError.invalidArgument("cannot create the run folder \(directory): \(error.localizedDescription)")
        }
        self.directory = directory
        self.trainer = trainer
        self.info = info
        self.state = state
        log = try ResultsLog(path: directory + "/results.csv", resuming: state.epochsDone > 0)
    }

    /// Trains the remaining epochs.
    ///
    /// - Parameters:
    ///   - source: the training batches.
    ///   - evaluate: evaluates a model on the validation split (called with the EMA in inference mode).
    ///   - plot: writes the plots from the records so far (called after each epoch).
    ///   - observe: receives progress.
    public func run(
        source: BatchSource, evaluate: (YOLOModel) throws -> EpochMetrics, plot: ([EpochRecord]) throws -> Void,
        observe: (TrainingEvent) -> Void
    ) throws {
        let options = state.options
        guard let average = trainer.ema.model as? YOLOModel else {
            throw TorchError.invalidArgument("the EMA of a detector must be a detector")
        }
        let clock = ContinuousClock()
        for epoch in state.epochsDone..<options.epochs {
            let start = clock.now
            let losses = try trainer.trainEpoch(epoch, source: source) { index, count, running in
                observe(.batch(epoch: epoch, index: index, of: count, losses: running))
            }
            let seconds = (clock.now - start).seconds

            let isLast = epoch + 1 == options.epochs
            var metrics: EpochMetrics?
            if isLast || (epoch + 1) % max(options.evaluationInterval, 1) == 0 {
                average.setTraining(false)
                metrics = try evaluate(average)
            }
            let learningRate = trainer.optimizer.groups[1].learningRate
            let record = EpochRecord(
                epoch: epoch + 1, learningRate: learningRate, losses: losses, metrics: metrics, seconds: seconds,
                imagesPerSecond: Double(source.imagesPerEpoch) / max(seconds, 1e-9))

            var isBest = false
            if let metrics, metrics.fitness > state.bestFitness {
                isBest = true
                state.bestFitness = metrics.fitness
                state.bestEpoch = epoch + 1
            }
            state.epochsDone = epoch + 1
            state.emaUpdates = trainer.ema.updates
            try save(isBest: isBest)
            try log.append(record)
            try plot(log.records)
            observe(.epoch(record, isBest: isBest))
        }
    }

    /// Writes the model files and then the checkpoint, so a checkpoint never refers to a missing best model.
    private func save(isBest: Bool) throws(TorchError) {
        guard let average = trainer.ema.model as? YOLOModel else { return }
        try ModelFile.write(average, info: info, to: lastModelPath)
        if isBest || !FileManager.default.fileExists(atPath: bestModelPath) {
            try ModelFile.write(average, info: info, to: bestModelPath)
        }
        try TrainingCheckpoint.write(trainer, info: info, state: state, to: checkpointPath)
    }
}

extension Duration {
    /// The duration in seconds.
    var seconds: Double {
        Double(components.seconds) + Double(components.attoseconds) * 1e-18
    }
}
