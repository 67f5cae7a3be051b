import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Crash-safe file replacement: readers see either the old content of a path or the complete new content.
///
/// The content goes to `<path>.tmp.<pid>.<random>` in the destination's directory. That file is fsynced,
/// renamed over `path`, and then the directory is fsynced so that the rename itself is durable. If anything
/// fails before the rename, the temporary file is removed and the destination is left untouched.
///
/// New files are created with mode 0644 (minus the umask); the mode of a replaced file is not preserved.
public enum AtomicFile {
    /// Writes `data` to `path`, atomically replacing any existing file.
    ///
    /// - Throws: `TorchError.unwritableFile` with the system's error text when a step fails.
    public static func write(_ data: Data, to path: String) throws(TorchError) {
        try TorchError.converting({ .unwritableFile(path: path, reason: "\($0)") }) {
            try write(to: path) { writer in
                try writer.write(data)
            }
        }
    }

    /// Streams content to `path` through `body`, atomically replacing any existing file once `body` returns.
    ///
    /// Use this for large files to avoid building the whole content in memory. The writer is only valid
    /// inside `body`. If `body` throws, the temporary file is removed and the error is rethrown unchanged.
    ///
    /// - Throws: `TorchError.unwritableFile` with the system's error text when a step fails, or whatever
    ///   `body` throws.
    public static func write(to path: String, _ body: (Writer) throws -> Void) throws {
        let temporaryPath = "\(path).tmp.\(getpid()).\(String(UInt64.random(in: 0...UInt64.max), radix: 16))"
        let fd = retryingOnInterrupt { open(temporaryPath, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644) }
        guard fd >= 0 else {
            throw failure(path, "cannot create temporary file '\(temporaryPath)'")
        }
        let writer = Writer(fd: fd, path: path)
        defer { writer.isOpen = false }
        var isClosed = false
        do {
            try body(writer)
            writer.isOpen = false
            guard retryingOnInterrupt({ fsync(fd) }) == 0 else {
                throw failure(path, "fsync of '\(temporaryPath)' failed")
            }
            isClosed = true
            // On Linux the descriptor is released even when close reports EINTR; the data is already synced.
            guard close(fd) == 0 || errno == EINTR else {
                throw failure(path, "close of '\(temporaryPath)' failed")
            }
            guard rename(temporaryPath, path) == 0 else {
                throw failure(path, "rename of '\(temporaryPath)' to '\(path)' failed")
            }
        } catch {
            if !isClosed { close(fd) }
            unlink(temporaryPath)
            throw error
        }
        try syncDirectory(of: path)
    }

    /// Sequential access to the temporary file of an `AtomicFile.write(to:_:)` call.
    public final class Writer {
        /// The descriptor of the temporary file.
        fileprivate let fd: Int32
        /// The destination path, used in error messages.
        fileprivate let path: String
        /// Cleared once the owning `write(to:_:)` call no longer accepts data.
        fileprivate var isOpen = true

        /// Wraps an open descriptor.
        fileprivate init(fd: Int32, path: String) {
            self.fd = fd
            self.path = path
        }

        /// Appends `data`, retrying short writes and interrupted calls.
        ///
        /// - Throws: `TorchError.unwritableFile` when the system refuses the write or the writer is used
        ///   after its `write(to:_:)` call returned.
        public func write(_ data: Data) throws {
            try data.withUnsafeBytes { buffer in
                try write(buffer)
            }
        }

        /// Appends the bytes of `buffer`, retrying short writes and interrupted calls.
        ///
        /// - Throws: `TorchError.unwritableFile` when the system refuses the write or the writer is used
        ///   after its `write(to:_:)` call returned.
        public func write(_ buffer: UnsafeRawBufferPointer) throws {
            guard isOpen else {
                throw TorchError.unwritableFile(path: path, reason: "writer used after the file was committed")
            }
            guard let base = buffer.baseAddress, buffer.count > 0 else { return }
            // Linux transfers at most about 2 GiB per call; stay well below that.
            let maximumChunk = 1 << 30
            var written = 0
            while written < buffer.count {
                let chunk = min(buffer.count - written, maximumChunk)
                let result = Glibc.write(fd, base + written, chunk)
                if result < 0 {
                    if errno == EINTR { continue }
                    throw AtomicFile.failure(path, "write failed")
                }
                if result == 0 {
                    throw TorchError.unwritableFile(path: path, reason: "write made no progress")
                }
                written += result
            }
        }
    }

    /// Fsyncs the directory holding `path` so that a completed rename survives a crash.
    private static func syncDirectory(of path: String) throws {
        let directory: String
        if let slash = path.lastIndex(of: "/") {
            directory = slash == path.startIndex ? "/" : String(path[..<slash])
        } else {
            directory = "."
        }
        let fd = retryingOnInterrupt { open(directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        guard fd >= 0 else {
            throw failure(path, "cannot open directory '\(directory)' to sync it")
        }
        defer { close(fd) }
        // Some file systems do not support syncing directories (EINVAL); the rename is then as durable as it gets.
        guard retryingOnInterrupt({ fsync(fd) }) == 0 || errno == EINVAL else {
            throw failure(path, "fsync of directory '\(directory)' failed")
        }
    }

    /// Runs `call` again while it fails with EINTR.
    private static func retryingOnInterrupt(_ call: () -> Int32) -> Int32 {
        while true {
            let result = call()
            if result >= 0 || errno != EINTR { return result }
        }
    }

    /// An `unwritableFile` error for `path` whose reason is `what` followed by the current `errno` text.
    fileprivate static func failure(_ path: String, _ what: String) -> TorchError {
        let code = errno
        return TorchError.unwritableFile(path: path, reason: "\(what): \(String(cString: strerror(code)))")
    }
}
