/// A small command-line parser: `--name value`, `--name=value`, boolean `--flag`, and positionals.
///
/// Each command declares the options it takes; anything else is a usage error naming the option.
struct Arguments {
    /// The values of options that take one, by name without dashes; a repeated option keeps every value.
    private(set) var values: [String: [String]] = [:]
    /// The boolean flags that were given.
    private(set) var flags: Set<String> = []
    /// The arguments that are not options, in order.
    private(set) var positionals: [String] = []

    /// Parses `arguments` given the names of the options that take a value and of the boolean flags.
    init(_ arguments: [String], valueOptions: Set<String>, flagOptions: Set<String>) throws(CommandError) {
        var index = 0
        var isAfterTerminator = false
        while index < arguments.count {
            let argument = arguments[index]
            index += 1
            guard !isAfterTerminator, argument.hasPrefix("--"), argument.count > 2 else {
                if argument == "--" && !isAfterTerminator {
                    isAfterTerminator = true
                } else {
                    positionals.append(argument)
                }
                continue
            }
            let body = argument.dropFirst(2)
            let name = String(body.prefix { $0 != "=" })
            let inlineValue = body.contains("=") ? String(body.drop { $0 != "=" }.dropFirst()) : nil
            if flagOptions.contains(name) {
                guard inlineValue == nil else { throw .usage("option --\(name) takes no value") }
                flags.insert(name)
            } else if valueOptions.contains(name) {
                if let inlineValue {
                    values[name, default: []].append(inlineValue)
                } else {
                    guard index < arguments.count else { throw .usage("option --\(name) needs a value") }
                    values[name, default: []].append(arguments[index])
                    index += 1
                }
            } else {
                throw .usage("unknown option --\(name)")
            }
        }
    }

    /// Whether boolean `--name` was given.
    func has(_ name: String) -> Bool { flags.contains(name) }

    /// The last value of `--name`, if given.
    func value(_ name: String) -> String? { values[name]?.last }

    /// The last value of `--name` as an integer within `range`, or `defaultValue` when absent.
    func integer(_ name: String, default defaultValue: Int, in range: ClosedRange<Int>) throws(CommandError) -> Int {
        guard let text = value(name) else { return defaultValue }
        guard let number = Int(text), range.contains(number) else {
            throw .usage("--\(name) must be an integer in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
        }
        return number
    }

    /// The last value of `--name` as a number within `range`, or `defaultValue` when absent.
    func real(_ name: String, default defaultValue: Double, in range: ClosedRange<Double>) throws(CommandError)
        -> Double
    {
        guard let text = value(name) else { return defaultValue }
        guard let number = Double(text), number.isFinite, range.contains(number) else {
            throw .usage("--\(name) must be a number in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
        }
        return number
    }
}
