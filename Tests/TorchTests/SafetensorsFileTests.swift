import Foundation
import Testing
import Torch

/// A fresh empty directory for one test, removed by `remove()`.
private struct TensorDirectory {
    /// Absolute path of the directory.
    let path: String

    /// Creates a uniquely named directory under the system's temporary directory.
    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    /// Writes `bytes` as the file `name` and returns its path.
    func file(_ name: String, _ bytes: [UInt8]) throws -> String {
        let filePath = path + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: filePath))
        return filePath
    }

    /// Deletes the directory and everything in it.
    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}

/// A safetensors file built by hand: the 8-byte little-endian length of `header`, `header`, then `data`.
private func handBuilt(header: String, data: [UInt8] = []) -> [UInt8] {
    let json = [UInt8](header.utf8)
    var bytes = (0..<8).map { UInt8(truncatingIfNeeded: UInt64(json.count) >> (8 * UInt64($0))) }
    bytes += json
    bytes += data
    return bytes
}

/// Little-endian bytes of an 8-byte length followed by `tail`, for files whose length field lies.
private func lengthPrefixed(_ length: UInt64, _ tail: [UInt8]) -> [UInt8] {
    (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) } + tail
}

/// The little-endian bytes of `values`.
private func littleEndian<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
    values.flatMap { value in
        (0..<MemoryLayout<T>.size).map { UInt8(truncatingIfNeeded: value.littleEndian >> (8 * $0)) }
    }
}

/// The address of the first byte of `data`, to compare memory sharing.
private func address(of data: Data) -> Int {
    data.withUnsafeBytes { Int(bitPattern: $0.baseAddress) }
}

/// A malformed file and the words its error reason must contain.
struct MalformedCase: Sendable, CustomTestStringConvertible {
    /// What the case breaks.
    let label: String
    /// The complete file content.
    let bytes: [UInt8]
    /// Substrings expected in the `malformedFile` reason.
    let keywords: [String]

    /// The label shown by the test runner.
    var testDescription: String { label }

    /// A case whose file is `header` in a well-formed frame followed by `data`.
    init(_ label: String, header: String, data: [UInt8] = [], _ keywords: [String]) {
        self.init(label, bytes: handBuilt(header: header, data: data), keywords)
    }

    /// A case with a raw file content.
    init(_ label: String, bytes: [UInt8], _ keywords: [String]) {
        self.label = label
        self.bytes = bytes
        self.keywords = keywords
    }
}

/// A header entry for tensor `x` with the given raw JSON fields.
private func entry(_ fields: String) -> String {
    "{\"x\":{\(fields)}}"
}

private let malformedCases: [MalformedCase] = [
    MalformedCase("empty file", bytes: [], ["holds 0 bytes", "8-byte header length"]),
    MalformedCase("short file", bytes: [1, 0, 0, 0, 0], ["holds 5 bytes"]),
    MalformedCase("header past end", bytes: lengthPrefixed(100, Array("{}".utf8)), ["header length 100", "2 bytes"]),
    MalformedCase("header over 100 MB", bytes: lengthPrefixed(200_000_000, []), ["200000000", "100000000"]),
    MalformedCase("length UInt64.max", bytes: lengthPrefixed(.max, Array("{}".utf8)), ["exceeds the limit"]),
    MalformedCase("broken JSON", header: "{\"x\":", ["not valid JSON"]),
    MalformedCase("invalid UTF-8", bytes: lengthPrefixed(4, [0x7B, 0x22, 0xFF, 0x7D]), ["not valid JSON"]),
    MalformedCase("deep nesting", header: String(repeating: "[", count: 5000), ["not valid JSON"]),
    MalformedCase("array header", header: "[1, 2]", ["header is not a JSON object"]),
    MalformedCase("entry not object", header: "{\"x\":3}", ["'x'", "not a JSON object"]),
    MalformedCase("no dtype", header: entry("\"shape\":[],\"data_offsets\":[0,4]"), ["'x'", "no dtype"]),
    MalformedCase("dtype number", header: entry("\"dtype\":4"), ["'x'", "dtype that is not a string"]),
    MalformedCase("unknown dtype", header: entry("\"dtype\":\"F8_E4M3\""), ["'x'", "unknown dtype 'F8_E4M3'"]),
    MalformedCase("no shape", header: entry("\"dtype\":\"F32\",\"data_offsets\":[0,4]"), ["'x'", "no shape"]),
    MalformedCase("shape object", header: entry("\"dtype\":\"F32\",\"shape\":{}"), ["'x'", "not an array"]),
    MalformedCase("fraction dim", header: entry("\"dtype\":\"F32\",\"shape\":[1.5]"), ["'x'", "not an integer"]),
    MalformedCase("float dim", header: entry("\"dtype\":\"F32\",\"shape\":[2.0]"), ["'x'", "not an integer"]),
    MalformedCase("bool dim", header: entry("\"dtype\":\"F32\",\"shape\":[true]"), ["'x'", "not an integer"]),
    MalformedCase("string dim", header: entry("\"dtype\":\"F32\",\"shape\":[\"2\"]"), ["'x'", "not an integer"]),
    MalformedCase(
        "dim over Int.max", header: entry("\"dtype\":\"F32\",\"shape\":[18446744073709551615]"),
        ["'x'", "not an integer"]),
    MalformedCase(
        "dim beyond UInt64", header: entry("\"dtype\":\"F32\",\"shape\":[99999999999999999999999]"),
        ["'x'", "not an integer"]),
    MalformedCase("negative dim", header: entry("\"dtype\":\"F32\",\"shape\":[2,-3]"), ["'x'", "negative", "-3"]),
    MalformedCase(
        "size overflow", header: entry("\"dtype\":\"F32\",\"shape\":[4611686018427387904,4]"),
        ["'x'", "overflows"]),
    MalformedCase("no data_offsets", header: entry("\"dtype\":\"F32\",\"shape\":[1]"), ["'x'", "no data_offsets"]),
    MalformedCase(
        "three offsets", header: entry("\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]"),
        ["'x'", "[begin, end]"]),
    MalformedCase(
        "offsets string", header: entry("\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":\"0-4\""),
        ["'x'", "[begin, end]"]),
    MalformedCase(
        "begin after end", header: entry("\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[8,4]"), data: [0, 0],
        ["'x'", "[8, 4]", "begin <= end"]),
    MalformedCase(
        "negative begin", header: entry("\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-4,4]"),
        data: [UInt8](repeating: 0, count: 8), ["'x'", "[-4, 4]"]),
    MalformedCase(
        "end past data", header: entry("\"dtype\":\"F32\",\"shape\":[4],\"data_offsets\":[0,16]"),
        data: [UInt8](repeating: 0, count: 8),
        ["header says tensor 'x' ends at byte 16 but the data section holds 8 bytes"]),
    MalformedCase(
        "byte count mismatch", header: entry("\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]"),
        data: [UInt8](repeating: 0, count: 8), ["'x'", "needs 12 bytes", "span 8"]),
    MalformedCase(
        "overlap",
        header: "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
            + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}",
        data: [UInt8](repeating: 0, count: 12), ["'b'", "starts at byte 4", "overlaps", "'a'", "ends at byte 8"]),
    MalformedCase(
        "empty tensor inside another",
        header: "{\"a\":{\"dtype\":\"I8\",\"shape\":[8],\"data_offsets\":[0,8]},"
            + "\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]}}",
        data: [UInt8](repeating: 0, count: 8), ["'e'", "overlaps", "'a'"]),
    MalformedCase("metadata number", header: "{\"__metadata__\":3}", ["__metadata__", "not a JSON object"]),
    MalformedCase("metadata null", header: "{\"__metadata__\":null}", ["__metadata__", "not a JSON object"]),
    MalformedCase(
        "metadata value not string", header: "{\"__metadata__\":{\"epoch\":1}}", ["'epoch'", "not a string"]),
]

@Suite("SafetensorsFile")
struct SafetensorsFileTests {
    /// One tensor of every dtype plus a scalar and two empty tensors, with distinctive bytes.
    static func sampleTensors() -> [StoredTensor] {
        var tensors: [StoredTensor] = []
        for (index, dtype) in DType.allCases.enumerated() {
            let shape = [2, 3]
            let count = 6 * dtype.byteWidth
            let bytes: [UInt8] =
                dtype == .bool
                ? [1, 0, 0, 1, 1, 0]
                : (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ index &* 11 &+ 5) }
            tensors.append(
                StoredTensor(name: "layer.\(index).\(dtype)", dtype: dtype, shape: shape, bytes: Data(bytes)))
        }
        let pi = Data(littleEndian([Double.pi.bitPattern]))
        tensors.append(StoredTensor(name: "scalar", dtype: .float64, shape: [], bytes: pi))
        tensors.append(StoredTensor(name: "empty", dtype: .float32, shape: [0, 4], bytes: Data()))
        tensors.append(StoredTensor(name: "tail \"quoted\"", dtype: .int8, shape: [3], bytes: Data([0x80, 0x7F, 0])))
        tensors.append(StoredTensor(name: "z.empty", dtype: .int16, shape: [3, 0], bytes: Data()))
        return tensors
    }

    @Test("round trip of every dtype, a scalar and empty tensors, with metadata")
    func roundTrip() throws {
        let directory = try TensorDirectory()
        defer { directory.remove() }
        let path = directory.path + "/model.safetensors"
        let tensors = Self.sampleTensors()
        let metadata = ["format": "pt", "note": "quote \" backslash \\ newline \n ctrl \u{1} é 🙂", "": "empty key"]
        try SafetensorsFile.write(tensors, metadata: metadata, to: path)

        let file = try SafetensorsFile(path: path)
        #expect(file.metadata == metadata)
        #expect(file.tensors.map(\.name) == tensors.map(\.name))
        for expected in tensors {
            let actual = try #require(file.tensor(named: expected.name))
            #expect(actual.dtype == expected.dtype)
            #expect(actual.shape == expected.shape)
            #expect(actual.bytes == expected.bytes)
            #expect(actual.bytes.startIndex == 0)
        }
        #expect(file.tensor(named: "missing") == nil)
        let scalar = try #require(file.tensor(named: "scalar"))
        #expect(scalar.elementCount == 1)
        #expect(scalar.bytes.withUnsafeBytes { $0.loadUnaligned(as: UInt64.self) } == Double.pi.bitPattern)
        #expect(try #require(file.tensor(named: "empty")).bytes.isEmpty)
    }

    @Test("the written file matches the format when parsed independently")
    func independentParse() throws {
        let directory = try TensorDirectory()
        defer { directory.remove() }
        let path = directory.path + "/check.safetensors"
        let tensors = Self.sampleTensors()
        try SafetensorsFile.write(tensors, metadata: ["k": "v"], to: path)

        let raw = try #require(FileManager.default.contents(atPath: path))
        let headerLength = raw.prefix(8).reversed().reduce(0) { $0 << 8 | Int($1) }
        #expect(headerLength % 8 == 0)
        let headerBytes = raw[8..<(8 + headerLength)]
        #expect(headerBytes.first == UInt8(ascii: "{"))
        let header = try #require(try JSONSerialization.jsonObject(with: headerBytes) as? [String: Any])
        #expect(header["__metadata__"] as? [String: String] == ["k": "v"])
        #expect(header.count == tensors.count + 1)
        let dataSection = raw[(8 + headerLength)...]
        var offset = 0
        for tensor in tensors {
            let entry = try #require(header[tensor.name] as? [String: Any])
            #expect(entry["dtype"] as? String == tensor.dtype.safetensorsCode)
            #expect(entry["shape"] as? [Int] == tensor.shape)
            let offsets = try #require(entry["data_offsets"] as? [Int])
            #expect(offsets == [offset, offset + tensor.bytes.count])
            let start = dataSection.startIndex + offset
            #expect(Data(dataSection[start..<(start + tensor.bytes.count)]) == tensor.bytes)
            offset += tensor.bytes.count
        }
        #expect(dataSection.count == offset)
    }

    @Test("reads a file built byte by byte as the format describes")
    func readsHandBuiltFile() throws {
        let directory = try TensorDirectory()
        defer { directory.remove() }
        // Header order differs from data order; no padding; metadata in the middle.
        let header =
            "{\"weight\":{\"dtype\":\"F32\",\"shape\":[2,1],\"data_offsets\":[8,16]},"
            + "\"__metadata__\":{\"format\":\"pt\"},"
            + "\"bias\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]},"
            + "\"mask\":{\"dtype\":\"BOOL\",\"shape\":[3],\"data_offsets\":[16,19]}}"
        let data = littleEndian([Int64(-3)]) + littleEndian([Float(1.5).bitPattern, Float(-2).bitPattern]) + [1, 0, 1]
        let path = try directory.file("hand.safetensors", handBuilt(header: header, data: data))

        let file = try SafetensorsFile(path: path)
        #expect(file.metadata == ["format": "pt"])
        #expect(file.tensors.map(\.name) == ["bias", "weight", "mask"])
        let bias = try #require(file.tensor(named: "bias"))
        #expect(bias.dtype == .int64)
        #expect(bias.shape == [])
        #expect(bias.bytes.withUnsafeBytes { Int64(littleEndian: $0.loadUnaligned(as: Int64.self)) } == -3)
        let weight = try #require(file.tensor(named: "weight"))
        #expect(weight.dtype == .float32)
        #expect(weight.shape == [2, 1])
        let floats = weight.bytes.withUnsafeBytes { buffer in
            (0..<2).map { index in
                let bits = buffer.loadUnaligned(fromByteOffset: 4 * index, as: UInt32.self)
                return Float(bitPattern: UInt32(littleEndian: bits))
            }
        }
        #expect(floats == [1.5, -2])
        let mask = try #require(file.tensor(named: "mask"))
        #expect(mask.dtype == .bool)
        #expect(mask.bytes == Data([1, 0, 1]))
    }

    @Test("a file with an empty header and padding has no tensors")
    func emptyFile() throws {
        let directory = try TensorDirectory()
        defer { directory.remove() }
        let path = try directory.file("empty.safetensors", handBuilt(header: "{}      "))
        let file = try SafetensorsFile(path: path)
        #expect(file.tensors.isEmpty)
        #expect(file.metadata.isEmpty)

        let written = directory.path + "/written.safetensors"
        try SafetensorsFile.write([], to: written)
        #expect(FileManager.default.contents(atPath: written) == Data(handBuilt(header: "{}      ")))
        #expect(try SafetensorsFile(path: written).tensors.isEmpty)
    }

    @Test("tensor bytes share one mapping without copying")
    func bytesAreZeroCopy() throws {
        let directory = try TensorDirectory()
        defer { directory.remove() }
        let path = directory.path + "/shared.safetensors"
        let first = Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        let second = Data((0..<1024).map { UInt8(truncatingIfNeeded: $0 &* 3) })
        try SafetensorsFile.write(
            [
                StoredTensor(name: "first", dtype: .float32, shape: [1024], bytes: first),
                StoredTensor(name: "second", dtype: .int64, shape: [128], bytes: second),
            ], to: path)
        let file = try SafetensorsFile(path: path)
        let a = try #require(file.tensor(named: "first")).bytes
        let b = try #require(file.tensor(named: "second")).bytes
        #expect(a == first)
        #expect(b == second)
        // Separate copies would not sit exactly as far apart as the offsets in the file.
        #expect(address(of: b) - address(of: a) == 4096)
    }

    @Test("tensor bytes outlive the file value and the file's deletion, and mutate without touching the file")
    func bytesKeepMappingAlive() throws {
        let directory = try TensorDirectory()
        defer { directory.remove() }
        let path = directory.path + "/alive.safetensors"
        let payload = Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 7) })
        try SafetensorsFile.write(
            [StoredTensor(name: "w", dtype: .uint8, shape: [4096], bytes: payload)], to: path)
        let original = try #require(FileManager.default.contents(atPath: path))
        var bytes = Data()
        do {
            let file = try SafetensorsFile(path: path)
            bytes = try #require(file.tensor(named: "w")).bytes
        }
        // `bytes` is now the only reference to its buffer, so Data mutates it in place.
        bytes[0] = 0xAB
        bytes[4095] = 0xCD
        #expect(bytes[0] == 0xAB)
        #expect(bytes[4095] == 0xCD)
        #expect(bytes[1...4094] == payload[1...4094])
        #expect(FileManager.default.contents(atPath: path) == original)
        #expect(try SafetensorsFile(path: path).tensor(named: "w")?.bytes == payload)
        try FileManager.default.removeItem(atPath: path)
        #expect(bytes[1...4094] == payload[1...4094])
    }

    @Test("malformed files are rejected with a reason naming the problem", arguments: malformedCases)
    func rejectsMalformed(_ testCase: MalformedCase) throws {
        let directory = try TensorDirectory()
        defer { directory.remove() }
        let path = try directory.file("bad.safetensors", testCase.bytes)
        let error = try #require(throws: TorchError.self) {
            try SafetensorsFile(path: path)
        }
        guard case .malformedFile(let errorPath, let reason) = error else {
            Issue.record("expected malformedFile, got \(error)")
            return
        }
        #expect(errorPath == path)
        for keyword in testCase.keywords {
            #expect(reason.contains(keyword), "reason '\(reason)' lacks '\(keyword)'")
        }
    }

    @Test("corrupted and truncated files throw TorchError and never crash")
    func survivesCorruption() throws {
        let directory = try TensorDirectory()
        defer { directory.remove() }
        let source = directory.path + "/source.safetensors"
        try SafetensorsFile.write(Self.sampleTensors(), metadata: ["k": "v"], to: source)
        let valid = [UInt8](try #require(FileManager.default.contents(atPath: source)))
        // A fixed linear congruential generator keeps the run reproducible.
        var state: UInt64 = 0x5EED
        func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
        var accepted = 0
        for round in 0..<400 {
            var bytes = valid
            if round % 4 == 0 {
                bytes.removeLast(next(bytes.count))
            } else {
                for _ in 0...next(4) {
                    bytes[next(min(bytes.count, 512))] = UInt8(truncatingIfNeeded: next(256))
                }
            }
            let path = try directory.file("fuzz.safetensors", bytes)
            do {
                let file = try SafetensorsFile(path: path)
                for tensor in file.tensors {
                    #expect(tensor.bytes.count == tensor.elementCount * tensor.dtype.byteWidth)
                }
                accepted += 1
            } catch {
                continue  // A TorchError: the typed throw guarantees nothing else arrives here.
            }
        }
        #expect(accepted < 400)
    }

    @Test("a missing file gives unreadableFile with the system's reason")
    func missingFile() throws {
        let directory = try TensorDirectory()
        defer { directory.remove() }
        let path = directory.path + "/nothing.safetensors"
        #expect(throws: TorchError.unreadableFile(path: path, reason: "No such file or directory")) {
            try SafetensorsFile(path: path)
        }
        #expect(throws: TorchError.unreadableFile(path: directory.path, reason: "not a regular file")) {
            try SafetensorsFile(path: directory.path)
        }
    }

    @Test("write rejects tensors that do not fit together and leaves no file")
    func writeValidates() throws {
        let directory = try TensorDirectory()
        defer { directory.remove() }
        let path = directory.path + "/invalid.safetensors"
        let good = StoredTensor(name: "a", dtype: .int32, shape: [2], bytes: Data(count: 8))
        let invalid: [[StoredTensor]] = [
            [good, StoredTensor(name: "a", dtype: .int8, shape: [1], bytes: Data(count: 1))],
            [StoredTensor(name: "b", dtype: .float32, shape: [3], bytes: Data(count: 8))],
            [StoredTensor(name: "c", dtype: .float32, shape: [-1], bytes: Data())],
            [StoredTensor(name: "d", dtype: .float64, shape: [Int.max, 2], bytes: Data())],
            [StoredTensor(name: "__metadata__", dtype: .uint8, shape: [0], bytes: Data())],
        ]
        for tensors in invalid {
            let error = try #require(throws: TorchError.self) {
                try SafetensorsFile.write(tensors, to: path)
            }
            guard case .invalidArgument(let reason) = error else {
                Issue.record("expected invalidArgument, got \(error)")
                continue
            }
            #expect(reason.contains("'\(tensors.last?.name ?? "")'"))
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }
}
