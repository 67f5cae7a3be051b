import Foundation

/// The tensors of a PyTorch `.pt` file in the zip format `torch.save` writes since PyTorch 1.6, read without
/// Python or libtorch.
///
/// Two layouts are understood. A `state_dict` (a dict or `OrderedDict` of name to tensor), possibly wrapped as
/// `{'state_dict': ...}` or `{'model': ...}`. And a pickled `nn.Module`, either at the root or, as YOLOv7 ships
/// its checkpoints, under the key `model` (or `ema` when `model` is None) of a checkpoint dict; its tensors are
/// named as `Module.state_dict()` would name them.
public struct PyTorchCheckpoint: Sendable {
    /// Every tensor under its dotted state_dict name, in state_dict order, as contiguous little-endian bytes.
    public let tensors: [StoredTensor]
    /// Facts about the file: `kind` (`state_dict` or `module`), `root_class` (e.g. `models.yolo.Model`),
    /// the scalar entries of a checkpoint dict (e.g. `epoch`), and the plain attributes of a pickled root module
    /// (scalars as text, lists and dicts of plain values as JSON, e.g. `names` and `yaml`).
    public let metadata: [String: String]

    /// A tensor found in the pickle, before its bytes are read.
    private typealias NamedView = (name: String, view: PickledTensor)

    /// What the pickle holds: the tensors to read and the facts for `metadata`.
    private struct Contents {
        /// The named tensors, in state_dict order.
        var views: [NamedView] = []
        /// The metadata gathered so far.
        var metadata: [String: String] = [:]
    }

    /// The state of a walk through a module tree.
    private struct ModuleWalk {
        /// The named tensors found so far.
        var views: [NamedView] = []
        /// The modules on the path from the root to the current one, to detect cycles.
        var ancestors = Set<ObjectIdentifier>()
        /// How many more modules and entries may be visited; shared subtrees could otherwise explode.
        // TODO: a module tree is limited to 2^20 visited modules plus entries, and 100 levels of nesting.
        var budget = 1 << 20
    }

    /// Deepest module nesting accepted when walking `_modules`.
    private static let maximumModuleDepth = 100
    /// Largest tensor accepted when a view holds more elements than its storage (e.g. an expanded tensor).
    private static let maximumExpandedBytes = 1 << 28

    /// Reads every tensor of the checkpoint at `path`.
    ///
    /// - Parameters:
    ///   - path: A `.pt` file written by `torch.save` in the zip format.
    ///   - halfToFloat: When true, every `float16` and `bfloat16` tensor is converted to `float32`.
    /// - Throws: `TorchError.unreadableFile` when the file cannot be read, `TorchError.malformedFile` when its
    ///   content is not a valid checkpoint of a supported layout.
    public static func read(path: String, halfToFloat: Bool = false) throws(TorchError) -> PyTorchCheckpoint {
        try TorchError.converting({ .malformedFile(path: path, reason: "\($0)") }) {
            try readUnchecked(path: path, halfToFloat: halfToFloat)
        }
    }

    private static func readUnchecked(path: String, halfToFloat: Bool) throws -> PyTorchCheckpoint {
        // TODO: the legacy (pre-1.6, non-zip) torch.save format and TorchScript archives are not supported.
        let fail = { (reason: String) in TorchError.malformedFile(path: path, reason: reason) }
        let archive = try ZipArchive(path: path)
        guard
            let pickleName = archive.entryNames.first(where: {
                $0.hasSuffix("/data.pkl") && $0.firstIndex(of: "/") == $0.lastIndex(of: "/")
            })
        else {
            throw fail("the archive has no '<name>/data.pkl' record; it is not a torch.save checkpoint")
        }
        let prefix = String(pickleName.dropLast("data.pkl".count))
        let littleEndian = try isLittleEndian(archive, prefix: prefix, fail: fail)
        let unpickler = Unpickler(
            bytes: try archive.data(of: pickleName), path: path,
            persistentLoad: { try storage(from: $0, fail: fail) })
        defer { unpickler.releaseGraph() }
        var contents = try contents(of: try unpickler.load(), fail: fail)

        var storages: [String: Data] = [:]
        var storageTotal = 0
        var outputTotal = 0
        var tensors: [StoredTensor] = []
        tensors.reserveCapacity(contents.views.count)
        for (name, view) in contents.views {
            let storage = view.storage
            let record = prefix + "data/" + storage.key
            if storages[storage.key] == nil {
                guard archive.contains(record) else { throw fail("storage record '\(record)' is missing") }
                let data = try archive.data(of: record)
                storages[storage.key] = data
                storageTotal += data.count
            }
            let storageBytes = storages[storage.key] ?? Data()
            let needed = storage.elementCount.multipliedReportingOverflow(by: storage.dtype.byteWidth)
            guard !needed.overflow, storageBytes.count >= needed.partialValue else {
                throw fail(
                    "storage record '\(record)' holds \(storageBytes.count) bytes, too few for its "
                        + "\(storage.elementCount) elements of \(storage.dtype.rawValue)")
            }
            var bytes = try materialize(view, of: storageBytes, name: name, fail: fail)
            outputTotal += bytes.count
            // TODO: tensors may repeat their storages' bytes at most 4 times over (plus 256 MiB), a guard
            // against hostile files that point many huge views at one small storage.
            guard outputTotal <= 4 * storageTotal + maximumExpandedBytes else {
                throw fail(
                    "the tensors up to '\(name)' need \(outputTotal) bytes, far more than the \(storageTotal) bytes "
                        + "of their storage records")
            }
            if !littleEndian { swapBytes(&bytes, width: storage.dtype.byteWidth) }
            var dtype = storage.dtype
            if halfToFloat, dtype == .float16 || dtype == .bfloat16 {
                bytes = widenToFloat32(bytes, from: dtype)
                dtype = .float32
            }
            tensors.append(StoredTensor(name: name, dtype: dtype, shape: view.shape, bytes: bytes))
        }
        if archive.contains(prefix + "version"), let version = try? archive.data(of: prefix + "version"),
            version.count <= 32
        {
            contents.metadata["format_version"] = String(decoding: version, as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return PyTorchCheckpoint(tensors: tensors, metadata: contents.metadata)
    }

    // MARK: - Archive records

    /// Reads the optional `byteorder` record: true for `little` (and when absent), false for `big`.
    private static func isLittleEndian(
        _ archive: ZipArchive, prefix: String, fail: (String) -> TorchError
    ) throws -> Bool {
        guard archive.contains(prefix + "byteorder") else { return true }
        let text = String(decoding: try archive.data(of: prefix + "byteorder"), as: UTF8.self)
        switch text.trimmingCharacters(in: .whitespacesAndNewlines) {
        case "little": return true
        case "big": return false
        default: throw fail("record '\(prefix)byteorder' says '\(text.prefix(20))', not 'little' or 'big'")
        }
    }

    /// Resolves a persistent id `('storage', torch.<Type>Storage, key, location, numel)`.
    private static func storage(from id: PickleValue, fail: (String) -> TorchError) throws -> PickleValue {
        guard case .tuple(let tuple) = id, tuple.items.count >= 5, case .string("storage") = tuple.items[0],
            case .global(let typeName) = tuple.items[1], case .string(let key) = tuple.items[2],
            case .int(let count) = tuple.items[4], count >= 0
        else {
            throw fail("pickle: persistent id (\(id.typeName)) is not ('storage', type, key, location, numel)")
        }
        guard typeName.hasPrefix("torch."), let dtype = storageTypes[String(typeName.split(separator: ".").last ?? "")]
        else {
            throw fail("pickle: unsupported storage type \(typeName)")
        }
        guard case .string(let location) = tuple.items[3] else {
            throw fail("pickle: storage '\(key)' has \(tuple.items[3].typeName) as location, not a string")
        }
        return .storage(PickledStorage(dtype: dtype, key: key, location: location, elementCount: count))
    }

    /// The element type of each storage class.
    // TODO: complex, quantized (QInt8Storage...) and float8 storages are rejected as unsupported storage types.
    private static let storageTypes: [String: DType] = [
        "DoubleStorage": .float64, "FloatStorage": .float32, "HalfStorage": .float16,
        "BFloat16Storage": .bfloat16, "LongStorage": .int64, "IntStorage": .int32, "ShortStorage": .int16,
        "CharStorage": .int8, "ByteStorage": .uint8, "BoolStorage": .bool, "UntypedStorage": .uint8,
    ]

    // MARK: - Layouts

    /// Finds the tensors and metadata in the unpickled root value.
    private static func contents(of root: PickleValue, fail: (String) -> TorchError) throws -> Contents {
        switch root {
        case .object(let module) where isModule(module):
            return try moduleContents(module, metadata: [:], fail: fail)
        case .dict(let dict):
            var scalars: [String: String] = [:]
            for (key, value) in zip(dict.keys, dict.values) {
                if case .string(let name) = key, let text = value.scalarText { scalars[name] = text }
            }
            var moduleKey = "model"
            if dict["model"] == nil || isNone(dict["model"]) { moduleKey = "ema" }
            if case .object(let module) = dict[moduleKey], isModule(module) {
                scalars["module_key"] = moduleKey
                return try moduleContents(module, metadata: scalars, fail: fail)
            }
            for candidate in [dict["state_dict"], dict["model"], .dict(dict)] {
                guard case .dict(let tensors) = candidate, let views = stateDictViews(tensors) else { continue }
                scalars["kind"] = "state_dict"
                scalars["root_class"] = tensors.className
                return Contents(views: views, metadata: scalars)
            }
            let keys = dict.keys.prefix(8).map { $0.scalarText ?? $0.typeName }.joined(separator: ", ")
            throw fail(
                "the pickle holds a dict (keys \(keys)) with neither a module under 'model' or 'ema' "
                    + "nor a state_dict of tensors")
        default:
            throw fail("the pickle holds \(root.typeName), neither a state_dict nor a module")
        }
    }

    /// Whether `value` is Python's `None`.
    private static func isNone(_ value: PickleValue?) -> Bool {
        guard case .some(PickleValue.none) = value else { return false }
        return true
    }

    /// The entries of a dict whose keys are all strings and values all tensors, or nil.
    private static func stateDictViews(_ dict: PickleDict) -> [NamedView]? {
        var views: [NamedView] = []
        for (key, value) in zip(dict.keys, dict.values) {
            guard case .string(let name) = key, case .tensor(let view) = value else { return nil }
            views.append((name, view))
        }
        return views.isEmpty ? nil : views
    }

    /// Whether `object` looks like an `nn.Module`: its state is a dict with `_modules` or `_parameters`.
    private static func isModule(_ object: PickleObject) -> Bool {
        guard case .dict(let state) = object.state else { return false }
        return state["_modules"] != nil || state["_parameters"] != nil
    }

    /// The state_dict of a pickled root module and its plain attributes as metadata.
    private static func moduleContents(
        _ module: PickleObject, metadata: [String: String], fail: (String) -> TorchError
    ) throws -> Contents {
        var contents = Contents()
        var walk = ModuleWalk()
        try collect(module, prefix: "", depth: 0, walk: &walk, fail: fail)
        contents.views = walk.views
        if case .dict(let state) = module.state {
            for (key, value) in zip(state.keys, state.values) {
                guard case .string(let name) = key, !name.hasPrefix("_"), name != "training" else { continue }
                switch value {
                case .tuple, .list, .dict:
                    contents.metadata[name] = value.jsonText(limit: 16384)
                default:
                    contents.metadata[name] = value.scalarText
                }
            }
            if contents.metadata["nc"] == nil, case .dict(let yaml) = state["yaml"] {
                contents.metadata["nc"] = yaml["nc"]?.scalarText
            }
        }
        contents.metadata.merge(metadata) { _, checkpoint in checkpoint }
        contents.metadata["kind"] = "module"
        contents.metadata["root_class"] = module.className
        return contents
    }

    /// Appends the parameters and persistent buffers of `module`, then those of its children, as
    /// `Module.state_dict()` orders them.
    private static func collect(
        _ module: PickleObject, prefix: String, depth: Int, walk: inout ModuleWalk, fail: (String) -> TorchError
    ) throws {
        let label = prefix.isEmpty ? "the root module" : "module '\(prefix.dropLast())'"
        guard depth <= maximumModuleDepth else {
            throw fail("modules nest deeper than \(maximumModuleDepth) levels at \(label)")
        }
        guard walk.ancestors.insert(ObjectIdentifier(module)).inserted else {
            throw fail("\(label) contains itself")
        }
        defer { walk.ancestors.remove(ObjectIdentifier(module)) }
        guard case .dict(let state) = module.state else {
            throw fail("\(label) (\(module.className)) has no state dictionary")
        }
        let parameters = try namedEntries(state["_parameters"], field: "_parameters", of: label, fail: fail)
        let buffers = try namedEntries(state["_buffers"], field: "_buffers", of: label, fail: fail)
        let children = try namedEntries(state["_modules"], field: "_modules", of: label, fail: fail)
        walk.budget -= 1 + parameters.count + buffers.count + children.count
        guard walk.budget >= 0 else { throw fail("the module tree is too large (shared modules repeated?)") }
        var nonPersistent = Set<String>()
        switch state["_non_persistent_buffers_set"] {
        case .set(let names), .list(let names), .tuple(let names):
            for case .string(let name) in names.items { nonPersistent.insert(name) }
        default: break
        }
        for (entries, isBuffer) in [(parameters, false), (buffers, true)] {
            for (name, value) in entries {
                switch value {
                case .tensor(let view) where !isBuffer || !nonPersistent.contains(name):
                    walk.views.append((prefix + name, view))
                case .tensor, .none: continue
                default: throw fail("'\(prefix + name)' in \(label) is \(value.typeName), not a tensor")
                }
            }
        }
        // TODO: `get_extra_state()` entries (`_extra_state`) are not reproduced; they are not tensors.
        for (name, value) in children {
            switch value {
            case .object(let child):
                try collect(child, prefix: prefix + name + ".", depth: depth + 1, walk: &walk, fail: fail)
            case .none: continue
            default: throw fail("child '\(prefix + name)' of \(label) is \(value.typeName), not a module")
            }
        }
    }

    /// The string-keyed entries of one of a module's dictionaries (none when absent).
    private static func namedEntries(
        _ value: PickleValue?, field: String, of label: String, fail: (String) -> TorchError
    ) throws -> [(String, PickleValue)] {
        guard let value else { return [] }
        guard case .dict(let dict) = value else { throw fail("\(field) of \(label) is \(value.typeName)") }
        return try zip(dict.keys, dict.values).map { key, item in
            guard case .string(let name) = key else { throw fail("\(field) of \(label) has \(key.typeName) as a key") }
            return (name, item)
        }
    }

    // MARK: - Tensor bytes

    /// The contiguous row-major bytes of `view`, checked against the bounds of `storage`.
    private static func materialize(
        _ view: PickledTensor, of storage: Data, name: String, fail: (String) -> TorchError
    ) throws -> Data {
        let width = view.storage.dtype.byteWidth
        var count = 1
        var last = view.offset
        for (size, step) in zip(view.shape, view.strides) {
            let product = count.multipliedReportingOverflow(by: size)
            guard !product.overflow else { throw fail("tensor '\(name)' has too many elements") }
            count = product.partialValue
            guard size > 0 else { continue }
            let reach = (size - 1).multipliedReportingOverflow(by: step)
            let sum = last.addingReportingOverflow(reach.partialValue)
            guard !reach.overflow, !sum.overflow else { throw fail("tensor '\(name)' has impossible strides") }
            last = sum.partialValue
        }
        let byteCount = count.multipliedReportingOverflow(by: width)
        guard !byteCount.overflow else { throw fail("tensor '\(name)' has too many elements") }
        guard count > 0 else { return Data() }
        guard last < view.storage.elementCount else {
            throw fail(
                "tensor '\(name)' (offset \(view.offset), shape \(view.shape), strides \(view.strides)) reaches "
                    + "element \(last) of storage '\(view.storage.key)', which holds \(view.storage.elementCount)")
        }
        guard count <= view.storage.elementCount || byteCount.partialValue <= maximumExpandedBytes else {
            // TODO: views with more elements than their storage (expanded tensors) are capped at 256 MiB.
            throw fail("tensor '\(name)' expands its storage to \(byteCount.partialValue) bytes")
        }
        var expected = 1
        var contiguous = true
        for (size, step) in zip(view.shape, view.strides).reversed() {
            if size != 1, step != expected { contiguous = false }
            expected *= size
        }
        let start = view.offset * width
        if contiguous {
            if start == 0, byteCount.partialValue == storage.count { return storage }
            return storage.subdata(in: start..<start + byteCount.partialValue)
        }
        return gather(view, from: storage, byteCount: byteCount.partialValue)
    }

    /// Copies the elements of a strided view in row-major order; bounds were checked by `materialize`.
    private static func gather(_ view: PickledTensor, from storage: Data, byteCount: Int) -> Data {
        let width = view.storage.dtype.byteWidth
        let outer = view.shape.dropLast()
        let innerSize = view.shape.last ?? 1
        let innerStride = view.strides.last ?? 1
        var output = Data(count: byteCount)
        output.withUnsafeMutableBytes { target in
            storage.withUnsafeBytes { source in
                guard let to = target.baseAddress, let from = source.baseAddress else { return }
                var index = [Int](repeating: 0, count: outer.count)
                var element = view.offset
                var written = 0
                while written < byteCount {
                    if innerStride == 1 {
                        (to + written).copyMemory(from: from + element * width, byteCount: innerSize * width)
                        written += innerSize * width
                    } else {
                        for step in 0..<innerSize {
                            let offset = (element + step * innerStride) * width
                            (to + written).copyMemory(from: from + offset, byteCount: width)
                            written += width
                        }
                    }
                    var dimension = outer.count - 1
                    while dimension >= 0 {
                        index[dimension] += 1
                        element += view.strides[dimension]
                        if index[dimension] < view.shape[dimension] { break }
                        element -= view.strides[dimension] * view.shape[dimension]
                        index[dimension] = 0
                        dimension -= 1
                    }
                }
            }
        }
        return output
    }

    /// Reverses the bytes of every element of `width` bytes (big-endian records to little-endian).
    private static func swapBytes(_ bytes: inout Data, width: Int) {
        guard width > 1 else { return }
        bytes.withUnsafeMutableBytes { buffer in
            for start in stride(from: 0, to: buffer.count - width + 1, by: width) {
                var low = start
                var high = start + width - 1
                while low < high {
                    buffer.swapAt(low, high)
                    low += 1
                    high -= 1
                }
            }
        }
    }

    /// Converts little-endian `float16` or `bfloat16` elements to little-endian `float32`.
    private static func widenToFloat32(_ bytes: Data, from dtype: DType) -> Data {
        let count = bytes.count / 2
        var output = Data(count: count * 4)
        output.withUnsafeMutableBytes { target in
            bytes.withUnsafeBytes { source in
                for index in 0..<count {
                    let half = UInt16(littleEndian: source.loadUnaligned(fromByteOffset: index * 2, as: UInt16.self))
                    let bits = dtype == .bfloat16 ? UInt32(half) << 16 : floatBits(ofHalf: half)
                    target.storeBytes(of: bits.littleEndian, toByteOffset: index * 4, as: UInt32.self)
                }
            }
        }
        return output
    }

    /// The IEEE 754 single-precision bits of the half-precision value `half` (exact for every input).
    private static func floatBits(ofHalf half: UInt16) -> UInt32 {
        let sign = UInt32(half & 0x8000) << 16
        let exponent = UInt32(half >> 10) & 0x1F
        let mantissa = UInt32(half & 0x3FF)
        switch exponent {
        case 0 where mantissa == 0: return sign
        case 0: return sign | (Float(mantissa) * 0x1p-24).bitPattern
        case 0x1F: return sign | 0x7F80_0000 | mantissa << 13
        default: return sign | (exponent + 112) << 23 | mantissa << 13
        }
    }
}
