import Torch

/// The real-time form of a YOLOv7-family model: BatchNorm folded into the convolutions, RepConv branches
/// merged into one 3x3 convolution, IDetect's implicit layers folded into the head, no autograd, tensors
/// kept channels-last for oneDNN.
///
/// - Important: Immutable after `init`: its weights are never written, and libtorch reads a tensor from
///   several threads safely. That invariant is what makes the `@unchecked Sendable` sound, and lets the online
///   distiller publish a new model to the inference queue by swapping a reference.
public final class InferenceModel: @unchecked Sendable {
    /// One step of the folded graph.
    enum Step {
        /// Convolution with bias, then the activation (nil for none).
        case conv(weight: Tensor, bias: Tensor, stride: Int, padding: Int, activation: Activation?)
        case concat
        case maxPool(kernel: Int, stride: Int)
        case upsample
        /// yolov7's SPPCSPC with its seven convolutions folded (cv1 ... cv7 in order).
        case sppcspc([Step])
        /// The head's per-level 1x1 convolutions (weights and biases folded).
        case head(weights: [Tensor], biases: [Tensor])
    }

    /// What the model is.
    public let info: ModelInfo
    let steps: [Step]
    let inputs: [[Int]]
    let lastUse: [Int]
    /// Whether activations run in channels-last memory (NHWC), which oneDNN prefers.
    public let isChannelsLast: Bool

    /// Anchors per level as (width, height) in input pixels.
    public var anchors: [[(Float, Float)]] { info.anchorPairs }
    /// The downsampling of each detection level.
    public var strides: [Int] { info.architecture.strides }
    /// The number of classes.
    public var classCount: Int { info.classCount }

    /// Folds `model`'s current weights (BatchNorm running statistics included) into a new inference model.
    public init(folding model: YOLOModel, info: ModelInfo, isChannelsLast: Bool = true) throws(TorchError) {
        self.info = info
        self.isChannelsLast = isChannelsLast
        let specs = model.architecture.layers
        var steps: [Step] = []
        var inputs: [[Int]] = []
        try withNoGrad { () throws(TorchError) in
            for (index, spec) in specs.enumerated() {
                inputs.append(spec.inputs)
                if index == specs.count - 1 {
                    steps.append(try Self.foldHead(model.stack.head, isChannelsLast: isChannelsLast))
                    continue
                }
                let layer = model.stack.layers[index]
                switch spec.kind {
                case .conv:
                    guard let block = layer as? ConvBlock else { throw TorchError.invalidArgument("layer \(index)") }
                    steps.append(try Self.fold(block, isChannelsLast: isChannelsLast))
                case .repConv:
                    guard let block = layer as? RepConv else { throw TorchError.invalidArgument("layer \(index)") }
                    steps.append(try Self.fold(block, isChannelsLast: isChannelsLast))
                case .sppcspc:
                    guard let block = layer as? SPPCSPC else { throw TorchError.invalidArgument("layer \(index)") }
                    steps.append(
                        .sppcspc(
                            try block.blocks.map { (conv) throws(TorchError) in
                                try Self.fold(conv, isChannelsLast: isChannelsLast)
                            }))
                case .concat: steps.append(.concat)
                case .maxPool(let kernel, let stride): steps.append(.maxPool(kernel: kernel, stride: stride))
                case .upsample: steps.append(.upsample)
                case .detect: throw TorchError.invalidArgument("a head before the last layer")
                }
            }
        }
        self.steps = steps
        self.inputs = inputs
        self.lastUse = YOLOModel.lastUses(of: specs)
    }

    /// Runs the folded network on an NCHW float batch; returns the head's raw logits per level, each
    /// [batch, anchors, ny, nx, 5 + classes] (the same values as `YOLOModel.forward` in inference mode).
    public func forward(_ image: Tensor) throws(TorchError) -> [Tensor] {
        try withNoGrad { () throws(TorchError) in
            let input = isChannelsLast ? try image.channelsLast() : image
            var outputs: [Tensor?] = Array(repeating: nil, count: steps.count)
            var result: [Tensor] = []
            for (index, step) in steps.enumerated() {
                let arguments = inputs[index].map { $0 < 0 ? input : outputs[$0]! }
                switch step {
                case .head(let weights, let biases):
                    result = try zip(arguments, zip(weights, biases)).map { (x, parameters) throws(TorchError) in
                        try headLayout(conv2d(x, weight: parameters.0, bias: parameters.1))
                    }
                default:
                    outputs[index] = try Self.run(step, arguments)
                }
                for input in inputs[index] where input >= 0 && lastUse[input] == index {
                    outputs[input] = nil
                }
            }
            return result
        }
    }

    /// Times every step of `iterations` forward passes; returns total milliseconds per kind of step
    /// (for example `conv3x3 s1`, `conv1x1`, `maxpool k2`, `concat`), largest first.
    public func profile(_ image: Tensor, iterations: Int) throws(TorchError) -> [(label: String, milliseconds: Double)]
    {
        var totals: [String: Double] = [:]
        let clock = ContinuousClock()
        try withNoGrad { () throws(TorchError) in
            for _ in 0..<iterations {
                let input = isChannelsLast ? try image.channelsLast() : image
                var outputs: [Tensor?] = Array(repeating: nil, count: steps.count)
                for (index, step) in steps.enumerated() {
                    let arguments = inputs[index].map { $0 < 0 ? input : outputs[$0]! }
                    let start = clock.now
                    if case .head(let weights, let biases) = step {
                        for (x, parameters) in zip(arguments, zip(weights, biases)) {
                            _ = try headLayout(conv2d(x, weight: parameters.0, bias: parameters.1))
                        }
                    } else {
                        outputs[index] = try Self.run(step, arguments)
                    }
                    let elapsed = start.duration(to: clock.now)
                    let milliseconds =
                        Double(elapsed.components.attoseconds) / 1e15
                        + Double(elapsed.components.seconds) * 1e3
                    totals[Self.label(step), default: 0] += milliseconds / Double(iterations)
                }
            }
        }
        return totals.sorted { $0.value > $1.value }.map { ($0.key, $0.value) }
    }

    private static func label(_ step: Step) -> String {
        switch step {
        case .conv(let weight, _, let stride, _, _): "conv\(weight.shape[2])x\(weight.shape[3]) s\(stride)"
        case .concat: "concat"
        case .maxPool(let kernel, let stride): "maxpool k\(kernel) s\(stride)"
        case .upsample: "upsample"
        case .sppcspc: "sppcspc"
        case .head: "head"
        }
    }

    /// Runs one step other than the head.
    private static func run(_ step: Step, _ arguments: [Tensor]) throws(TorchError) -> Tensor {
        switch step {
        case .conv(let weight, let bias, let stride, let padding, let activation):
            let y = try conv2d(arguments[0], weight: weight, bias: bias, stride: stride, padding: padding)
            switch activation {
            case .leakyReLU: try y.leakyReLU_(negativeSlope: 0.1)
            case .silu: try y.silu_()
            case nil: break
            }
            return y
        case .concat:
            return try Tensor.cat(arguments, dim: 1)
        case .maxPool(let kernel, let stride):
            let padding = stride == 1 ? kernel / 2 : 0
            return try maxPool2d(arguments[0], kernelSize: kernel, stride: stride, padding: padding)
        case .upsample:
            return try upsampleNearest(arguments[0], scale: 2)
        case .sppcspc(let convs):
            let x1 = try run(convs[3], [run(convs[2], [run(convs[0], arguments)])])
            var pyramid = [x1]
            for kernel in [5, 9, 13] {
                pyramid.append(try maxPool2d(x1, kernelSize: kernel, stride: 1, padding: kernel / 2))
            }
            let y1 = try run(convs[5], [run(convs[4], [Tensor.cat(pyramid, dim: 1)])])
            let y2 = try run(convs[1], arguments)
            return try run(convs[6], [Tensor.cat([y1, y2], dim: 1)])
        case .head:
            throw TorchError.invalidArgument("the head is not a single-output step")
        }
    }

    /// [batch, anchors * outputs, ny, nx] -> [batch, anchors, ny, nx, outputs], contiguous.
    private func headLayout(_ logits: Tensor) throws(TorchError) -> Tensor {
        let shape = logits.shape
        let anchorCount = anchors[0].count
        return try logits.view([shape[0], anchorCount, shape[1] / anchorCount, shape[2], shape[3]])
            .permute([0, 1, 3, 4, 2]).contiguous()
    }
}

extension InferenceModel {
    /// conv(x) -> BN: W' = W * s, b' = shift, with s = gamma / sqrt(var + eps), shift = beta - mean * s.
    static func fold(_ block: ConvBlock, isChannelsLast: Bool) throws(TorchError) -> Step {
        let (weight, bias) = try foldPair(block.conv, block.bn)
        return .conv(
            weight: try layout(weight, isChannelsLast), bias: bias, stride: block.conv.stride,
            padding: block.conv.padding, activation: block.activation)
    }

    /// RepConv: both branches folded, the 1x1 kernel padded to 3x3 at the centre and added.
    static func fold(_ block: RepConv, isChannelsLast: Bool) throws(TorchError) -> Step {
        let (dense, denseBias) = try foldPair(block.dense.conv, block.dense.bn)
        let (pointwise, pointwiseBias) = try foldPair(block.pointwise.conv, block.pointwise.bn)
        let shape = pointwise.shape
        let padded = try Tensor.zeros([shape[0], shape[1], 3, 3])
        try padded.narrow(dim: 2, start: 1, length: 1).narrow(dim: 3, start: 1, length: 1).copy(from: pointwise)
        return .conv(
            weight: try layout(dense + padded, isChannelsLast), bias: try denseBias + pointwiseBias,
            stride: block.dense.conv.stride, padding: 1, activation: block.activation)
    }

    /// IDetect per level: im * (W (x + ia) + b) = (im W) x + im (b + W ia).
    static func foldHead(_ head: DetectHead, isChannelsLast: Bool) throws(TorchError) -> Step {
        var weights: [Tensor] = []
        var biases: [Tensor] = []
        for level in head.convs.elements.indices {
            let conv = head.convs.elements[level]
            let weight = conv.weight.value
            let shape = weight.shape
            let shift = try head.additive.elements[level].implicit.value.reshape([shape[1], 1])
            let scale = try head.multiplicative.elements[level].implicit.value.reshape([shape[0]])
            let matrix = try weight.reshape([shape[0], shape[1]])
            var bias = try matrix.matmul(shift).reshape([shape[0]])
            if let convBias = conv.bias {
                bias = try bias + convBias.value
            }
            weights.append(try layout(weight * scale.reshape([shape[0], 1, 1, 1]), isChannelsLast))
            biases.append(try bias * scale)
        }
        return .head(weights: weights, biases: biases)
    }

    private static func foldPair(_ conv: Conv2d, _ bn: BatchNorm2d) throws(TorchError) -> (Tensor, Tensor) {
        let (scale, shift) = try bn.foldedScaleAndShift()
        let weight = try conv.weight.value * scale.reshape([-1, 1, 1, 1])
        var bias = shift
        if let convBias = conv.bias {
            bias = try convBias.value * scale + shift
        }
        return (try weight.detach(), try bias.detach().contiguous())
    }

    private static func layout(_ weight: Tensor, _ isChannelsLast: Bool) throws(TorchError) -> Tensor {
        isChannelsLast ? try weight.detach().channelsLast() : try weight.detach().contiguous()
    }
}
