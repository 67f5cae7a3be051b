import Foundation

/// The element type of a tensor as it is stored in a weights file or held by the backend.
public enum DType: String, Sendable, Hashable, CaseIterable {
    case float32
    case float64
    case float16
    case bfloat16
    case int64
    case int32
    case int16
    case int8
    case uint8
    case bool

    /// Bytes per element.
    public var byteWidth: Int {
        switch self {
        case .float64, .int64: 8
        case .float32, .int32: 4
        case .float16, .bfloat16, .int16: 2
        case .int8, .uint8, .bool: 1
        }
    }

    /// Whether the type holds floating-point values.
    public var isFloatingPoint: Bool {
        switch self {
        case .float32, .float64, .float16, .bfloat16: true
        default: false
        }
    }
}

/// A tensor read from (or about to be written to) a weights file: a name, a type, a shape and its bytes.
///
/// The bytes are contiguous, row-major and little-endian, and hold exactly
/// `shape.reduce(1, *) * dtype.byteWidth` bytes. A `StoredTensor` knows nothing of the backend;
/// `Tensor(_:)` copies one into libtorch.
public struct StoredTensor: Sendable {
    /// The dotted state_dict name, for example `model.0.conv.weight`.
    public var name: String
    /// The element type of `bytes`.
    public var dtype: DType
    /// The size of each dimension; empty for a scalar.
    public var shape: [Int]
    /// The elements, contiguous, row-major and little-endian. May share memory with a mapped file.
    public var bytes: Data

    /// Number of elements (1 for a scalar).
    public var elementCount: Int { shape.reduce(1, *) }

    /// Creates a stored tensor; the caller guarantees that `bytes` matches `dtype` and `shape`.
    public init(name: String, dtype: DType, shape: [Int], bytes: Data) {
        self.name = name
        self.dtype = dtype
        self.shape = shape
        self.bytes = bytes
    }
}

/// Errors of the Torch library: backend failures and unreadable or malformed files.
public enum TorchError: Error, Equatable, CustomStringConvertible {
    /// libtorch raised an exception; `function` is the CTorch entry point, `message` the backend's text.
    case backend(function: String, message: String)
    /// A file could not be opened or read (missing, permissions, I/O error).
    case unreadableFile(path: String, reason: String)
    /// A file was read but its content is not valid for its format.
    case malformedFile(path: String, reason: String)
    /// A file could not be written.
    case unwritableFile(path: String, reason: String)
    /// A call was made with arguments that do not fit together (shapes, types, names).
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .backend(let function, let message): "\(function): \(message)"
        case .unreadableFile(let path, let reason): "\(path): cannot read: \(reason)"
        case .malformedFile(let path, let reason): "\(path): malformed: \(reason)"
        case .unwritableFile(let path, let reason): "\(path): cannot write: \(reason)"
        case .invalidArgument(let reason): "invalid argument: \(reason)"
        }
    }
}

extension TorchError {
    /// Runs `body`, passing a `TorchError` through and turning any other error into `convert(error)`.
    ///
    /// Lets the format readers, which are written against untyped `throws`, offer typed public entry points.
    static func converting<R>(_ convert: (any Error) -> TorchError, _ body: () throws -> R) throws(TorchError) -> R {
        do {
            return try body()
        } catch let error as TorchError {
            throw error
        } catch {
            throw convert(error)
        }
    }
}
