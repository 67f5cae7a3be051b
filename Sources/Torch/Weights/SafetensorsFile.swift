import Foundation

#if canImport(Glibc)
    import Glibc
#endif

extension DType {
    /// The dtype string a safetensors header uses for this type, for example `F32` or `BOOL`.
    public var safetensorsCode: String {
        switch self {
        case .float32: "F32"
        case .float64: "F64"
        case .float16: "F16"
        case .bfloat16: "BF16"
        case .int64: "I64"
        case .int32: "I32"
        case .int16: "I16"
        case .int8: "I8"
        case .uint8: "U8"
        case .bool: "BOOL"
        }
    }

    /// The type a safetensors dtype string names, or `nil` for a code this library does not support.
    // TODO: the FP8 codes (F8_E4M3, F8_E5M2) and U16/U32/U64 have no DType and are rejected as unknown.
    public init?(safetensorsCode: String) {
        guard let match = DType.allCases.first(where: { $0.safetensorsCode == safetensorsCode }) else {
            return nil
        }
        self = match
    }
}

/// A safetensors file, memory-mapped and validated.
///
/// Layout: an 8-byte little-endian header length `N`, `N` bytes of UTF-8 JSON mapping each tensor name to
/// `{"dtype", "shape", "data_offsets"}` (plus an optional `__metadata__` object of strings), then the data
/// section. Offsets are relative to the start of the data section.
///
/// The tensors' `bytes` share memory with a private mapping of the file (no copy); the mapping stays alive as
/// long as any of them does. Each `bytes` value starts at index 0. Mutating `bytes` never changes the file.
// TODO: MAP_PRIVATE is not a snapshot: if another process truncates the file while it is mapped, touching the
// lost pages raises SIGBUS. Writers in this project replace files by rename (AtomicFile), which is safe.
public struct SafetensorsFile: Sendable {
    /// The largest header accepted, as in the reference implementation (100 MB).
    public static let maximumHeaderLength = 100_000_000

    /// The `__metadata__` object of the header; empty when the file has none.
    public let metadata: [String: String]
    /// All tensors, ordered by their position in the data section (ties broken by name).
    public let tensors: [StoredTensor]
    /// Position in `tensors` of each name.
    private let indexByName: [String: Int]

    /// Maps and validates the file at `path`.
    ///
    /// - Throws: `TorchError.unreadableFile` when the file cannot be opened or mapped,
    ///   `TorchError.malformedFile` when its content breaks the format.
    // TODO: duplicate keys in the JSON header are not detected; JSONSerialization keeps the last one.
    // TODO: holes between tensors and bytes after the last tensor are accepted (the reference rejects them).
    public init(path: String) throws(TorchError) {
        let (metadata, tensors) = try TorchError.converting({ .malformedFile(path: path, reason: "\($0)") }) {
            try Self.parse(try Self.map(path), path: path)
        }
        self.metadata = metadata
        self.tensors = tensors
        var indexByName: [String: Int] = [:]
        for (position, tensor) in tensors.enumerated() {
            indexByName[tensor.name] = position
        }
        self.indexByName = indexByName
    }

    /// The tensor called `name`, or `nil` when the file has none.
    public func tensor(named name: String) -> StoredTensor? {
        indexByName[name].map { tensors[$0] }
    }

    /// Writes `tensors` and `metadata` as a safetensors file at `path`, atomically replacing any existing file.
    ///
    /// The data section holds the tensors in the given order; the header is padded with spaces so that the
    /// data section starts at a multiple of 8 bytes.
    ///
    /// - Throws: `TorchError.invalidArgument` when a name repeats or is `__metadata__`, a dimension is negative,
    ///   or a tensor's byte count does not match its shape and dtype; `TorchError.unwritableFile` when the file
    ///   cannot be written.
    public static func write(_ tensors: [StoredTensor], metadata: [String: String] = [:], to path: String)
        throws(TorchError)
    {
        try TorchError.converting({ .unwritableFile(path: path, reason: "\($0)") }) {
            try writeUnchecked(tensors, metadata: metadata, to: path)
        }
    }

    private static func writeUnchecked(_ tensors: [StoredTensor], metadata: [String: String], to path: String) throws {
        var names = Set<String>()
        var entries: [String] = []
        var offset = 0
        for tensor in tensors {
            guard tensor.name != metadataKey else {
                throw TorchError.invalidArgument("a tensor cannot be named '\(metadataKey)'")
            }
            guard names.insert(tensor.name).inserted else {
                throw TorchError.invalidArgument("tensor name '\(tensor.name)' appears more than once")
            }
            guard let expected = byteCount(shape: tensor.shape, dtype: tensor.dtype) else {
                throw TorchError.invalidArgument(
                    "tensor '\(tensor.name)' has an invalid shape \(tensor.shape) (negative or too large)")
            }
            guard tensor.bytes.count == expected else {
                throw TorchError.invalidArgument(
                    "tensor '\(tensor.name)' of shape \(tensor.shape) and dtype \(tensor.dtype.safetensorsCode) "
                        + "needs \(expected) bytes but has \(tensor.bytes.count)")
            }
            let shape = tensor.shape.map(String.init).joined(separator: ",")
            entries.append(
                "\(JSONText.quoted(tensor.name)):{\"dtype\":\"\(tensor.dtype.safetensorsCode)\",\"shape\":[\(shape)],"
                    + "\"data_offsets\":[\(offset),\(offset + expected)]}")
            offset += expected
        }
        if !metadata.isEmpty {
            let pairs = metadata.sorted { $0.key < $1.key }.map {
                "\(JSONText.quoted($0.key)):\(JSONText.quoted($0.value))"
            }
            entries.insert("\"\(metadataKey)\":{\(pairs.joined(separator: ","))}", at: 0)
        }
        var header = Data("{\(entries.joined(separator: ","))}".utf8)
        header.append(contentsOf: repeatElement(UInt8(ascii: " "), count: (8 - header.count % 8) % 8))
        var length = Data(count: 8)
        for index in 0..<8 {
            length[index] = UInt8(truncatingIfNeeded: UInt64(header.count) >> (8 * UInt64(index)))
        }
        try AtomicFile.write(to: path) { writer in
            try writer.write(length)
            try writer.write(header)
            for tensor in tensors {
                try writer.write(tensor.bytes)
            }
        }
    }

    /// The header key that holds the free-form string metadata.
    private static let metadataKey = "__metadata__"

    /// Maps the whole file privately; the returned Data unmaps it when its storage is released.
    private static func map(_ path: String) throws -> Data {
        var fd: Int32
        repeat {
            fd = open(path, O_RDONLY | O_CLOEXEC)
        } while fd < 0 && errno == EINTR
        guard fd >= 0 else {
            throw TorchError.unreadableFile(path: path, reason: String(cString: strerror(errno)))
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw TorchError.unreadableFile(path: path, reason: String(cString: strerror(errno)))
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw TorchError.unreadableFile(path: path, reason: "not a regular file")
        }
        guard let size = Int(exactly: info.st_size), size >= 8 else {
            throw TorchError.malformedFile(
                path: path, reason: "the file holds \(info.st_size) bytes, fewer than the 8-byte header length")
        }
        // PROT_WRITE is deliberate: Data mutates a uniquely referenced no-copy buffer in place, which would
        // fault on a read-only mapping. With MAP_PRIVATE such writes go to private copy-on-write pages, never
        // to the file, and pages that are never written cost nothing extra.
        // TODO: under strict overcommit (vm.overcommit_memory=2) a writable private mapping is charged in full
        // against the commit limit, so files near that limit fail to map.
        guard let address = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0),
            address != UnsafeMutableRawPointer(bitPattern: -1)
        else {
            throw TorchError.unreadableFile(path: path, reason: "mmap failed: \(String(cString: strerror(errno)))")
        }
        return Data(bytesNoCopy: address, count: size, deallocator: .custom { _ = munmap($0, $1) })
    }

    /// Validates the header of a mapped file and slices out its tensors.
    private static func parse(_ contents: Data, path: String) throws -> ([String: String], [StoredTensor]) {
        func malformed(_ reason: String) -> TorchError {
            TorchError.malformedFile(path: path, reason: reason)
        }
        var declaredLength: UInt64 = 0
        for (index, byte) in contents.prefix(8).enumerated() {
            declaredLength |= UInt64(byte) << (8 * UInt64(index))
        }
        guard declaredLength <= UInt64(maximumHeaderLength) else {
            throw malformed("header length \(declaredLength) exceeds the limit of \(maximumHeaderLength) bytes")
        }
        let headerLength = Int(declaredLength)
        guard headerLength <= contents.count - 8 else {
            throw malformed(
                "header length \(headerLength) is larger than the \(contents.count - 8) bytes after the length field")
        }
        let dataStart = 8 + headerLength
        let dataLength = contents.count - dataStart
        let json: Any
        do {
            json = try JSONSerialization.jsonObject(with: contents[8..<dataStart])
        } catch {
            let detail = (error as NSError).userInfo[NSDebugDescriptionErrorKey] as? String ?? "\(error)"
            throw malformed("header is not valid JSON: \(detail)")
        }
        guard let header = json as? [String: Any] else {
            throw malformed("header is not a JSON object")
        }

        var metadata: [String: String] = [:]
        var located: [(begin: Int, end: Int, tensor: StoredTensor)] = []
        for (name, value) in header {
            if name == metadataKey {
                guard let object = value as? [String: Any] else {
                    throw malformed("'\(metadataKey)' is not a JSON object")
                }
                for (key, item) in object {
                    guard let text = item as? String else {
                        throw malformed("'\(metadataKey)' value for key '\(key)' is not a string")
                    }
                    metadata[key] = text
                }
                continue
            }
            guard let entry = value as? [String: Any] else {
                throw malformed("entry for tensor '\(name)' is not a JSON object")
            }
            guard let code = entry["dtype"] else {
                throw malformed("tensor '\(name)' has no dtype")
            }
            guard let codeText = code as? String else {
                throw malformed("tensor '\(name)' has a dtype that is not a string")
            }
            guard let dtype = DType(safetensorsCode: codeText) else {
                throw malformed("tensor '\(name)' has unknown dtype '\(codeText)'")
            }
            guard let shapeValue = entry["shape"] else {
                throw malformed("tensor '\(name)' has no shape")
            }
            guard let shapeItems = shapeValue as? [Any] else {
                throw malformed("tensor '\(name)' has a shape that is not an array")
            }
            var shape: [Int] = []
            for item in shapeItems {
                guard let dimension = integer(item) else {
                    throw malformed("tensor '\(name)' has a shape dimension that is not an integer: \(item)")
                }
                guard dimension >= 0 else {
                    throw malformed("tensor '\(name)' has a negative shape dimension \(dimension)")
                }
                shape.append(dimension)
            }
            guard let expected = byteCount(shape: shape, dtype: dtype) else {
                throw malformed("tensor '\(name)' has shape \(shape) whose size in bytes overflows")
            }
            guard let offsetsValue = entry["data_offsets"] else {
                throw malformed("tensor '\(name)' has no data_offsets")
            }
            guard let offsetItems = offsetsValue as? [Any], offsetItems.count == 2,
                let begin = integer(offsetItems[0]), let end = integer(offsetItems[1])
            else {
                throw malformed("tensor '\(name)' has data_offsets that are not two integers [begin, end]")
            }
            guard begin >= 0, begin <= end else {
                throw malformed(
                    "tensor '\(name)' has data_offsets [\(begin), \(end)]; expected 0 <= begin <= end")
            }
            guard end <= dataLength else {
                throw malformed(
                    "header says tensor '\(name)' ends at byte \(end) but the data section holds \(dataLength) bytes")
            }
            guard end - begin == expected else {
                throw malformed(
                    "tensor '\(name)' of shape \(shape) and dtype \(codeText) needs \(expected) bytes "
                        + "but its data_offsets [\(begin), \(end)] span \(end - begin)")
            }
            located.append((begin, end, StoredTensor(name: name, dtype: dtype, shape: shape, bytes: Data())))
        }

        located.sort { ($0.begin, $0.end, $0.tensor.name) < ($1.begin, $1.end, $1.tensor.name) }
        var previous: (name: String, end: Int)?
        for entry in located {
            if let previous, entry.begin < previous.end {
                throw malformed(
                    "tensor '\(entry.tensor.name)' starts at byte \(entry.begin) and overlaps tensor "
                        + "'\(previous.name)', which ends at byte \(previous.end)")
            }
            // Sorted by begin, and no overlap so far: this tensor ends at or after every earlier one.
            previous = (entry.tensor.name, entry.end)
        }

        let tensors = located.map { entry in
            var tensor = entry.tensor
            tensor.bytes = slice(contents, from: dataStart + entry.begin, count: entry.end - entry.begin)
            return tensor
        }
        return (metadata, tensors)
    }

    /// A zero-based Data over `count` bytes of `contents` starting at `start`, sharing its memory.
    ///
    /// The caller has checked that the range lies inside `contents`.
    private static func slice(_ contents: Data, from start: Int, count: Int) -> Data {
        guard count > 0 else { return Data() }
        return contents.withUnsafeBytes { buffer -> Data in
            guard let base = buffer.baseAddress else { return Data() }
            // The deallocator owns a reference to `contents`, which keeps the mapping alive.
            return Data(
                bytesNoCopy: UnsafeMutableRawPointer(mutating: base + start), count: count,
                deallocator: .custom { _, _ in withExtendedLifetime(contents) {} })
        }
    }

    /// The number of bytes a tensor of `shape` and `dtype` occupies, or `nil` when a dimension is negative or
    /// the product overflows.
    private static func byteCount(shape: [Int], dtype: DType) -> Int? {
        var total = dtype.byteWidth
        for dimension in shape {
            guard dimension >= 0 else { return nil }
            let (product, overflow) = total.multipliedReportingOverflow(by: dimension)
            guard !overflow else { return nil }
            total = product
        }
        return total
    }

    /// The value of a JSON number that is an integer representable as `Int`; `nil` for booleans, fractions,
    /// out-of-range numbers and anything that is not a number.
    private static func integer(_ value: Any) -> Int? {
        guard let number = value as? NSNumber, !(number is NSDecimalNumber) else { return nil }
        switch String(cString: number.objCType) {
        case "i", "l", "q", "s":
            return Int(exactly: number.int64Value)
        case "I", "L", "Q", "S":
            return Int(exactly: number.uint64Value)
        default:
            // "c" is a JSON boolean; "d" and "f" are numbers written with a fraction or an exponent.
            return nil
        }
    }

}
