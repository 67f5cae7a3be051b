import Torch

/// The children `0`, `1`, ... of upstream's `Model.model` (an `nn.Sequential` run as a graph).
final class LayerStack: Module {
    let layers: [any GraphLayer]
    let head: DetectHead

    init(layers: [any GraphLayer], head: DetectHead) {
        self.layers = layers
        self.head = head
        super.init()
        for (index, layer) in layers.enumerated() {
            registerModule(String(index), layer)
        }
        registerModule(String(layers.count), head)
    }
}

/// A YOLOv7-family detector in training form: every parameter and buffer under upstream's state_dict name
/// (`model.N....`), BatchNorm in training or inference mode (`setTraining`), autograd-ready.
///
/// `forward` returns the head's raw logits per level; `HeadDecoder` turns them into boxes. `InferenceModel`
/// is the fast folded copy for the real-time path.
/// - Important: Not thread-safe; one queue uses a model at a time.
public final class YOLOModel: Module {
    /// The layer graph.
    public let architecture: Architecture
    /// The number of classes.
    public let classCount: Int
    let stack: LayerStack

    /// Anchors per level as (width, height) in input pixels.
    public var anchors: [[(Float, Float)]] { stack.head.anchorsInPixels }

    /// A freshly initialised model (upstream's initialisation: uniform convs, unit BatchNorm, head priors).
    public init(architecture: Architecture, classCount: Int, anchors: [[(Float, Float)]]? = nil) throws(TorchError) {
        guard classCount > 0 else { throw TorchError.invalidArgument("a detector needs at least one class") }
        self.architecture = architecture
        self.classCount = classCount
        var channels: [Int] = []
        var layers: [any GraphLayer] = []
        var head: DetectHead?
        let activation = architecture.activation
        for spec in architecture.layers {
            let inputChannels = spec.inputs.map { $0 < 0 ? 3 : channels[$0] }
            switch spec.kind {
            case .conv(let out, let kernel, let stride):
                layers.append(
                    try ConvBlock(inputChannels[0], out, kernel: kernel, stride: stride, activation: activation))
                channels.append(out)
            case .sppcspc(let out):
                layers.append(try SPPCSPC(inputChannels[0], out, activation: activation))
                channels.append(out)
            case .repConv(let out):
                layers.append(try RepConv(inputChannels[0], out, activation: activation))
                channels.append(out)
            case .concat:
                layers.append(ParameterFreeLayer(spec.kind))
                channels.append(inputChannels.reduce(0, +))
            case .maxPool, .upsample:
                layers.append(ParameterFreeLayer(spec.kind))
                channels.append(inputChannels[0])
            case .detect:
                head = try DetectHead(
                    inputChannels: inputChannels, classCount: classCount,
                    anchors: anchors ?? architecture.defaultAnchors,
                    strides: architecture.strides)
                channels.append(0)
            }
        }
        guard let head else { throw TorchError.invalidArgument("architecture \(architecture.name) has no head") }
        stack = LayerStack(layers: layers, head: head)
        super.init()
        registerModule("model", stack)
    }

    /// Runs the network on an NCHW float image batch; returns per level [batch, anchors, ny, nx, 5 + classes].
    public func forward(_ image: Tensor) throws(TorchError) -> [Tensor] {
        let specs = architecture.layers
        var outputs: [Tensor?] = Array(repeating: nil, count: specs.count)
        let lastUse = Self.lastUses(of: specs)
        for (index, spec) in specs.enumerated().dropLast() {
            let inputs = spec.inputs.map { $0 < 0 ? image : outputs[$0]! }
            outputs[index] = try stack.layers[index].forward(inputs)
            for input in spec.inputs where input >= 0 && lastUse[input] == index {
                outputs[input] = nil
            }
        }
        let headInputs = specs[specs.count - 1].inputs.map { outputs[$0]! }
        return try stack.head.forward(headInputs)
    }

    /// For each layer, the index of the last layer that reads it, so its output can be released then.
    static func lastUses(of specs: [LayerSpec]) -> [Int] {
        var lastUse = Array(repeating: -1, count: specs.count)
        for (index, spec) in specs.enumerated() {
            for input in spec.inputs where input >= 0 {
                lastUse[input] = index
            }
        }
        return lastUse
    }
}
