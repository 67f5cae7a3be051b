import Foundation

/// The tensors and metadata of a weights file in any format detectd reads, recognised by content, not name.
public struct WeightsFile: Sendable {
    /// The on-disk formats.
    public enum Format: String, Sendable {
        /// safetensors: a JSON header and raw little-endian tensors (detectd's own model format).
        case safetensors
        /// A PyTorch zip checkpoint written by `torch.save`: a `state_dict` or a pickled module.
        case pytorch
    }

    /// Where the file was read from.
    public let path: String
    /// The format the content was recognised as.
    public let format: Format
    /// Text facts: the safetensors `__metadata__`, or what the checkpoint's pickle says (see `PyTorchCheckpoint`).
    public let metadata: [String: String]
    /// Every tensor, in file order.
    public let tensors: [StoredTensor]

    /// Reads the weights at `path`, recognising the format from its first bytes.
    ///
    /// - Parameter halfToFloat: converts float16 and bfloat16 tensors of PyTorch checkpoints to float32.
    /// - Throws: `TorchError.unreadableFile` when the file cannot be read, `TorchError.malformedFile` when its
    ///   content is not a weights file detectd understands, with the reason.
    public static func read(path: String, halfToFloat: Bool = false) throws(TorchError) -> WeightsFile {
        let prefix = try leadingBytes(of: path, count: 9)
        if prefix.starts(with: [0x50, 0x4B, 0x03, 0x04]) {
            let checkpoint = try PyTorchCheckpoint.read(path: path, halfToFloat: halfToFloat)
            return WeightsFile(
                path: path, format: .pytorch, metadata: checkpoint.metadata, tensors: checkpoint.tensors)
        }
        // Legacy torch.save output opens with a pickled magic number: PROTO 2, LONG1 of ten bytes.
        if prefix.starts(with: [0x80, 0x02, 0x8A, 0x0A]) {
            throw TorchError.malformedFile(
                path: path,
                reason: "this is PyTorch's legacy (pre-1.6) pickle format, which detectd does not read; "
                    + "re-save it with torch.save in the default zip format")
        }
        if prefix.count < 9 || prefix[8] != UInt8(ascii: "{") {
            throw TorchError.malformedFile(
                path: path, reason: "neither a safetensors file nor a PyTorch zip checkpoint (unknown first bytes)")
        }
        let file = try SafetensorsFile(path: path)
        return WeightsFile(path: path, format: .safetensors, metadata: file.metadata, tensors: file.tensors)
    }

    /// The first `count` bytes of the file (fewer when it is shorter).
    private static func leadingBytes(of path: String, count: Int) throws(TorchError) -> [UInt8] {
        guard let handle = FileHandle(forReadingAtPath: path) else {
            let reason = FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file"
            throw TorchError.unreadableFile(path: path, reason: reason)
        }
        defer { try? handle.close() }
        do {
            return [UInt8](try handle.read(upToCount: count) ?? Data())
        } catch {
            throw TorchError.unreadableFile(path: path, reason: "\(error.localizedDescription)")
        }
    }
}
