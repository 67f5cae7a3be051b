import Torch

/// Errors of the Detector library.
public enum DetectorError: Error, Equatable, CustomStringConvertible {
    /// A weights file could not be read, or is not a valid file of its format.
    case weights(TorchError)
    /// A weights file was read but does not fit any YOLOv7 architecture: the path and the first problem.
    case incompatibleWeights(path: String, reason: String)
    /// The backend failed while building or running a model.
    case backend(TorchError)
    /// An argument is out of its range (an input size that is not a multiple of 32, say).
    case invalidArgument(String)

    public var description: String {
        switch self {
        case .weights(let error): error.description
        case .incompatibleWeights(let path, let reason): "\(path): weights do not fit the model: \(reason)"
        case .backend(let error): error.description
        case .invalidArgument(let reason): "invalid argument: \(reason)"
        }
    }
}
