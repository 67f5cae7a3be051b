import Torch

/// SGD with momentum (Nesterov optional) over parameter groups, written over tensor operations so its
/// momentum buffers can be saved in a checkpoint and restored.
///
/// Follows PyTorch's `torch.optim.SGD` (dampening 0): d = g + decay p; buf = m buf + d (buf = d on the first
/// step); d = d + m buf with Nesterov, else d = buf; p -= lr d.
/// - Important: Not thread-safe; the training queue owns it.
public final class NesterovSGD {
    /// One group of parameters with its own learning rate and weight decay.
    public struct Group {
        /// The group's name in checkpoints and logs.
        public var name: String
        /// The parameters with their state_dict names.
        public var parameters: [(name: String, tensor: Tensor)]
        /// The learning rate.
        public var learningRate: Double
        /// The L2 weight decay.
        public var weightDecay: Double
    }

    /// The groups, in order.
    public var groups: [Group]
    /// The momentum factor shared by every group.
    public var momentum: Double
    /// Whether the update looks ahead along the momentum (Nesterov).
    public let isNesterov: Bool
    /// Momentum buffers by parameter name; absent until a parameter's first step.
    public private(set) var buffers: [String: Tensor] = [:]

    /// Creates the optimizer.
    public init(groups: [Group], momentum: Double, isNesterov: Bool = true) {
        self.groups = groups
        self.momentum = momentum
        self.isNesterov = isNesterov
    }

    /// Applies one update from the parameters' accumulated gradients; parameters without a gradient are left.
    public func step() throws(TorchError) {
        try withNoGrad { () throws(TorchError) in
            for group in groups {
                for (name, parameter) in group.parameters {
                    guard let gradient = try parameter.grad() else { continue }
                    var direction = gradient
                    if group.weightDecay != 0 {
                        direction = try direction + parameter * group.weightDecay
                    }
                    if momentum != 0 {
                        let buffer: Tensor
                        if let existing = buffers[name] {
                            try existing.copy(from: existing * momentum + direction)
                            buffer = existing
                        } else {
                            buffer = try direction.clone()
                            buffers[name] = buffer
                        }
                        direction = isNesterov ? try direction + buffer * momentum : buffer
                    }
                    try parameter.addScaled(direction, alpha: -group.learningRate)
                }
            }
        }
    }

    /// Drops every parameter's gradient.
    public func zeroGrad() throws(TorchError) {
        for group in groups {
            for (_, parameter) in group.parameters {
                try parameter.zeroGrad()
            }
        }
    }

    /// Restores momentum buffers saved from `buffers` (names must match parameters of this optimizer).
    public func restoreBuffers(_ saved: [String: Tensor]) throws(TorchError) {
        let known = Dictionary(
            groups.flatMap(\.parameters).map { ($0.name, $0.tensor) }, uniquingKeysWith: { first, _ in first })
        for (name, value) in saved {
            guard let parameter = known[name] else {
                throw TorchError.invalidArgument("momentum buffer '\(name)' names no parameter of the model")
            }
            guard parameter.shape == value.shape else {
                throw TorchError.invalidArgument(
                    "momentum buffer '\(name)' has shape \(value.shape), the parameter \(parameter.shape)")
            }
            buffers[name] = try value.clone()
        }
    }
}

extension NesterovSGD {
    /// Upstream's three groups for a detector: weights of convolutions (decayed), other weights such as
    /// BatchNorm scales and the implicit layers (not decayed), and biases (not decayed).
    public static func upstreamGroups(
        _ parameters: [(name: String, tensor: Tensor)], learningRate: Double, weightDecay: Double
    ) -> [Group] {
        var decayed: [(name: String, tensor: Tensor)] = []
        var plain: [(name: String, tensor: Tensor)] = []
        var biases: [(name: String, tensor: Tensor)] = []
        for entry in parameters {
            if entry.name.hasSuffix(".bias") {
                biases.append(entry)
            } else if entry.name.hasSuffix(".weight") && entry.tensor.rank == 4 {
                decayed.append(entry)
            } else {
                plain.append(entry)
            }
        }
        return [
            Group(name: "plain", parameters: plain, learningRate: learningRate, weightDecay: 0),
            Group(name: "decayed", parameters: decayed, learningRate: learningRate, weightDecay: weightDecay),
            Group(name: "bias", parameters: biases, learningRate: learningRate, weightDecay: 0),
        ]
    }
}
