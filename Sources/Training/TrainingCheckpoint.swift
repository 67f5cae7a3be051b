import Detector
import Foundation
import Torch

/// Everything a run needs to resume: the model, its EMA, the optimizer's momentum and the counters.
///
/// Stored as one safetensors file: tensors under `model/`, `ema/` and `momentum/`, the model's
/// ``ModelInfo`` metadata, and the counters and options as JSON under `checkpoint`. Written atomically.
public struct TrainingCheckpoint {
    /// The counters and settings of a run, recorded as JSON.
    public struct State: Codable, Equatable, Sendable {
        /// Epochs finished.
        public var epochsDone: Int
        /// EMA updates done.
        public var emaUpdates: Int
        /// Best fitness so far (0.1 mAP@0.5 + 0.9 mAP@0.5:0.95), or -1 before any evaluation.
        public var bestFitness: Double
        /// The epoch (1-based) of the best fitness, 0 before any evaluation.
        public var bestEpoch: Int
        /// The hyper-parameters.
        public var options: TrainingOptions
        /// The command's own settings (data, split, teachers...) to restore on resume.
        public var command: [String: String]

        /// Creates a state.
        public init(
            epochsDone: Int, emaUpdates: Int, bestFitness: Double, bestEpoch: Int, options: TrainingOptions,
            command: [String: String]
        ) {
            self.epochsDone = epochsDone
            self.emaUpdates = emaUpdates
            self.bestFitness = bestFitness
            self.bestEpoch = bestEpoch
            self.options = options
            self.command = command
        }
    }

    /// The metadata key of the JSON state.
    static let stateKey = "checkpoint"

    /// Writes the trainer's state to `path` atomically.
    public static func write(_ trainer: Trainer, info: ModelInfo, state: State, to path: String) throws(TorchError) {
        var stored: [StoredTensor] = []
        for (prefix, module) in [("model/", trainer.model as Module), ("ema/", trainer.ema.model)] {
            for (name, tensor) in module.stateDict() {
                stored.append(try tensor.detach().contiguous().stored(name: prefix + name))
            }
        }
        for (name, buffer) in trainer.optimizer.buffers.sorted(by: { $0.key < $1.key }) {
            stored.append(try buffer.contiguous().stored(name: "momentum/" + name))
        }
        var metadata = info.metadata
        metadata[stateKey] = try json(state)
        try SafetensorsFile.write(stored, metadata: metadata, to: path)
    }

    /// Reads the state recorded in the checkpoint at `path` without touching any model.
    public static func readState(path: String) throws(TorchError) -> (state: State, file: SafetensorsFile) {
        let file = try SafetensorsFile(path: path)
        guard let text = file.metadata[stateKey],
            let state = try? JSONDecoder().decode(State.self, from: Data(text.utf8))
        else {
            throw TorchError.invalidArgument("\(path) is not a detectd training checkpoint (no readable '\(stateKey)')")
        }
        return (state, file)
    }

    /// Loads the model, EMA and momentum of `file` into `trainer`.
    public static func restore(_ trainer: Trainer, from file: SafetensorsFile) throws(TorchError) {
        var groups: [String: [String: Tensor]] = [:]
        for stored in file.tensors {
            guard let slash = stored.name.firstIndex(of: "/") else { continue }
            let prefix = String(stored.name[..<slash])
            let name = String(stored.name[stored.name.index(after: slash)...])
            groups[prefix, default: [:]][name] = try Tensor(stored)
        }
        try trainer.model.loadStateDict(groups["model"] ?? [:])
        try trainer.ema.model.loadStateDict(groups["ema"] ?? [:])
        try trainer.optimizer.restoreBuffers(groups["momentum"] ?? [:])
    }

    private static func json(_ state: State) throws(TorchError) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        guard let data = try? encoder.encode(state) else {
            throw TorchError.invalidArgument("the checkpoint state cannot be encoded")
        }
        return String(decoding: data, as: UTF8.self)
    }
}
