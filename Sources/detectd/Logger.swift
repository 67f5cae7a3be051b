import Foundation

/// Writes log records to stderr: a level, a constant message and `key=value` data.
///
/// Under systemd (when `JOURNAL_STREAM` is set) each line starts with the syslog priority (`<3>` for errors)
/// so the journal files it at the right level. stdout is never touched: it carries only JSON.
struct Logger: Sendable {
    /// Severity, most severe first; the raw value is the syslog priority.
    enum Level: Int, Comparable, Sendable {
        case error = 3
        case warning = 4
        case info = 6
        case debug = 7
        case trace = 8

        static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue > rhs.rawValue }

        /// The level called `name` (error, warning, info, debug, trace).
        init?(name: String) {
            guard let level = [Level.error, .warning, .info, .debug, .trace].first(where: { $0.name == name }) else {
                return nil
            }
            self = level
        }

        var name: String {
            switch self {
            case .error: "error"
            case .warning: "warning"
            case .info: "info"
            case .debug: "debug"
            case .trace: "trace"
            }
        }
    }

    /// Records below this level are dropped.
    var minimumLevel: Level
    /// Whether to prefix lines with the syslog priority for the journal.
    let isJournal: Bool

    /// A logger at `minimumLevel`, detecting the journal from the environment.
    init(minimumLevel: Level = .info) {
        self.minimumLevel = minimumLevel
        isJournal = ProcessInfo.processInfo.environment["JOURNAL_STREAM"] != nil
    }

    /// Writes one record if `level` passes the threshold, in a single write so lines never interleave.
    func log(_ level: Level, _ message: StaticString, _ metadata: KeyValuePairs<String, String> = [:]) {
        guard level >= minimumLevel else { return }
        var line = isJournal ? "<\(Swift.min(level.rawValue, 7))>" : "detectd \(level.name): "
        line += "\(message)"
        for (key, value) in metadata {
            line += " \(key)=\(Self.quoted(value))"
        }
        line += "\n"
        FileHandle.standardError.write(Data(line.utf8))
    }

    func error(_ message: StaticString, _ metadata: KeyValuePairs<String, String> = [:]) {
        log(.error, message, metadata)
    }

    func warning(_ message: StaticString, _ metadata: KeyValuePairs<String, String> = [:]) {
        log(.warning, message, metadata)
    }

    func info(_ message: StaticString, _ metadata: KeyValuePairs<String, String> = [:]) {
        log(.info, message, metadata)
    }

    /// A value as is when it is one plain word, otherwise in double quotes with `"` and `\` escaped.
    static func quoted(_ value: String) -> String {
        let isPlain = !value.isEmpty && value.allSatisfy { !$0.isWhitespace && $0 != "\"" && $0 != "=" && $0 != "\\" }
        if isPlain { return value }
        let escaped = value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
        return "\"\(escaped)\""
    }
}
