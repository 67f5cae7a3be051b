import Datasets
import Detector
import Torch

/// A failure that ends a command, with the message for stderr and the exit code.
struct CommandError: Error {
    /// What went wrong, naming the thing and the reason.
    let message: String
    /// The process exit code.
    let exitCode: ExitCode

    /// A command-line mistake (exit 64).
    static func usage(_ message: String) -> CommandError {
        CommandError(message: message, exitCode: .usage)
    }

    /// The failure for a Torch error, with the exit code its kind calls for.
    init(_ error: TorchError) {
        message = error.description
        switch error {
        case .malformedFile: exitCode = .dataError
        case .unreadableFile: exitCode = .noInput
        case .unwritableFile: exitCode = .cannotCreate
        case .backend, .invalidArgument: exitCode = .software
        }
    }

    /// The failure for a Detector error: bad or unfitting weights exit 65, missing ones 66.
    init(_ error: DetectorError) {
        switch error {
        case .weights(let torch): self.init(torch)
        case .incompatibleWeights: self.init(message: error.description, exitCode: .dataError)
        case .backend(let torch): self.init(message: torch.description, exitCode: .software)
        case .invalidArgument: self.init(message: error.description, exitCode: .usage)
        }
    }

    /// Runs `body`, turning a Torch error into a command failure.
    static func wrap<R>(_ body: () throws(TorchError) -> R) throws(CommandError) -> R {
        do {
            return try body()
        } catch {
            throw CommandError(error)
        }
    }

    /// Runs `body`, turning a Detector error into a command failure.
    static func wrap<R>(_ body: () throws(DetectorError) -> R) throws(CommandError) -> R {
        do {
            return try body()
        } catch {
            throw CommandError(error)
        }
    }

    /// Runs `body`, turning a dataset error into a command failure: missing things exit 66, bad ones 65.
    static func wrap<R>(_ body: () throws(DatasetError) -> R) throws(CommandError) -> R {
        do {
            return try body()
        } catch {
            switch error {
            case .notFound, .splitNotFound:
                throw CommandError(message: error.description, exitCode: .noInput)
            default:
                throw CommandError(message: error.description, exitCode: .dataError)
            }
        }
    }

    init(message: String, exitCode: ExitCode) {
        self.message = message
        self.exitCode = exitCode
    }
}
