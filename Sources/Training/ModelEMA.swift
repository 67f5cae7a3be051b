import Foundation
import Torch

/// An exponential moving average of a model's state (parameters and BatchNorm statistics), as upstream
/// keeps it: decay = 0.9999 (1 - exp(-updates / 2000)), so early updates follow the model closely.
///
/// - Important: Not thread-safe; the training queue owns it.
public final class ModelEMA {
    /// The averaged copy, evaluated and saved instead of the raw model.
    public let model: Module
    /// The number of updates so far.
    public private(set) var updates: Int
    /// The asymptotic decay.
    public let decay: Double
    /// The number of updates over which the decay ramps up.
    public let rampUpdates: Double

    /// Wraps `copy`, a separate model of the same shape whose values are overwritten from `source` now.
    public init(copy: Module, of source: Module, updates: Int = 0, decay: Double = 0.9999, rampUpdates: Double = 2000)
        throws(TorchError)
    {
        model = copy
        self.updates = updates
        self.decay = decay
        self.rampUpdates = rampUpdates
        try copy.loadStateDict(Dictionary(uniqueKeysWithValues: source.stateDict().map { ($0.name, $0.tensor) }))
        copy.setTraining(false)
    }

    /// The decay the next update uses.
    public var currentDecay: Double { decay * (1 - exp(-Double(updates + 1) / rampUpdates)) }

    /// Moves the average towards `source`'s current state.
    public func update(from source: Module) throws(TorchError) {
        let d = currentDecay
        updates += 1
        let current = Dictionary(uniqueKeysWithValues: source.stateDict().map { ($0.name, $0.tensor) })
        try withNoGrad { () throws(TorchError) in
            for (name, average) in model.stateDict() {
                guard let value = current[name] else { continue }
                if average.dtype.isFloatingPoint {
                    try average.copy(from: average * d + value.detach() * (1 - d))
                } else {
                    try average.copy(from: value)
                }
            }
        }
    }

    /// Restores the update count of a resumed run.
    public func restore(updates: Int) {
        self.updates = updates
    }
}
