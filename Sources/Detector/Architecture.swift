/// The activation after each convolution block.
public enum Activation: String, Sendable, Equatable {
    /// LeakyReLU with slope 0.1 (yolov7-tiny).
    case leakyReLU
    /// SiLU, x * sigmoid(x) (yolov7).
    case silu
}

/// What one layer of a YOLOv7 graph computes, with its output channels where it has parameters.
public enum LayerKind: Sendable, Equatable {
    /// Conv2d (no bias, padding kernel/2) -> BatchNorm2d -> activation; upstream `models.common.Conv`.
    case conv(outChannels: Int, kernel: Int, stride: Int)
    /// Concatenation of the inputs along channels.
    case concat
    /// Max pooling; `MP` is kernel 2 stride 2, `SP(k)` is kernel k stride 1 padding k/2.
    case maxPool(kernel: Int, stride: Int)
    /// Nearest-neighbour upsampling by 2.
    case upsample
    /// Spatial pyramid pooling, cross-stage partial (yolov7's `SPPCSPC`, pools 5/9/13).
    case sppcspc(outChannels: Int)
    /// A re-parameterisable 3x3 block: 3x3 conv+BN plus 1x1 conv+BN in training, one 3x3 conv in inference.
    case repConv(outChannels: Int)
    /// The IDetect head over the inputs, one level each.
    case detect
}

/// One layer of the graph: what it computes and the absolute indices of the layers it reads.
public struct LayerSpec: Sendable, Equatable {
    /// The indices of the input layers; `-1` only for the first layer (the image).
    public var inputs: [Int]
    /// The computation.
    public var kind: LayerKind
}

/// A YOLOv7-family network: its layer graph, activation, and head geometry.
///
/// `yolov7-tiny` and `yolov7` are the upstream training configurations. `width` scales every channel count
/// (rounded up to a multiple of 8, as upstream does); `depth` scales the number of 3x3 convolutions chained in
/// each ELAN block (at least one pair). At width 1 and depth 1 the layers, and therefore the state_dict names,
/// are exactly upstream's.
public struct Architecture: Sendable, Equatable {
    /// The two upstream families.
    public enum Family: String, Sendable, CaseIterable {
        /// yolov7-tiny: tiny ELAN blocks, LeakyReLU.
        case tiny = "yolov7-tiny"
        /// yolov7: ELAN blocks, SPPCSPC, RepConv, SiLU.
        case full = "yolov7"
    }

    /// Which family.
    public let family: Family
    /// Channel multiplier.
    public let width: Double
    /// ELAN depth multiplier.
    public let depth: Double
    /// The layers, in upstream order; the last is the head.
    public let layers: [LayerSpec]

    /// The activation of every convolution block.
    public var activation: Activation { family == .tiny ? .leakyReLU : .silu }

    /// The downsampling of each detection level.
    public var strides: [Int] { [8, 16, 32] }

    /// Upstream's default anchors in pixels, per level, as (width, height) pairs.
    public var defaultAnchors: [[(Float, Float)]] {
        switch family {
        case .tiny:
            [[(10, 13), (16, 30), (33, 23)], [(30, 61), (62, 45), (59, 119)], [(116, 90), (156, 198), (373, 326)]]
        case .full:
            [[(12, 16), (19, 36), (40, 28)], [(36, 75), (76, 55), (72, 146)], [(142, 110), (192, 243), (459, 401)]]
        }
    }

    /// A short name such as `yolov7-tiny` or `yolov7-tiny-w0.5`.
    public var name: String {
        var result = family.rawValue
        if width != 1 { result += "-w\(Self.format(width))" }
        if depth != 1 { result += "-d\(Self.format(depth))" }
        return result
    }

    /// Builds the layer graph of `family` scaled by `width` and `depth`.
    public init(_ family: Family, width: Double = 1, depth: Double = 1) {
        self.family = family
        self.width = width
        self.depth = depth
        var graph = GraphBuilder(width: width, depth: depth)
        switch family {
        case .tiny: graph.buildTiny()
        case .full: graph.buildFull()
        }
        layers = graph.layers
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}

/// Appends layers and keeps track of absolute indices, as upstream's YAML `from` fields do.
private struct GraphBuilder {
    let width: Double
    let depth: Double
    var layers: [LayerSpec] = []

    /// The index of the most recent layer.
    var last: Int { layers.count - 1 }

    /// Channel count scaled by the width multiplier, rounded up to a multiple of 8 (upstream's make_divisible).
    func channels(_ base: Int) -> Int {
        Int((Double(base) * width / 8).rounded(.up)) * 8
    }

    @discardableResult
    mutating func add(_ kind: LayerKind, from inputs: [Int]) -> Int {
        layers.append(LayerSpec(inputs: inputs, kind: kind))
        return last
    }

    @discardableResult
    mutating func conv(_ out: Int, _ kernel: Int, _ stride: Int = 1, from input: Int? = nil) -> Int {
        add(.conv(outChannels: channels(out), kernel: kernel, stride: stride), from: [input ?? last])
    }

    mutating func maxPool(_ kernel: Int, _ stride: Int, from input: Int? = nil) -> Int {
        add(.maxPool(kernel: kernel, stride: stride), from: [input ?? last])
    }

    /// Tiny ELAN: two 1x1 branches, a chain of 3x3 convs on the second, all concatenated, then a 1x1.
    mutating func tinyELAN(_ hidden: Int, _ out: Int) -> Int {
        let input = last
        let left = conv(hidden, 1, from: input)
        let right = conv(hidden, 1, from: input)
        var chain: [Int] = []
        for _ in 0..<max(1, Int((2 * depth).rounded())) {
            chain.append(conv(hidden, 3))
        }
        add(.concat, from: chain.reversed() + [right, left])
        return conv(out, 1)
    }

    /// Backbone ELAN: as tiny, with a longer chain of which every second output joins the concatenation.
    mutating func elan(_ hidden: Int, _ out: Int) -> Int {
        let input = last
        let left = conv(hidden, 1, from: input)
        let right = conv(hidden, 1, from: input)
        var chain: [Int] = []
        for _ in 0..<2 * max(1, Int((2 * depth).rounded())) {
            chain.append(conv(hidden, 3))
        }
        let picked = chain.reversed().enumerated().filter { $0.offset % 2 == 0 }.map(\.element)
        add(.concat, from: picked + [right, left])
        return conv(out, 1)
    }

    /// Head ELAN: a chain of narrower 3x3 convs, every output of which joins the concatenation.
    mutating func headELAN(_ hidden: Int, _ narrow: Int, _ out: Int) -> Int {
        let input = last
        let left = conv(hidden, 1, from: input)
        let right = conv(hidden, 1, from: input)
        var chain: [Int] = []
        for _ in 0..<max(2, Int((4 * depth).rounded())) {
            chain.append(conv(narrow, 3))
        }
        add(.concat, from: chain.reversed() + [right, left])
        return conv(out, 1)
    }

    /// Downsampling by max-pool in one branch and a strided 3x3 in the other, concatenated (with `extra`).
    mutating func poolBlock(_ hidden: Int, joining extra: [Int] = []) -> Int {
        let input = last
        maxPool(2, 2)
        let pooled = conv(hidden, 1)
        conv(hidden, 1, from: input)
        let strided = conv(hidden, 3, 2)
        return add(.concat, from: [strided, pooled] + extra)
    }

    mutating func buildTiny() {
        conv(32, 3, 2)
        conv(64, 3, 2)
        tinyELAN(32, 64)
        maxPool(2, 2)
        let p3 = tinyELAN(64, 128)
        maxPool(2, 2)
        let p4 = tinyELAN(128, 256)
        maxPool(2, 2)
        tinyELAN(256, 512)

        let top = last
        let squeeze = conv(256, 1, from: top)
        let branch = conv(256, 1, from: top)
        let pools = [5, 9, 13].map { maxPool($0, 1, from: branch) }
        add(.concat, from: pools.reversed() + [branch])
        conv(256, 1)
        add(.concat, from: [last, squeeze])
        let neck5 = conv(256, 1)

        conv(128, 1)
        add(.upsample, from: [last])
        let lateral4 = conv(128, 1, from: p4)
        add(.concat, from: [lateral4, lateral4 - 1])
        let neck4 = tinyELAN(64, 128)

        conv(64, 1)
        add(.upsample, from: [last])
        let lateral3 = conv(64, 1, from: p3)
        add(.concat, from: [lateral3, lateral3 - 1])
        let out3 = tinyELAN(32, 64)

        conv(128, 3, 2)
        add(.concat, from: [last, neck4])
        let out4 = tinyELAN(64, 128)
        conv(256, 3, 2)
        add(.concat, from: [last, neck5])
        let out5 = tinyELAN(128, 256)

        let heads = [conv(128, 3, from: out3), conv(256, 3, from: out4), conv(512, 3, from: out5)]
        add(.detect, from: heads)
    }

    mutating func buildFull() {
        conv(32, 3, 1)
        conv(64, 3, 2)
        conv(64, 3, 1)
        conv(128, 3, 2)
        elan(64, 256)
        poolBlock(128)
        let c3 = elan(128, 512)
        poolBlock(256)
        let c4 = elan(256, 1024)
        poolBlock(512)
        elan(256, 1024)
        let spp = add(.sppcspc(outChannels: channels(512)), from: [last])

        conv(256, 1)
        add(.upsample, from: [last])
        let lateral4 = conv(256, 1, from: c4)
        add(.concat, from: [lateral4, lateral4 - 1])
        let neck4 = headELAN(256, 128, 256)

        conv(128, 1)
        add(.upsample, from: [last])
        let lateral3 = conv(128, 1, from: c3)
        add(.concat, from: [lateral3, lateral3 - 1])
        let out3 = headELAN(128, 64, 128)

        poolBlock(128, joining: [neck4])
        let out4 = headELAN(256, 128, 256)
        poolBlock(256, joining: [spp])
        let out5 = headELAN(512, 256, 512)

        let heads = [out3, out4, out5].enumerated().map { level, input in
            add(.repConv(outChannels: channels(256 << level)), from: [input])
        }
        add(.detect, from: heads)
    }
}

extension Architecture: CustomStringConvertible {
    /// The short name, for logs and test names.
    public var description: String { name }
}
