import Foundation

/// The names detectd's own threads carry in `top -H`, `ps -L`, `/proc` and debuggers.
///
/// Foundation's `Thread.name` does not reach the system on Linux, and `pthread_setname_np` is not in Swift's
/// Glibc module; a thread names itself by writing its `comm` file instead, which Linux allows for the thread's
/// own entry.
enum ThreadName {
    /// The most bytes Linux keeps of a thread's name (the 16-byte `comm` minus its terminator).
    static let maximumBytes = 15

    /// `name` cut, at a character boundary, to ``maximumBytes``.
    static func fitting(_ name: String) -> String {
        var result = ""
        for character in name {
            guard result.utf8.count + character.utf8.count <= maximumBytes else { break }
            result.append(character)
        }
        return result
    }

    /// Names the calling thread ``fitting(_:)`` `name`; false when the system refused (the name is cosmetic,
    /// so callers go on either way).
    @discardableResult
    static func setForCurrentThread(_ name: String) -> Bool {
        let descriptor = open("/proc/thread-self/comm", O_WRONLY)
        guard descriptor >= 0 else { return false }
        defer { close(descriptor) }
        let bytes = Array(fitting(name).utf8)
        return write(descriptor, bytes, bytes.count) == bytes.count
    }
}
