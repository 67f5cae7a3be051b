import Foundation
import Torch

/// A layer of the YOLO graph in training form: reads the outputs of its input layers, returns one tensor.
protocol GraphLayer: Module {
    /// Computes the layer from its inputs (one tensor, or several for a concatenation).
    func forward(_ inputs: [Tensor]) throws(TorchError) -> Tensor
}

/// Upstream's default convolution initialisation: values uniform in ±1/sqrt(fan-in), recording gradients.
func kaimingUniform(_ shape: [Int], fanIn: Int) throws(TorchError) -> Tensor {
    let bound = 1 / Double(fanIn).squareRoot()
    return try (Tensor.rand(shape) * (2 * bound) - bound).requiringGrad()
}

/// `nn.Conv2d` with padding kernel/2: a weight of [out, in, k, k] and an optional bias.
final class Conv2d: Module {
    let weight: Parameter
    let bias: Parameter?
    let stride: Int
    let padding: Int

    init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, hasBias: Bool = false)
        throws(TorchError)
    {
        let fanIn = inChannels * kernel * kernel
        self.stride = stride
        padding = kernel / 2
        weight = Parameter(try kaimingUniform([outChannels, inChannels, kernel, kernel], fanIn: fanIn))
        bias = hasBias ? Parameter(try kaimingUniform([outChannels], fanIn: fanIn)) : nil
        super.init()
        registerParameter("weight", weight)
        if let bias { registerParameter("bias", bias) }
    }

    func callAsFunction(_ x: Tensor) throws(TorchError) -> Tensor {
        try conv2d(x, weight: weight.value, bias: bias?.value, stride: stride, padding: padding)
    }
}

/// `nn.BatchNorm2d` as upstream configures it (eps 1e-3, momentum 0.03), with PyTorch's names.
final class BatchNorm2d: Module {
    static let eps = 1e-3
    static let momentum = 0.03

    let weight: Parameter
    let bias: Parameter
    let runningMean: Buffer
    let runningVar: Buffer
    let batchesTracked: Buffer

    init(_ channels: Int) throws(TorchError) {
        weight = Parameter(try Tensor.ones([channels]).requiringGrad())
        bias = Parameter(try Tensor.zeros([channels]).requiringGrad())
        runningMean = Buffer(try Tensor.zeros([channels]))
        runningVar = Buffer(try Tensor.ones([channels]))
        batchesTracked = Buffer(try Tensor(scalar: Int(0)))
        super.init()
        registerParameter("weight", weight)
        registerParameter("bias", bias)
        registerBuffer("running_mean", runningMean)
        registerBuffer("running_var", runningVar)
        registerBuffer("num_batches_tracked", batchesTracked)
    }

    /// Normalises with batch statistics (updating the running ones) in training mode, running ones otherwise.
    func callAsFunction(_ x: Tensor) throws(TorchError) -> Tensor {
        if isTraining {
            try withNoGrad { () throws(TorchError) in try batchesTracked.value += 1 }
        }
        return try batchNorm(
            x, weight: weight.value, bias: bias.value, runningMean: runningMean.value, runningVar: runningVar.value,
            isTraining: isTraining, momentum: Self.momentum, eps: Self.eps)
    }

    /// The per-channel scale and shift that inference-mode normalisation applies: y = x * scale + shift.
    func foldedScaleAndShift() throws(TorchError) -> (scale: Tensor, shift: Tensor) {
        let scale = try weight.value / (runningVar.value + Self.eps).sqrt()
        let shift = try bias.value - runningMean.value * scale
        return (scale, shift)
    }
}

extension Activation {
    /// Applies the activation.
    func apply(_ x: Tensor) throws(TorchError) -> Tensor {
        switch self {
        case .leakyReLU: try x.leakyReLU(negativeSlope: 0.1)
        case .silu: try x.silu()
        }
    }
}

/// Upstream's `Conv`: Conv2d (no bias) -> BatchNorm2d -> activation, children `conv` and `bn`.
final class ConvBlock: Module, GraphLayer {
    let conv: Conv2d
    let bn: BatchNorm2d
    let activation: Activation

    init(_ inChannels: Int, _ outChannels: Int, kernel: Int, stride: Int = 1, activation: Activation)
        throws(TorchError)
    {
        conv = try Conv2d(inChannels, outChannels, kernel: kernel, stride: stride)
        bn = try BatchNorm2d(outChannels)
        self.activation = activation
        super.init()
        registerModule("conv", conv)
        registerModule("bn", bn)
    }

    func callAsFunction(_ x: Tensor) throws(TorchError) -> Tensor {
        try activation.apply(bn(conv(x)))
    }

    func forward(_ inputs: [Tensor]) throws(TorchError) -> Tensor {
        try self(inputs[0])
    }
}

/// yolov7's SPPCSPC: a pooled pyramid branch (cv1, cv3, cv4, pools, cv5, cv6) beside a 1x1 branch (cv2),
/// joined by cv7.
final class SPPCSPC: Module, GraphLayer {
    let blocks: [ConvBlock]

    init(_ inChannels: Int, _ outChannels: Int, activation: Activation) throws(TorchError) {
        let hidden = outChannels
        let shapes: [(Int, Int, Int)] = [
            (inChannels, hidden, 1), (inChannels, hidden, 1), (hidden, hidden, 3), (hidden, hidden, 1),
            (4 * hidden, hidden, 1), (hidden, hidden, 3), (2 * hidden, outChannels, 1),
        ]
        var blocks: [ConvBlock] = []
        for (input, output, kernel) in shapes {
            blocks.append(try ConvBlock(input, output, kernel: kernel, activation: activation))
        }
        self.blocks = blocks
        super.init()
        for (index, block) in blocks.enumerated() {
            registerModule("cv\(index + 1)", block)
        }
    }

    func forward(_ inputs: [Tensor]) throws(TorchError) -> Tensor {
        let x1 = try blocks[3](blocks[2](blocks[0](inputs[0])))
        var pyramid = [x1]
        for kernel in [5, 9, 13] {
            pyramid.append(try maxPool2d(x1, kernelSize: kernel, stride: 1, padding: kernel / 2))
        }
        let y1 = try blocks[5](blocks[4](Tensor.cat(pyramid, dim: 1)))
        let y2 = try blocks[1](inputs[0])
        return try blocks[6](Tensor.cat([y1, y2], dim: 1))
    }
}

/// A conv and its BatchNorm as children `0` and `1`, the layout of RepConv's training branches.
final class ConvBNPair: Module {
    let conv: Conv2d
    let bn: BatchNorm2d

    init(_ inChannels: Int, _ outChannels: Int, kernel: Int) throws(TorchError) {
        conv = try Conv2d(inChannels, outChannels, kernel: kernel)
        bn = try BatchNorm2d(outChannels)
        super.init()
        registerModule("0", conv)
        registerModule("1", bn)
    }

    func callAsFunction(_ x: Tensor) throws(TorchError) -> Tensor {
        try bn(conv(x))
    }
}

/// yolov7's RepConv in training form: act(3x3+BN + 1x1+BN); no identity branch (channels change).
final class RepConv: Module, GraphLayer {
    let dense: ConvBNPair
    let pointwise: ConvBNPair
    let activation: Activation

    init(_ inChannels: Int, _ outChannels: Int, activation: Activation) throws(TorchError) {
        dense = try ConvBNPair(inChannels, outChannels, kernel: 3)
        pointwise = try ConvBNPair(inChannels, outChannels, kernel: 1)
        self.activation = activation
        super.init()
        registerModule("rbr_dense", dense)
        registerModule("rbr_1x1", pointwise)
    }

    func forward(_ inputs: [Tensor]) throws(TorchError) -> Tensor {
        try activation.apply(dense(inputs[0]) + pointwise(inputs[0]))
    }
}

/// A layer without parameters: concatenation, pooling or upsampling.
final class ParameterFreeLayer: Module, GraphLayer {
    let kind: LayerKind

    init(_ kind: LayerKind) {
        self.kind = kind
        super.init()
    }

    func forward(_ inputs: [Tensor]) throws(TorchError) -> Tensor {
        switch kind {
        case .concat:
            return try Tensor.cat(inputs, dim: 1)
        case .maxPool(let kernel, let stride):
            return try maxPool2d(inputs[0], kernelSize: kernel, stride: stride, padding: stride == 1 ? kernel / 2 : 0)
        case .upsample:
            return try upsampleNearest(inputs[0], scale: 2)
        default:
            throw TorchError.invalidArgument("layer \(kind) has parameters")
        }
    }
}
