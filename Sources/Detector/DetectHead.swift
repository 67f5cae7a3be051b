import Foundation
import Torch

/// yolov7's ImplicitA/ImplicitM: one learnable [1, C, 1, 1] tensor named `implicit`.
final class Implicit: Module {
    let implicit: Parameter

    init(channels: Int, mean: Double) throws(TorchError) {
        implicit = Parameter(try (Tensor.randn([1, channels, 1, 1]) * 0.02 + mean).requiringGrad())
        super.init()
        registerParameter("implicit", implicit)
    }
}

/// A list of children named `0`, `1`, ..., as `nn.ModuleList`.
final class ModuleList<Element: Module>: Module {
    let elements: [Element]

    init(_ elements: [Element]) {
        self.elements = elements
        super.init()
        for (index, element) in elements.enumerated() {
            registerModule(String(index), element)
        }
    }
}

/// yolov7's IDetect: per level `im * conv1x1(x + ia)`, laid out as [batch, anchor, y, x, 5 + classes].
///
/// Buffers `anchors` ([levels, 3, 2], in strides) and `anchor_grid` ([levels, 1, 3, 1, 1, 2], in pixels), as
/// upstream stores them.
final class DetectHead: Module {
    /// Anchors per level as (width, height) in input pixels.
    let anchorsInPixels: [[(Float, Float)]]
    let strides: [Int]
    let classCount: Int
    let convs: ModuleList<Conv2d>
    let additive: ModuleList<Implicit>
    let multiplicative: ModuleList<Implicit>
    let anchors: Buffer
    let anchorGrid: Buffer

    /// Outputs per anchor: box (4), objectness (1), classes.
    var outputsPerAnchor: Int { 5 + classCount }
    /// Anchors per level.
    var anchorsPerLevel: Int { anchorsInPixels.first?.count ?? 3 }

    init(inputChannels: [Int], classCount: Int, anchors: [[(Float, Float)]], strides: [Int]) throws(TorchError) {
        self.anchorsInPixels = anchors
        self.strides = strides
        self.classCount = classCount
        let perLevel = anchors[0].count * (5 + classCount)
        var convs: [Conv2d] = []
        for (level, channels) in inputChannels.enumerated() {
            let conv = try Conv2d(channels, perLevel, kernel: 1, hasBias: true)
            try Self.initialiseBias(conv, stride: strides[level], anchorCount: anchors[0].count, classCount: classCount)
            convs.append(conv)
        }
        self.convs = ModuleList(convs)
        var additive: [Implicit] = []
        var multiplicative: [Implicit] = []
        for channels in inputChannels {
            additive.append(try Implicit(channels: channels, mean: 0))
            multiplicative.append(try Implicit(channels: perLevel, mean: 1))
        }
        self.additive = ModuleList(additive)
        self.multiplicative = ModuleList(multiplicative)
        let flat = anchors.flatMap { $0.flatMap { [$0.0, $0.1] } }
        let levels = anchors.count
        let count = anchors[0].count
        let grid = try Tensor(flat, shape: [levels, 1, count, 1, 1, 2])
        let scale = try Tensor(strides.map { 1 / Float($0) }, shape: [levels, 1, 1])
        self.anchors = Buffer(try grid.reshape([levels, count, 2]) * scale)
        anchorGrid = Buffer(grid)
        super.init()
        registerBuffer("anchors", self.anchors)
        registerBuffer("anchor_grid", anchorGrid)
        registerModule("m", self.convs)
        registerModule("ia", self.additive)
        registerModule("im", self.multiplicative)
    }

    /// The raw logits of every level, each [batch, anchors, ny, nx, 5 + classes].
    func forward(_ inputs: [Tensor]) throws(TorchError) -> [Tensor] {
        var outputs: [Tensor] = []
        for (level, input) in inputs.enumerated() {
            let shifted = try input + additive.elements[level].implicit.value
            let logits = try convs.elements[level](shifted) * multiplicative.elements[level].implicit.value
            let shape = logits.shape
            let layout = try logits.view([shape[0], anchorsPerLevel, outputsPerAnchor, shape[2], shape[3]])
            outputs.append(try layout.permute([0, 1, 3, 4, 2]).contiguous())
        }
        return outputs
    }

    /// Upstream's prior: objectness log(8 / (640 / s)^2), classes log(0.6 / (nc - 0.99)).
    private static func initialiseBias(_ conv: Conv2d, stride: Int, anchorCount: Int, classCount: Int)
        throws(TorchError)
    {
        guard let bias = conv.bias else { return }
        let perAnchor = 5 + classCount
        var offsets = [Float](repeating: 0, count: anchorCount * perAnchor)
        let cells = 640 / Double(stride)
        for anchor in 0..<anchorCount {
            offsets[anchor * perAnchor + 4] = Float(Foundation.log(8 / (cells * cells)))
            for index in 5..<perAnchor {
                offsets[anchor * perAnchor + index] = Float(Foundation.log(0.6 / (Double(classCount) - 0.99)))
            }
        }
        try withNoGrad { () throws(TorchError) in try bias.value += try Tensor(offsets) }
    }
}
