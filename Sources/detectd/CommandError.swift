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

    init(message: String, exitCode: ExitCode) {
        self.message = message
        self.exitCode = exitCode
    }
}
