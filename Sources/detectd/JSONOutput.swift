import Foundation

/// Writes JSON values to stdout, one complete object per line, each in a single `write(2)`.
enum JSONOutput {
    /// Serialises `object` (made of dictionaries, arrays, strings, numbers and booleans) as one line.
    static func line(_ object: Any) throws(CommandError) -> String {
        guard JSONSerialization.isValidJSONObject(object) else {
            throw CommandError(message: "internal error: output is not valid JSON", exitCode: .software)
        }
        do {
            let data = try JSONSerialization.data(
                withJSONObject: object, options: [.withoutEscapingSlashes, .sortedKeys])
            return String(decoding: data, as: UTF8.self)
        } catch {
            throw CommandError(message: "internal error: cannot encode JSON: \(error)", exitCode: .software)
        }
    }

    /// Writes `object` as one line on stdout.
    static func write(_ object: Any) throws(CommandError) {
        let text = try line(object) + "\n"
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { buffer in
                Glibc.write(STDOUT_FILENO, buffer.baseAddress! + offset, buffer.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                let reason = String(cString: strerror(errno))
                throw CommandError(message: "stdout: write failed: \(reason)", exitCode: .ioError)
            }
            offset += written
        }
    }
}
