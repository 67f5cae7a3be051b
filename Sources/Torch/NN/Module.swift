/// A learnable tensor owned by a module. A reference, so that a module and an optimizer see the same value.
public final class Parameter {
    /// The current value; a leaf that requires gradients while training.
    public var value: Tensor

    /// Wraps `value`.
    public init(_ value: Tensor) {
        self.value = value
    }
}

/// A non-learnable tensor that belongs to a module's state (running statistics, anchors, counters).
public final class Buffer {
    /// The current value.
    public var value: Tensor

    /// Wraps `value`.
    public init(_ value: Tensor) {
        self.value = value
    }
}

/// A node of a model: named parameters, named buffers and named child modules.
///
/// Names compose with dots, as PyTorch's `state_dict` does: a parameter `weight` of child `conv` of child
/// `0` of child `model` is `model.0.conv.weight`. `stateDict()` lists, for each module, its parameters, then
/// its buffers, then its children's entries, in registration order, which is PyTorch's order too.
///
/// - Important: A module is confined to one queue at a time; it is not `Sendable`.
open class Module {
    /// Whether the module runs in training mode (batch statistics, dropout); set with `setTraining(_:)`.
    public private(set) var isTraining = true
    private var parameters: [(name: String, parameter: Parameter)] = []
    private var buffers: [(name: String, buffer: Buffer)] = []
    private var children: [(name: String, module: Module)] = []

    /// Creates an empty module.
    public init() {}

    /// Adds a learnable tensor under `name` and returns its slot.
    @discardableResult
    public func registerParameter(_ name: String, _ value: Tensor) -> Parameter {
        registerParameter(name, Parameter(value))
    }

    /// Adds an existing parameter slot under `name` (for subclasses that keep typed references to their slots).
    @discardableResult
    public func registerParameter(_ name: String, _ parameter: Parameter) -> Parameter {
        parameters.append((name, parameter))
        return parameter
    }

    /// Adds a state tensor under `name` and returns its slot.
    @discardableResult
    public func registerBuffer(_ name: String, _ value: Tensor) -> Buffer {
        registerBuffer(name, Buffer(value))
    }

    /// Adds an existing buffer slot under `name`.
    @discardableResult
    public func registerBuffer(_ name: String, _ buffer: Buffer) -> Buffer {
        buffers.append((name, buffer))
        return buffer
    }

    /// Adds a child under `name` and returns it.
    @discardableResult
    public func registerModule<Child: Module>(_ name: String, _ child: Child) -> Child {
        children.append((name, child))
        return child
    }

    /// The direct children, in registration order.
    public var namedChildren: [(name: String, module: Module)] { children }

    /// Every parameter of this module and its descendants, with dotted names.
    public func namedParameters(prefix: String = "") -> [(name: String, parameter: Parameter)] {
        var result = parameters.map { (prefix + $0.name, $0.parameter) }
        for child in children {
            result += child.module.namedParameters(prefix: prefix + child.name + ".")
        }
        return result
    }

    /// Every buffer of this module and its descendants, with dotted names.
    public func namedBuffers(prefix: String = "") -> [(name: String, buffer: Buffer)] {
        var result = buffers.map { (prefix + $0.name, $0.buffer) }
        for child in children {
            result += child.module.namedBuffers(prefix: prefix + child.name + ".")
        }
        return result
    }

    /// Every parameter and buffer value under its dotted name, in PyTorch's `state_dict` order.
    public func stateDict(prefix: String = "") -> [(name: String, tensor: Tensor)] {
        var result = parameters.map { (prefix + $0.name, $0.parameter.value) }
        result += buffers.map { (prefix + $0.name, $0.buffer.value) }
        for child in children {
            result += child.module.stateDict(prefix: prefix + child.name + ".")
        }
        return result
    }

    /// Copies `tensors` into the parameters and buffers of the same names, converting the element type.
    ///
    /// Throws `TorchError.invalidArgument` naming the first key whose shape differs (with both shapes) and,
    /// when `isStrict`, the first missing or unexpected key. Nothing is copied unless every check passes.
    public func loadStateDict(_ tensors: [String: Tensor], isStrict: Bool = true) throws(TorchError) {
        let own = stateDict()
        for (name, tensor) in own {
            guard let incoming = tensors[name] else {
                if isStrict { throw TorchError.invalidArgument("missing key '\(name)' (expected \(tensor.shape))") }
                continue
            }
            guard incoming.shape == tensor.shape else {
                throw TorchError.invalidArgument(
                    "key '\(name)' has shape \(incoming.shape), the model expects \(tensor.shape)")
            }
        }
        if isStrict {
            let known = Set(own.map(\.name))
            if let unexpected = tensors.keys.sorted().first(where: { !known.contains($0) }) {
                throw TorchError.invalidArgument("unexpected key '\(unexpected)'")
            }
        }
        try withNoGrad { () throws(TorchError) in
            for (name, tensor) in own {
                if let incoming = tensors[name] { try tensor.copy(from: incoming) }
            }
        }
    }

    /// Switches this module and its descendants to training (`true`) or inference (`false`) mode.
    public func setTraining(_ isTraining: Bool) {
        self.isTraining = isTraining
        for child in children {
            child.module.setTraining(isTraining)
        }
    }

    /// The number of learnable elements.
    public var parameterCount: Int {
        namedParameters().reduce(0) { $0 + $1.parameter.value.elementCount }
    }
}
