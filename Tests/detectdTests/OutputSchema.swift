import Foundation
import Testing

/// Checks detectd's stdout against docs/output-schema.json with the reference JSON Schema validator
/// (Python's jsonschema, from the test venv that `./setup.sh test` makes and names in `DETECTD_PYTHON`).
enum OutputSchema {
    static let python = ProcessInfo.processInfo.environment["DETECTD_PYTHON"]

    /// The problems found in `stdout` (empty when every line is valid).
    static func problems(in stdout: String) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(python, "DETECTD_PYTHON is not set"))
        process.arguments = [Fixtures.repository.appendingPathComponent("Tests/Support/validate_output.py").path]
        let input = Pipe()
        let output = Pipe()
        process.standardInput = input
        process.standardOutput = output
        try process.run()
        input.fileHandleForWriting.write(Data(stdout.utf8))
        try input.fileHandleForWriting.close()
        let report = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        if process.terminationStatus == 0 { return [] }
        let lines = report.split(separator: "\n").map(String.init)
        return lines.isEmpty ? ["validator failed with status \(process.terminationStatus)"] : lines
    }
}
