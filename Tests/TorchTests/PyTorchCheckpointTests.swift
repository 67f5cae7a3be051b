import Foundation
import TestSupport
import Testing
import Torch

/// Tests of `PyTorchCheckpoint` on the YOLOv7 fixtures and on malformed files made from them or by hand.
struct PyTorchCheckpointTests {
    private static let moduleFile = "yolov7-tiny-nc3.pt"
    private static let stateDictFile = "yolov7-tiny-nc3.state_dict.pt"

    /// Both fixtures give exactly the table's keys, in order, with its shapes (head rows at nc=3).
    @Test(arguments: [moduleFile, stateDictFile])
    func keysAndShapesMatchTheTable(file: String) throws {
        let expected = try CheckpointFixtures.expectedKeys()
        let checkpoint = try PyTorchCheckpoint.read(path: CheckpointFixtures.path(file))
        #expect(checkpoint.tensors.count == expected.count)
        #expect(checkpoint.tensors.map(\.name) == expected.map(\.name))
        for (tensor, row) in zip(checkpoint.tensors, expected) {
            #expect(tensor.shape == row.shape, "shape of \(tensor.name)")
            #expect(tensor.bytes.count == tensor.elementCount * tensor.dtype.byteWidth, "bytes of \(tensor.name)")
        }
    }

    /// The fp16 module read with `halfToFloat` equals the fp32 state_dict up to fp16 rounding, tensor by tensor.
    @Test func halfModuleConvertedToFloatMatchesTheFloatStateDict() throws {
        let module = try PyTorchCheckpoint.read(path: CheckpointFixtures.path(Self.moduleFile), halfToFloat: true)
        let reference = try PyTorchCheckpoint.read(path: CheckpointFixtures.path(Self.stateDictFile))
        try #require(module.tensors.map(\.name) == reference.tensors.map(\.name))
        var compared = 0
        for (tensor, expected) in zip(module.tensors, reference.tensors) {
            #expect(tensor.shape == expected.shape, "shape of \(tensor.name)")
            if expected.dtype == .int64 {
                #expect(tensor.dtype == .int64, "dtype of \(tensor.name)")
                #expect(tensor.bytes == expected.bytes, "values of \(tensor.name)")
                continue
            }
            #expect(tensor.dtype == .float32, "dtype of \(tensor.name)")
            #expect(expected.dtype == .float32, "reference dtype of \(tensor.name)")
            let values = floats(tensor.bytes)
            let references = floats(expected.bytes)
            try #require(values.count == references.count, "element count of \(tensor.name)")
            var mismatches: [String] = []
            for (value, reference) in zip(values, references) {
                let rounded = Float(Float16(reference))
                let close = abs(value - reference) <= 1e-3 * abs(reference) + 1e-6
                if value != rounded && !close { mismatches.append("\(value) vs \(reference)") }
            }
            #expect(mismatches.isEmpty, "\(tensor.name): \(mismatches.count) mismatches, e.g. \(mismatches.prefix(3))")
            compared += values.count
        }
        #expect(compared > 6_000_000)
        let batches = try #require(module.tensors.first { $0.name == "model.0.bn.num_batches_tracked" })
        #expect(batches.shape.isEmpty && batches.bytes.count == 8)
    }

    /// Without conversion the module's weights are float16 and its counters int64; the state_dict is float32.
    @Test func moduleWeightsStayHalfWithoutConversion() throws {
        let module = try PyTorchCheckpoint.read(path: CheckpointFixtures.path(Self.moduleFile))
        let weights = module.tensors.filter { $0.name.hasSuffix(".weight") }
        #expect(weights.count > 50)
        #expect(weights.allSatisfy { $0.dtype == .float16 })
        let counters = module.tensors.filter { $0.name.hasSuffix("num_batches_tracked") }
        #expect(!counters.isEmpty && counters.allSatisfy { $0.dtype == .int64 })
        let stateDict = try PyTorchCheckpoint.read(path: CheckpointFixtures.path(Self.stateDictFile))
        #expect(stateDict.tensors.filter(\.dtype.isFloatingPoint).allSatisfy { $0.dtype == .float32 })
    }

    /// Metadata names the kind, the root class, the checkpoint's scalars and the module's plain attributes.
    @Test func metadataDescribesBothKinds() throws {
        let module = try PyTorchCheckpoint.read(path: CheckpointFixtures.path(Self.moduleFile)).metadata
        #expect(module["kind"] == "module")
        #expect(module["root_class"] == "models.yolo.Model")
        #expect(module["epoch"] == "-1")
        #expect(module["nc"] == "3")
        #expect(module["names"] == #"["class0","class1","class2"]"#)
        #expect(module["yaml"]?.hasPrefix("{\"nc\":3,") == true)
        let stateDict = try PyTorchCheckpoint.read(path: CheckpointFixtures.path(Self.stateDictFile)).metadata
        #expect(stateDict["kind"] == "state_dict")
        #expect(stateDict["root_class"] == "collections.OrderedDict")
    }

    /// Storage offsets and strides are honoured and the elements copied out in row-major order.
    @Test func stridedViewsAreMaterialisedRowMajor() throws {
        let directory = try ScratchFolder()
        let storage = (0..<12).flatMap { withUnsafeBytes(of: Float($0).bitPattern.littleEndian, Array.init) }
        var pickle = PickleScript()
        pickle.stateDict([
            ("transposed", "0", 12, 1, [2, 3], [1, 2]),
            ("slice", "0", 12, 6, [2], [1]),
            ("scalar", "0", 12, 11, [], []),
        ])
        let path = directory.write(
            "views.pt",
            StoredZip.make([("archive/data.pkl", pickle.bytes), ("archive/data/0", storage)]))
        let checkpoint = try PyTorchCheckpoint.read(path: path)
        #expect(checkpoint.tensors.map(\.name) == ["transposed", "slice", "scalar"])
        #expect(checkpoint.tensors.map(\.shape) == [[2, 3], [2], []])
        #expect(checkpoint.tensors.map { floats($0.bytes) } == [[1, 3, 5, 2, 4, 6], [6, 7], [11]])
        #expect(checkpoint.metadata["kind"] == "state_dict")
    }

    /// A view reaching past the end of its storage is malformed.
    @Test func viewBeyondItsStorageIsRejected() throws {
        let directory = try ScratchFolder()
        var pickle = PickleScript()
        pickle.stateDict([("tail", "0", 12, 10, [3], [1])])
        let storage = [UInt8](repeating: 0, count: 48)
        let path = directory.write(
            "beyond.pt", StoredZip.make([("archive/data.pkl", pickle.bytes), ("archive/data/0", storage)]))
        let reason = try #require(malformedReason(path))
        #expect(reason.contains("reaches element 12"), "\(reason)")
    }

    /// A file cut to half its size or to 100 bytes has no end of central directory record.
    @Test(arguments: [0.5, 100])
    func truncatedArchiveIsMalformed(keep: Double) throws {
        let directory = try ScratchFolder()
        let original = try Data(contentsOf: URL(fileURLWithPath: CheckpointFixtures.path(Self.moduleFile)))
        let length = keep < 1 ? Int(Double(original.count) * keep) : Int(keep)
        let path = directory.write("cut.pt", original.prefix(length))
        let reason = try #require(malformedReason(path))
        #expect(reason.contains("end of central directory"), "\(reason)")
    }

    /// A central directory offset past the end of the file is reported with both numbers.
    @Test func centralDirectoryBeyondTheFileIsMalformed() throws {
        let directory = try ScratchFolder()
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: CheckpointFixtures.path(Self.stateDictFile))))
        let end = try #require(lastIndex(of: [0x50, 0x4B, 0x05, 0x06], in: bytes))
        let offset = UInt32(bytes.count + 1000)
        for index in 0..<4 { bytes[end + 16 + index] = UInt8(truncatingIfNeeded: offset >> (8 * index)) }
        let path = directory.write("offset.pt", Data(bytes))
        let reason = try #require(malformedReason(path))
        #expect(reason.contains("central directory offset \(offset) lies beyond the end of the file"), "\(reason)")
    }

    /// An opcode the unpickler does not know is named in hex with its offset in data.pkl.
    @Test func unsupportedOpcodeIsNamedWithItsOffset() throws {
        let directory = try ScratchFolder()
        let path = directory.write("opcode.pt", StoredZip.make([("archive/data.pkl", [0x80, 0x02, 0xFF, 0x2E])]))
        let reason = try #require(malformedReason(path))
        #expect(reason.contains("unsupported opcode 0xff at offset 2"), "\(reason)")
    }

    /// A storage key without its `data/<key>` record is reported by record name.
    @Test func missingStorageRecordIsNamed() throws {
        let directory = try ScratchFolder()
        var pickle = PickleScript()
        pickle.stateDict([("weight", "5", 4, 0, [4], [1])])
        let path = directory.write(
            "missing.pt", StoredZip.make([("archive/data.pkl", pickle.bytes), ("archive/version", Array("3\n".utf8))]))
        let reason = try #require(malformedReason(path))
        #expect(reason.contains("storage record 'archive/data/5' is missing"), "\(reason)")
    }

    /// A deflated entry is refused with its name and method.
    @Test func compressedEntryIsRejected() throws {
        let directory = try ScratchFolder()
        let path = directory.write("deflated.pt", StoredZip.make([("archive/data.pkl", [0x03, 0x00])], method: 8))
        let reason = try #require(malformedReason(path))
        #expect(reason.contains("entry 'archive/data.pkl' is compressed (method 8)"), "\(reason)")
    }

    /// An empty file is malformed.
    @Test func emptyFileIsMalformed() throws {
        let directory = try ScratchFolder()
        let reason = try #require(malformedReason(directory.write("empty.pt", Data())))
        #expect(reason.contains("empty"), "\(reason)")
    }

    /// Random bytes are not a zip archive.
    @Test func randomBytesAreMalformed() throws {
        let directory = try ScratchFolder()
        var generator = SplitMix64(seed: 42)
        let noise = (0..<4096).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let reason = try #require(malformedReason(directory.write("noise.pt", Data(noise))))
        #expect(reason.contains("end of central directory"), "\(reason)")
    }

    /// A path that does not exist is unreadable, with the system's text.
    @Test func missingFileIsUnreadable() {
        let path = "/nonexistent-\(UUID().uuidString)/model.pt"
        #expect(throws: TorchError.unreadableFile(path: path, reason: String(cString: strerror(ENOENT)))) {
            try PyTorchCheckpoint.read(path: path)
        }
    }
}

// MARK: - Helpers

/// The reason of the `TorchError.malformedFile` that reading `path` throws, or nil when it does not.
private func malformedReason(_ path: String) -> String? {
    do {
        _ = try PyTorchCheckpoint.read(path: path)
        return nil
    } catch TorchError.malformedFile(_, let reason) {
        return reason
    } catch {
        return "unexpected error \(error)"
    }
}

/// The little-endian `float32` elements of `bytes`.
private func floats(_ bytes: Data) -> [Float] {
    var values = [Float](repeating: 0, count: bytes.count / 4)
    _ = values.withUnsafeMutableBytes { bytes.copyBytes(to: $0) }
    return values
}

/// The start of the last occurrence of `pattern` in `bytes`.
private func lastIndex(of pattern: [UInt8], in bytes: [UInt8]) -> Int? {
    stride(from: bytes.count - pattern.count, through: 0, by: -1).first {
        Array(bytes[$0..<$0 + pattern.count]) == pattern
    }
}

/// The shared fixture folder and the expected state_dict table.
private enum CheckpointFixtures {
    /// A fixture could not be found.
    struct Missing: Error, CustomStringConvertible {
        /// What is missing and where it was looked for.
        let description: String
    }

    /// The folder from `DETECTD_FIXTURES`, or `shared/yolov7` in the nearest ancestor of this file holding it.
    static func directory() throws -> URL {
        if let configured = ProcessInfo.processInfo.environment["DETECTD_FIXTURES"], !configured.isEmpty {
            return URL(fileURLWithPath: configured)
        }
        var folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        while folder.path != "/" {
            let candidate = folder.appendingPathComponent("shared/yolov7")
            if FileManager.default.fileExists(atPath: candidate.path) { return candidate }
            folder = folder.deletingLastPathComponent()
        }
        throw Missing(description: "no shared/yolov7 fixture folder above \(#filePath); set DETECTD_FIXTURES")
    }

    /// The path of fixture `name`, which must exist.
    static func path(_ name: String) throws -> String {
        let path = try directory().appendingPathComponent(name).path
        guard FileManager.default.fileExists(atPath: path) else {
            throw Missing(description: "missing fixture \(path)")
        }
        return path
    }

    /// The rows of `keys_yolov7_tiny_training.tsv` with the nc=80 head size 255 replaced by nc=3's 24.
    static func expectedKeys() throws -> [(name: String, shape: [Int])] {
        let text = try String(contentsOfFile: path("keys_yolov7_tiny_training.tsv"), encoding: .utf8)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            let fields = line.split(separator: "\t")
            let dimensions = fields[1].dropFirst().dropLast().split(separator: ",")
            let shape = dimensions.compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
            return (String(fields[0]), shape.map { $0 == 255 ? 24 : $0 })
        }
    }
}

/// A temporary folder removed when the value is released.
private final class ScratchFolder {
    /// The folder.
    let url: URL

    /// Creates a new, empty folder under the temporary directory.
    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("ptreader-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit {
        try? FileManager.default.removeItem(at: url)
    }

    /// Writes `data` to `name` in the folder and returns its path.
    func write(_ name: String, _ data: Data) -> String {
        let file = url.appendingPathComponent(name)
        _ = FileManager.default.createFile(atPath: file.path, contents: data)
        return file.path
    }

    /// Writes `bytes` to `name` in the folder and returns its path.
    func write(_ name: String, _ bytes: [UInt8]) -> String {
        write(name, Data(bytes))
    }
}

/// A hand-written protocol-2 pickle of a state_dict, as `torch.save` lays one out.
private struct PickleScript {
    /// The pickle so far, starting with PROTO 2.
    var bytes: [UInt8] = [0x80, 0x02]

    /// Appends `{name: _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())}` and STOP.
    mutating func stateDict(_ tensors: [(String, String, Int, Int, [Int], [Int])]) {
        bytes += [0x7D, 0x28]  // EMPTY_DICT, MARK
        for (name, key, count, offset, shape, strides) in tensors {
            string(name)
            global("torch._utils", "_rebuild_tensor_v2")
            bytes.append(0x28)  // MARK: the arguments
            bytes.append(0x28)  // MARK: the persistent id
            string("storage")
            global("torch", "FloatStorage")
            string(key)
            string("cpu")
            int(count)
            bytes += [0x74, 0x51]  // TUPLE, BINPERSID
            int(offset)
            tuple(shape)
            tuple(strides)
            bytes.append(0x89)  // NEWFALSE
            global("collections", "OrderedDict")
            bytes += [0x29, 0x52]  // EMPTY_TUPLE, REDUCE
            bytes += [0x74, 0x52]  // TUPLE, REDUCE
        }
        bytes += [0x75, 0x2E]  // SETITEMS, STOP
    }

    /// Appends BINUNICODE `text`.
    private mutating func string(_ text: String) {
        let utf8 = Array(text.utf8)
        bytes.append(0x58)
        bytes += withUnsafeBytes(of: UInt32(utf8.count).littleEndian, Array.init)
        bytes += utf8
    }

    /// Appends GLOBAL `module.name`.
    private mutating func global(_ module: String, _ name: String) {
        bytes += [0x63] + Array("\(module)\n\(name)\n".utf8)
    }

    /// Appends BININT `value`.
    private mutating func int(_ value: Int) {
        bytes.append(0x4A)
        bytes += withUnsafeBytes(of: Int32(value).littleEndian, Array.init)
    }

    /// Appends a tuple of integers.
    private mutating func tuple(_ values: [Int]) {
        bytes.append(0x28)
        for value in values { int(value) }
        bytes.append(0x74)
    }
}

/// Builds a ZIP archive whose entries all use one method (0 = stored); CRCs are left 0.
private enum StoredZip {
    /// The archive holding `entries` in order, each declared with `method` but stored as given.
    static func make(_ entries: [(name: String, bytes: [UInt8])], method: UInt16 = 0) -> Data {
        var file: [UInt8] = []
        var directory: [UInt8] = []
        for (name, bytes) in entries {
            let offset = file.count
            let header: [UInt32] = [0x0403_4b50]
            file += little(header) + little([20, 0, method, 0, 0] as [UInt16]) + little([0, UInt32(bytes.count)])
            file += little([UInt32(bytes.count)]) + little([UInt16(name.utf8.count), 0] as [UInt16])
            file += Array(name.utf8) + bytes
            directory += little([0x0201_4b50] as [UInt32]) + little([20, 20, 0, method, 0, 0] as [UInt16])
            directory += little([0, UInt32(bytes.count), UInt32(bytes.count)] as [UInt32])
            directory += little([UInt16(name.utf8.count), 0, 0, 0, 0] as [UInt16])
            directory += little([0, UInt32(offset)] as [UInt32]) + Array(name.utf8)
        }
        let end = little([0x0605_4b50] as [UInt32]) + little([0, 0, UInt16(entries.count), UInt16(entries.count)])
        let sizes = little([UInt32(directory.count), UInt32(file.count)]) + little([0] as [UInt16])
        return Data(file + directory + end + sizes)
    }

    /// The little-endian bytes of `values`.
    private static func little<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { withUnsafeBytes(of: $0.littleEndian, Array.init) }
    }
}
