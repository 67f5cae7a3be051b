/// The parts of an Ultralytics/YOLOv7 `data.yaml` that describe a dataset, read by a minimal YAML reader.
///
/// The reader understands exactly what such files use: `key: value` lines at the top level, `#` comments, single-
/// or double-quoted scalars, flow lists `[a, 'b c']` (which may span lines), flow maps `{0: a}`, and indented
/// block lists (`- a`) or block maps (`0: a`) under a key with no value. Anything else is an
/// ``DatasetError/invalidDescription(path:line:reason:)`` naming the line.
struct DataConfig: Sendable {
    /// A top-level value.
    enum Value: Sendable, Equatable {
        /// A plain or quoted scalar, unquoted; an empty string for `key:` with nothing under it.
        case scalar(String)
        /// A flow or block list of scalars.
        case list([String])
        /// A flow or block map of scalars, in file order.
        case map([(key: String, value: String)])

        static func == (lhs: Value, rhs: Value) -> Bool {
            switch (lhs, rhs) {
            case (.scalar(let a), .scalar(let b)): a == b
            case (.list(let a), .list(let b)): a == b
            case (.map(let a), .map(let b)): a.map(\.key) == b.map(\.key) && a.map(\.value) == b.map(\.value)
            default: false
            }
        }
    }

    /// The file the configuration was read from, for messages.
    let path: String
    /// The top-level keys and their values.
    let values: [String: Value]
    /// The 1-based line of each top-level key, for messages.
    let lines: [String: Int]

    /// Reads and parses the file at `path`.
    init(contentsOf path: String) throws(DatasetError) {
        try self.init(text: PathNames.readText(path), path: path)
    }

    /// Parses `text`; `path` only names the file in errors.
    init(text: String, path: String) throws(DatasetError) {
        self.path = path
        var values: [String: Value] = [:]
        var lines: [String: Int] = [:]
        let rawLines = text.split(separator: "\n", omittingEmptySubsequences: false).map {
            Self.strippingComment(String($0.hasSuffix("\r") ? $0.dropLast() : $0))
        }
        var number = 0
        while number < rawLines.count {
            let line = rawLines[number]
            number += 1
            guard !line.allSatisfy(\.isWhitespace) else { continue }
            guard line.first?.isWhitespace == false else {
                throw .invalidDescription(path: path, line: number, reason: "unexpected indentation")
            }
            guard let (key, rest) = Self.splitKey(line) else {
                throw .invalidDescription(path: path, line: number, reason: "expected 'key: value'")
            }
            let keyLine = number
            lines[key] = keyLine
            if rest.hasPrefix("[") || rest.hasPrefix("{") {
                // A flow collection runs until its brackets balance, possibly over several lines.
                var flow = rest
                while !Self.isBalanced(flow) {
                    guard number < rawLines.count else {
                        throw .invalidDescription(path: path, line: keyLine, reason: "unclosed '\(rest.first!)'")
                    }
                    flow += " " + rawLines[number].trimmingWhitespace()
                    number += 1
                }
                values[key] = try Self.parseFlow(flow, path: path, line: keyLine)
            } else if !rest.isEmpty {
                values[key] = .scalar(Self.unquoted(rest))
            } else {
                // A block collection: the indented lines that follow.
                var block: [(line: Int, text: String)] = []
                while number < rawLines.count,
                    rawLines[number].allSatisfy(\.isWhitespace) || rawLines[number].first?.isWhitespace == true
                {
                    if !rawLines[number].allSatisfy(\.isWhitespace) {
                        block.append((number + 1, rawLines[number].trimmingWhitespace()))
                    }
                    number += 1
                }
                values[key] = try Self.parseBlock(block, path: path)
            }
        }
        self.values = values
        self.lines = lines
    }

    /// The value of `key` as a scalar, or nil when absent or empty.
    func scalar(_ key: String) -> String? {
        guard case .scalar(let text) = values[key], !text.isEmpty, text != "null", text != "~" else { return nil }
        return text
    }

    /// The value of `key` as a list of paths: a scalar gives one; nil when absent or empty.
    func paths(_ key: String) -> [String]? {
        switch values[key] {
        case .scalar(let text) where !text.isEmpty && text != "null" && text != "~": [text]
        case .list(let items) where !items.isEmpty: items
        default: nil
        }
    }

    /// The class names: `names` as a list, or as a map from 0..<n to names, checked against `nc` when both are
    /// given; `["0", "1", ...]` when only `nc` is.
    func classNames() throws(DatasetError) -> [String] {
        var names: [String]?
        switch values["names"] {
        case .list(let items):
            names = items
        case .map(let pairs):
            var byIndex: [Int: String] = [:]
            for (key, value) in pairs {
                guard let index = Int(key), index >= 0 else {
                    throw .invalidDescription(
                        path: path, line: lines["names"], reason: "class key '\(key)' is not an index")
                }
                byIndex[index] = value
            }
            guard byIndex.keys.sorted() == Array(0..<byIndex.count) else {
                throw .invalidDescription(
                    path: path, line: lines["names"], reason: "class keys are not 0..<\(byIndex.count)")
            }
            names = (0..<byIndex.count).map { byIndex[$0]! }
        case .scalar(let text) where !text.isEmpty:
            throw .invalidDescription(path: path, line: lines["names"], reason: "'names' is not a list or a map")
        default:
            names = nil
        }
        let count: Int?
        if let nc = scalar("nc") {
            guard let value = Int(nc), value > 0 else {
                throw .invalidDescription(
                    path: path, line: lines["nc"], reason: "'nc' is not a positive integer: '\(nc)'")
            }
            count = value
        } else {
            count = nil
        }
        switch (names, count) {
        case (let names?, let count?) where names.count != count:
            throw .invalidDescription(
                path: path, line: lines["nc"], reason: "'nc' is \(count) but 'names' lists \(names.count) classes")
        case (let names?, _):
            return names
        case (nil, let count?):
            return (0..<count).map(String.init)
        case (nil, nil):
            throw .invalidDescription(path: path, line: nil, reason: "neither 'names' nor 'nc' is given")
        }
    }

    /// `line` without a `#` comment (one at the start or after whitespace, outside quotes), trailing space trimmed.
    private static func strippingComment(_ line: String) -> String {
        var quote: Character?
        var previous: Character = " "
        var end = line.endIndex
        for index in line.indices {
            let character = line[index]
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == "#" && previous.isWhitespace {
                end = index
                break
            }
            previous = character
        }
        var result = String(line[..<end])
        while result.last?.isWhitespace == true { result.removeLast() }
        return result
    }

    /// Splits `key: rest` at the first `:` followed by a space or the end of the line.
    private static func splitKey(_ line: String) -> (String, String)? {
        var index = line.startIndex
        while let colon = line[index...].firstIndex(of: ":") {
            let after = line.index(after: colon)
            if after == line.endIndex || line[after].isWhitespace {
                let key = unquoted(String(line[..<colon]).trimmingWhitespace())
                guard !key.isEmpty else { return nil }
                return (key, String(line[after...]).trimmingWhitespace())
            }
            index = after
        }
        return nil
    }

    /// Whether every `[` and `{` in `text` (outside quotes) is closed.
    private static func isBalanced(_ text: String) -> Bool {
        var depth = 0
        var quote: Character?
        for character in text {
            if let open = quote {
                if character == open { quote = nil }
            } else if character == "'" || character == "\"" {
                quote = character
            } else if character == "[" || character == "{" {
                depth += 1
            } else if character == "]" || character == "}" {
                depth -= 1
            }
        }
        return depth <= 0
    }

    /// Parses `[a, b]` or `{k: v, ...}` (no nesting).
    private static func parseFlow(_ text: String, path: String, line: Int) throws(DatasetError) -> Value {
        let isMap = text.hasPrefix("{")
        guard text.last == (isMap ? "}" : "]") else {
            throw .invalidDescription(path: path, line: line, reason: "text after the closing bracket")
        }
        let body = String(text.dropFirst().dropLast())
        var items: [String] = []
        var current = ""
        var quote: Character?
        for character in body {
            if let open = quote {
                if character == open { quote = nil }
                current.append(character)
            } else if character == "'" || character == "\"" {
                quote = character
                current.append(character)
            } else if character == "[" || character == "{" {
                throw .invalidDescription(path: path, line: line, reason: "nested collections are not supported")
            } else if character == "," {
                items.append(current.trimmingWhitespace())
                current = ""
            } else {
                current.append(character)
            }
        }
        if !current.trimmingWhitespace().isEmpty { items.append(current.trimmingWhitespace()) }
        guard isMap else { return .list(items.map(unquoted)) }
        var pairs: [(key: String, value: String)] = []
        for item in items {
            guard let (key, value) = splitKey(item) else {
                throw .invalidDescription(path: path, line: line, reason: "expected 'key: value' in '\(item)'")
            }
            pairs.append((key, unquoted(value)))
        }
        return .map(pairs)
    }

    /// Parses the indented lines under a key: all `- item` (a list) or all `key: value` (a map).
    private static func parseBlock(_ block: [(line: Int, text: String)], path: String) throws(DatasetError) -> Value {
        guard let first = block.first else { return .scalar("") }
        if first.text.hasPrefix("-") {
            var items: [String] = []
            for (line, text) in block {
                guard text == "-" || text.hasPrefix("- ") else {
                    throw .invalidDescription(path: path, line: line, reason: "expected '- item' in a block list")
                }
                items.append(unquoted(String(text.dropFirst()).trimmingWhitespace()))
            }
            return .list(items)
        }
        var pairs: [(key: String, value: String)] = []
        for (line, text) in block {
            guard let (key, value) = splitKey(text), !value.isEmpty else {
                throw .invalidDescription(path: path, line: line, reason: "expected 'key: value' in a block map")
            }
            pairs.append((key, unquoted(value)))
        }
        return .map(pairs)
    }

    /// `text` without one pair of surrounding quotes.
    private static func unquoted(_ text: String) -> String {
        guard text.count >= 2, let first = text.first, first == "'" || first == "\"", text.last == first else {
            return text
        }
        return String(text.dropFirst().dropLast())
    }
}
