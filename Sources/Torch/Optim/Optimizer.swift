import CTorch

/// Options of one SGD parameter group, with PyTorch's meanings.
public struct SGDOptions: Sendable, Equatable {
    /// Learning rate.
    public var learningRate: Double
    /// Momentum factor; 0 turns momentum off.
    public var momentum: Double
    /// Dampening of the momentum buffer.
    public var dampening: Double
    /// L2 penalty added to the gradient.
    public var weightDecay: Double
    /// Whether to use Nesterov momentum (needs momentum > 0 and dampening 0).
    public var isNesterov: Bool

    /// Creates SGD options.
    public init(
        learningRate: Double,
        momentum: Double = 0,
        dampening: Double = 0,
        weightDecay: Double = 0,
        isNesterov: Bool = false
    ) {
        self.learningRate = learningRate
        self.momentum = momentum
        self.dampening = dampening
        self.weightDecay = weightDecay
        self.isNesterov = isNesterov
    }
}

/// Options of one AdamW parameter group, with PyTorch's meanings.
public struct AdamWOptions: Sendable, Equatable {
    /// Learning rate.
    public var learningRate: Double
    /// Decay of the first-moment estimate.
    public var beta1: Double
    /// Decay of the second-moment estimate.
    public var beta2: Double
    /// Added to the denominator for stability.
    public var eps: Double
    /// Decoupled weight decay.
    public var weightDecay: Double
    /// Whether to use the AMSGrad variant.
    public var isAMSGrad: Bool

    /// Creates AdamW options with PyTorch's defaults.
    public init(
        learningRate: Double = 1e-3,
        beta1: Double = 0.9,
        beta2: Double = 0.999,
        eps: Double = 1e-8,
        weightDecay: Double = 1e-2,
        isAMSGrad: Bool = false
    ) {
        self.learningRate = learningRate
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps
        self.weightDecay = weightDecay
        self.isAMSGrad = isAMSGrad
    }
}

/// Tensors updated together with one set of options.
public struct ParameterGroup<Options: Sendable>: Sendable {
    /// The tensors, each a leaf that requires gradients.
    public var parameters: [Tensor]
    /// The options for these tensors.
    public var options: Options

    /// Creates a group.
    public init(_ parameters: [Tensor], options: Options) {
        self.parameters = parameters
        self.options = options
    }
}

/// A libtorch optimizer (SGD or AdamW) over groups of parameters. Owns its CTorch handle.
///
/// - Important: Not thread-safe: one queue steps it, and nobody else writes its parameters meanwhile.
public final class Optimizer {
    private let handle: ct_optimizer
    /// Keeps the parameters alive as long as the optimizer refers to them.
    private let parameters: [Tensor]

    private init(handle: ct_optimizer, parameters: [Tensor]) {
        self.handle = handle
        self.parameters = parameters
    }

    deinit {
        ct_optimizer_free(handle)
    }

    /// SGD over `groups` (`ct_optimizer_sgd`, `ct_optimizer_add_sgd_group`). Needs at least one group.
    public static func sgd(_ groups: [ParameterGroup<SGDOptions>]) throws(TorchError) -> Optimizer {
        try make(
            groups,
            create: { ct_optimizer_sgd($0, $1, $2.backendOptions, $3) },
            add: { ct_optimizer_add_sgd_group($0, $1, $2, $3.backendOptions) })
    }

    /// AdamW over `groups` (`ct_optimizer_adamw`, `ct_optimizer_add_adamw_group`). Needs at least one group.
    public static func adamW(_ groups: [ParameterGroup<AdamWOptions>]) throws(TorchError) -> Optimizer {
        try make(
            groups,
            create: { ct_optimizer_adamw($0, $1, $2.backendOptions, $3) },
            add: { ct_optimizer_add_adamw_group($0, $1, $2, $3.backendOptions) })
    }

    /// The number of parameter groups (`ct_optimizer_group_count`).
    public var groupCount: Int {
        var count: Int64 = 0
        return ct_optimizer_group_count(handle, &count) == 0 ? Int(count) : 0
    }

    /// The learning rate of group `group` (`ct_optimizer_get_lr`).
    public func learningRate(group: Int) throws(TorchError) -> Double {
        var value = 0.0
        try check(ct_optimizer_get_lr(handle, Int64(group), &value))
        return value
    }

    /// Sets the learning rate of group `group` (`ct_optimizer_set_lr`).
    public func setLearningRate(_ value: Double, group: Int) throws(TorchError) {
        try check(ct_optimizer_set_lr(handle, Int64(group), value))
    }

    /// Sets SGD momentum, or AdamW's beta1, of group `group` (`ct_optimizer_set_momentum`).
    public func setMomentum(_ value: Double, group: Int) throws(TorchError) {
        try check(ct_optimizer_set_momentum(handle, Int64(group), value))
    }

    /// Updates every parameter from its gradient (`ct_optimizer_step`).
    public func step() throws(TorchError) {
        try check(ct_optimizer_step(handle))
    }

    /// Drops every parameter's gradient (`ct_optimizer_zero_grad`).
    public func zeroGrad() throws(TorchError) {
        try check(ct_optimizer_zero_grad(handle))
    }

    private static func make<Options>(
        _ groups: [ParameterGroup<Options>],
        create: (UnsafePointer<ct_tensor?>, Int64, Options, UnsafeMutablePointer<ct_optimizer?>) -> Int32,
        add: (ct_optimizer, UnsafePointer<ct_tensor?>, Int64, Options) -> Int32
    ) throws(TorchError) -> Optimizer {
        guard let first = groups.first else {
            throw TorchError.invalidArgument("an optimizer needs at least one parameter group")
        }
        var created: ct_optimizer?
        try withHandles(first.parameters) { handles, count throws(TorchError) in
            try check(create(handles, count, first.options, &created), "ct_optimizer_new")
        }
        guard let created else {
            throw TorchError.backend(function: "ct_optimizer_new", message: "backend returned no optimizer")
        }
        let optimizer = Optimizer(handle: created, parameters: groups.flatMap(\.parameters))
        for group in groups.dropFirst() {
            try withHandles(group.parameters) { handles, count throws(TorchError) in
                try check(add(created, handles, count, group.options), "ct_optimizer_add_group")
            }
        }
        return optimizer
    }
}

extension SGDOptions {
    var backendOptions: ct_sgd_options {
        ct_sgd_options(
            lr: learningRate, momentum: momentum, dampening: dampening, weight_decay: weightDecay,
            nesterov: isNesterov)
    }
}

extension AdamWOptions {
    var backendOptions: ct_adamw_options {
        ct_adamw_options(
            lr: learningRate, beta1: beta1, beta2: beta2, eps: eps, weight_decay: weightDecay, amsgrad: isAMSGrad)
    }
}
