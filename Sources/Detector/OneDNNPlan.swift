import CDNNL
import Torch

/// An `InferenceModel`'s graph lowered for one image of one geometry: a flat list of operations on values, every
/// concatenation resolved to where its parts live, and every value given a place in a reusable buffer.
///
/// Activations are stored in oneDNN's blocked layout for the CPU's vectors: nChw16c with AVX-512, nChw8c with
/// AVX2 (``blockSize`` channels per block). A part of a concatenation is written by its producer straight into the
/// concatenation's buffer: for one image, channels `[o, o + c)` with `o` and `c` multiples of the block are
/// themselves a dense blocked tensor that starts `o * height * width` floats into the buffer, so the
/// concatenation costs nothing. A part that cannot be placed so (a value joining two concatenations, or
/// the image) is copied in instead.
///
/// Buffers are reused: a buffer holds one concatenation group (a root value and every part placed in it) from its
/// first write to its last read, then serves a later group.
struct OneDNNPlan {
    /// The size of one image's tensor.
    struct Shape: Equatable {
        /// Channels.
        var channels: Int
        /// Rows.
        var height: Int
        /// Columns.
        var width: Int

        /// Floats in blocks of `blockSize` channels, the channels padded to a multiple of it.
        func blockedCount(blockSize: Int) -> Int {
            (channels + blockSize - 1) / blockSize * blockSize * height * width
        }
        /// Floats per channel.
        var planeCount: Int { height * width }
    }

    /// Where a value lives.
    enum Storage: Equatable {
        /// The caller's input image, dense NCHW.
        case image
        /// The head's output of `level`, dense NCHW.
        case output(level: Int)
        /// In `buffer`, `channelOffset` channels in: at `channelOffset * height * width` floats, since both the
        /// offset and the value's channels are multiples of the block.
        case buffer(index: Int, channelOffset: Int)
    }

    /// A tensor of one image: its shape and where it lives.
    struct Value {
        /// The shape.
        var shape: Shape
        /// The storage.
        var storage: Storage
    }

    /// What a node computes.
    enum Operation {
        /// Convolution with bias and an optional fused activation; `weight` is [out, in, kh, kw].
        case conv(weight: Tensor, bias: Tensor, stride: Int, padding: Int, activation: Activation?)
        /// Max pooling, padded with minus infinity.
        case maxPool(kernel: Int, stride: Int, padding: Int)
        /// Nearest-neighbour upsampling by 2.
        case upsample
        /// A copy of a concatenation part into its place.
        case copy

        /// A short label for profiles, such as `conv3x3 s2` or `maxpool k5`.
        var label: String {
            switch self {
            case .conv(let weight, _, let stride, _, _): "conv\(weight.shape[2])x\(weight.shape[3]) s\(stride)"
            case .maxPool(let kernel, let stride, _): "maxpool k\(kernel) s\(stride)"
            case .upsample: "upsample"
            case .copy: "concat copy"
            }
        }
    }

    /// One operation from one value to another.
    struct Node {
        /// What it computes.
        var operation: Operation
        /// The value read.
        var input: Int
        /// The value written.
        var output: Int
    }

    /// Every value; index 0 is the image.
    let values: [Value]
    /// The operations in execution order.
    let nodes: [Node]
    /// The size of each buffer, in floats.
    let bufferCounts: [Int]
    /// The value of each head level.
    let outputs: [Int]
    /// Channels per block of the activations' layout: 8 (nChw8c) or 16 (nChw16c).
    let blockSize: Int

    /// The block the CPU's widest vectors fill: 16 floats with AVX-512 (`dnnl_get_effective_cpu_isa`, which
    /// honours `ONEDNN_MAX_CPU_ISA`), 8 otherwise.
    static var preferredBlockSize: Int {
        let isa = dnnl_get_effective_cpu_isa().rawValue
        let avx512 = dnnl_cpu_isa_avx512_core.rawValue
        return isa & avx512 == avx512 ? 16 : 8
    }

    /// Lowers `model` for one image of `height` x `width` pixels, activations in blocks of `blockSize` channels
    /// (8 or 16); throws when a concatenation part's or (for 16) a convolution's channels are not a multiple of
    /// the block.
    init(_ model: InferenceModel, height: Int, width: Int, blockSize: Int) throws(DetectorError) {
        guard blockSize == 8 || blockSize == 16 else {
            throw DetectorError.invalidArgument("the block size must be 8 or 16 channels")
        }
        self.blockSize = blockSize
        var lowering = Lowering(image: Shape(channels: 3, height: height, width: width), blockSize: blockSize)
        var stepValues: [Int] = []
        for (index, step) in model.steps.enumerated() {
            let arguments = model.inputs[index].map { $0 < 0 ? 0 : stepValues[$0] }
            switch step {
            case .head(let weights, let biases):
                guard arguments.count == weights.count else {
                    throw DetectorError.invalidArgument("the head's inputs do not match its levels")
                }
                for (level, input) in arguments.enumerated() {
                    let step = InferenceModel.Step.conv(
                        weight: weights[level], bias: biases[level], stride: 1, padding: 0, activation: nil)
                    lowering.outputs.append(try lowering.copy(lowering.lower(step, input, isHead: true)))
                }
                stepValues.append(-1)
            case .concat:
                stepValues.append(try lowering.concatenate(arguments))
            default:
                guard arguments.count == 1 else {
                    throw DetectorError.invalidArgument("a single-input layer with several inputs")
                }
                stepValues.append(try lowering.lower(step, arguments[0]))
            }
        }
        guard !lowering.outputs.isEmpty else {
            throw DetectorError.invalidArgument("the model has no head")
        }
        (values, nodes, bufferCounts) = try lowering.place()
        outputs = lowering.outputs
        for value in values {
            guard case .buffer(let index, _) = value.storage, index < 0 else { continue }
            throw DetectorError.invalidArgument("a layer's output is never computed")
        }
    }
}

/// The graph while it is being lowered: shapes known, places not yet.
private struct Lowering {
    enum Pending {
        case node(OneDNNPlan.Node)
        case concat(parts: [Int], output: Int)
    }

    var shapes: [OneDNNPlan.Shape]
    var pending: [Pending] = []
    var outputs: [Int] = []
    let blockSize: Int

    init(image: OneDNNPlan.Shape, blockSize: Int) {
        shapes = [image]
        self.blockSize = blockSize
    }

    mutating func add(_ shape: OneDNNPlan.Shape) -> Int {
        shapes.append(shape)
        return shapes.count - 1
    }

    /// Lowers `step` on `input`; `isHead` for the head's convolutions, whose output channels (anchors times
    /// 5 plus the classes) need not fill blocks: their outputs are copied out to plain NCHW.
    mutating func lower(_ step: InferenceModel.Step, _ input: Int, isHead: Bool = false) throws(DetectorError) -> Int {
        let shape = shapes[input]
        switch step {
        case .conv(let weight, let bias, let stride, let padding, let activation):
            let kernel = weight.shape
            guard kernel.count == 4, kernel[1] == shape.channels, bias.shape == [kernel[0]] else {
                throw DetectorError.invalidArgument("a convolution's weights do not fit its input")
            }
            // TODO: a model with any convolution whose channels are not a multiple of 16 (narrow students) runs
            // wholly in blocks of 8, on AVX2 kernels, even on an AVX-512 CPU; mixing layouts would cost reorders.
            // oneDNN's AVX-512 kernels want whole blocks of 16 output channels; others fall to `ref:any`.
            guard blockSize == 8 || isHead || kernel[0] % blockSize == 0 else {
                throw DetectorError.invalidArgument("a convolution's channels are not a multiple of \(blockSize)")
            }
            let output = add(
                OneDNNPlan.Shape(
                    channels: kernel[0], height: (shape.height + 2 * padding - kernel[2]) / stride + 1,
                    width: (shape.width + 2 * padding - kernel[3]) / stride + 1))
            let operation = OneDNNPlan.Operation.conv(
                weight: weight, bias: bias, stride: stride, padding: padding, activation: activation)
            pending.append(.node(OneDNNPlan.Node(operation: operation, input: input, output: output)))
            return output
        case .maxPool(let kernel, let stride):
            if stride == 1, let (smaller, pooled) = largestPool(below: kernel, of: input) {
                // Stride-1 max pools padded with minus infinity compose: pool(a) after pool(b) is pool(a + b - 1),
                // so SPP's 9 and 13 are a 5 applied to the 5 and to the 9, with far fewer comparisons.
                return try lower(.maxPool(kernel: kernel - smaller + 1, stride: 1), pooled)
            }
            let padding = stride == 1 ? kernel / 2 : 0
            let output = add(
                OneDNNPlan.Shape(
                    channels: shape.channels, height: (shape.height + 2 * padding - kernel) / stride + 1,
                    width: (shape.width + 2 * padding - kernel) / stride + 1))
            let operation = OneDNNPlan.Operation.maxPool(kernel: kernel, stride: stride, padding: padding)
            pending.append(.node(OneDNNPlan.Node(operation: operation, input: input, output: output)))
            return output
        case .upsample:
            let output = add(
                OneDNNPlan.Shape(channels: shape.channels, height: shape.height * 2, width: shape.width * 2))
            pending.append(.node(OneDNNPlan.Node(operation: .upsample, input: input, output: output)))
            return output
        case .sppcspc(let convs):
            // cv1 -> cv3 -> cv4 is x1; pools of 5, 9, 13 on x1; cv5 -> cv6 over the pyramid; cv2 on the input;
            // cv7 over both.
            guard convs.count == 7 else { throw DetectorError.invalidArgument("SPPCSPC without seven convolutions") }
            let x1 = try lower(convs[3], lower(convs[2], lower(convs[0], input)))
            var pyramid = [x1]
            for kernel in [5, 9, 13] {
                pyramid.append(try lower(.maxPool(kernel: kernel, stride: 1), x1))
            }
            let y1 = try lower(convs[5], lower(convs[4], concatenate(pyramid)))
            let y2 = try lower(convs[1], input)
            return try lower(convs[6], concatenate([y1, y2]))
        case .concat, .head:
            throw DetectorError.invalidArgument("a concatenation or head inside a block")
        }
    }

    /// The kernel and output of the widest odd stride-1 max pool of `input` narrower than `kernel`, if any.
    func largestPool(below kernel: Int, of input: Int) -> (kernel: Int, output: Int)? {
        var best: (kernel: Int, output: Int)?
        for case .node(let node) in pending where node.input == input {
            guard case .maxPool(let size, 1, _) = node.operation, size < kernel, size % 2 == 1, kernel % 2 == 1,
                size > best?.kernel ?? 0
            else { continue }
            best = (size, node.output)
        }
        return best
    }

    /// A copy of `input` in a new value: the head's convolutions write blocked (oneDNN has no fast 1x1
    /// convolution into plain NCHW: it picks `ref:any`), and a reorder then writes the plain output.
    mutating func copy(_ input: Int) -> Int {
        let output = add(shapes[input])
        pending.append(.node(OneDNNPlan.Node(operation: .copy, input: input, output: output)))
        return output
    }

    mutating func concatenate(_ parts: [Int]) throws(DetectorError) -> Int {
        guard let first = parts.first.map({ shapes[$0] }),
            parts.allSatisfy({ shapes[$0].height == first.height && shapes[$0].width == first.width })
        else {
            throw DetectorError.invalidArgument("concatenated tensors differ in size")
        }
        let channels = parts.reduce(0) { $0 + shapes[$1].channels }
        let output = add(OneDNNPlan.Shape(channels: channels, height: first.height, width: first.width))
        pending.append(.concat(parts: parts, output: output))
        return output
    }

    /// Places concatenation parts, replaces concatenations by the copies they still need, and assigns buffers.
    mutating func place() throws(DetectorError) -> (
        values: [OneDNNPlan.Value], nodes: [OneDNNPlan.Node], bufferCounts: [Int]
    ) {
        var parent: [Int?] = Array(repeating: nil, count: shapes.count)
        var offset: [Int] = Array(repeating: 0, count: shapes.count)
        var copies: [Int: [OneDNNPlan.Node]] = [:]
        // The latest concatenation first, so an outer group is placed before the groups nested in it.
        for (index, item) in pending.enumerated().reversed() {
            guard case .concat(let parts, let output) = item else { continue }
            var channelOffset = 0
            var placed: Set<Int> = []
            for part in parts {
                // TODO: A concatenation part whose channel count or offset is not a multiple of the block is
                // rejected: it is no dense blocked slice. Every width of `Architecture` rounds channels to 8, so
                // blocks of 8 always do; `CompiledInference` falls back to them when 16 do not fit.
                guard shapes[part].channels % blockSize == 0, channelOffset % blockSize == 0 else {
                    throw DetectorError.invalidArgument(
                        "a concatenated tensor's channels are not a multiple of \(blockSize)")
                }
                var destination = part
                if part == 0 || outputs.contains(part) || parent[part] != nil || placed.contains(part) {
                    destination = add(shapes[part])
                    parent.append(nil)
                    offset.append(0)
                    let copy = OneDNNPlan.Node(operation: .copy, input: part, output: destination)
                    copies[index, default: []].append(copy)
                }
                parent[destination] = output
                offset[destination] = channelOffset
                placed.insert(part)
                channelOffset += shapes[part].channels
            }
        }
        var nodes: [OneDNNPlan.Node] = []
        for (index, item) in pending.enumerated() {
            switch item {
            case .node(let node): nodes.append(node)
            case .concat: nodes += copies[index] ?? []
            }
        }

        // Each value's group root and channel offset within it.
        var root = Array(shapes.indices)
        var rootOffset = Array(repeating: 0, count: shapes.count)
        for value in shapes.indices {
            var current = value
            while let next = parent[current] {
                rootOffset[value] += offset[current]
                current = next
            }
            root[value] = current
        }
        let buffers = assignBuffers(nodes: nodes, root: root)
        let values = shapes.indices.map { value in
            let storage: OneDNNPlan.Storage =
                if value == 0 {
                    .image
                } else if let level = outputs.firstIndex(of: value) {
                    .output(level: level)
                } else {
                    .buffer(index: buffers.index[root[value]], channelOffset: rootOffset[value])
                }
            return OneDNNPlan.Value(shape: shapes[value], storage: storage)
        }
        return (values, nodes, buffers.counts)
    }

    /// Gives each group a buffer that no other group uses between its first write and its last read, reusing
    /// freed buffers best-fit first; returns the buffer of each root (by value index) and each buffer's floats.
    func assignBuffers(nodes: [OneDNNPlan.Node], root: [Int]) -> (index: [Int], counts: [Int]) {
        var first: [Int: Int] = [:]
        var last: [Int: Int] = [:]
        for (position, node) in nodes.enumerated() {
            let written = root[node.output]
            first[written] = min(first[written] ?? position, position)
            last[written] = max(last[written] ?? position, position)
            let read = root[node.input]
            last[read] = max(last[read] ?? position, position)
        }
        var index = Array(repeating: -1, count: shapes.count)
        var counts: [Int] = []
        var busyUntil: [Int] = []
        let groups = first.keys.filter { $0 != 0 && !outputs.contains($0) }.sorted { first[$0]! < first[$1]! }
        for group in groups {
            let start = first[group]!
            let needed = shapes[group].blockedCount(blockSize: blockSize)
            let free = counts.indices.filter { busyUntil[$0] < start }
            let fitting = free.filter { counts[$0] >= needed }.min { counts[$0] < counts[$1] }
            let chosen: Int
            if let buffer = fitting ?? free.max(by: { counts[$0] < counts[$1] }) {
                chosen = buffer
                counts[chosen] = max(counts[chosen], needed)
            } else {
                chosen = counts.count
                counts.append(needed)
                busyUntil.append(0)
            }
            busyUntil[chosen] = last[group]!
            index[group] = chosen
        }
        return (index, counts)
    }
}
