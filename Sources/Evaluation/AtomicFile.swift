#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Crash-safe replacement of a file: a reader sees either the old content or the complete new one.
///
/// The text goes to a uniquely named temporary file next to the destination, which is fsynced and renamed over
/// it; the directory is then fsynced so that the rename survives a crash too. On failure the temporary file is
/// removed and the destination is untouched.
enum AtomicFile {
    /// Replaces the file at `path` with `text`, encoded as UTF-8.
    ///
    /// - Throws: `EvaluationError.unwritableFile` naming the failing step and the system's error text.
    static func write(_ text: String, to path: String) throws(EvaluationError) {
        let temporaryPath = "\(path).tmp.\(getpid()).\(String(UInt64.random(in: .min ... .max), radix: 16))"
        let descriptor = retryingOnInterrupt { open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644) }
        guard descriptor >= 0 else { throw failure(path, "cannot create '\(temporaryPath)'") }

        var failedStep: String?
        if !writeAll(Array(text.utf8), to: descriptor) {
            failedStep = "write to '\(temporaryPath)' failed"
        } else if retryingOnInterrupt({ fsync(descriptor) }) != 0 {
            failedStep = "fsync of '\(temporaryPath)' failed"
        }
        let error = failedStep.map { failure(path, $0) }
        close(descriptor)
        if let error {
            unlink(temporaryPath)
            throw error
        }
        guard rename(temporaryPath, path) == 0 else {
            let error = failure(path, "rename of '\(temporaryPath)' failed")
            unlink(temporaryPath)
            throw error
        }
        syncDirectory(of: path)
    }

    /// Writes all of `bytes`, retrying short and interrupted writes; false when the system refuses.
    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let result = Glibc.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if result < 0 && errno == EINTR { continue }
                guard result > 0 else { return false }
                offset += result
            }
            return true
        }
    }

    /// Fsyncs the directory of `path`, best effort: the data is already durable and renamed, and some file
    /// systems cannot sync directories.
    private static func syncDirectory(of path: String) {
        let directory = path.lastIndex(of: "/").map { $0 == path.startIndex ? "/" : String(path[..<$0]) } ?? "."
        let descriptor = open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        _ = retryingOnInterrupt { fsync(descriptor) }
        close(descriptor)
    }

    /// Calls `call` again while it fails with EINTR.
    private static func retryingOnInterrupt(_ call: () -> Int32) -> Int32 {
        while true {
            let result = call()
            if result >= 0 || errno != EINTR { return result }
        }
    }

    /// An `unwritableFile` error for `path`: `step`, then the text of the current `errno`.
    private static func failure(_ path: String, _ step: String) -> EvaluationError {
        .unwritableFile(path: path, reason: "\(step): \(String(cString: strerror(errno)))")
    }
}
