import Torch

/// `detectd inspect [--json] FILE`: lists the tensors and metadata of a weights file.
enum InspectCommand {
    static let usage = """
        usage: detectd inspect [--json] FILE

        Prints every tensor of a weights file (safetensors, or a PyTorch .pt state_dict or checkpoint) with
        its type and shape, and the file's metadata. --json prints one JSON object instead.
        """

    static func run(_ arguments: [String]) throws(CommandError) {
        let parsed = try Arguments(arguments, valueOptions: [], flagOptions: ["json", "help"])
        if parsed.has("help") {
            print(usage)
            return
        }
        guard parsed.positionals.count == 1, let path = parsed.positionals.first else {
            throw .usage("inspect takes exactly one FILE\n\n\(usage)")
        }
        let file: WeightsFile
        do {
            file = try WeightsFile.read(path: path)
        } catch {
            throw CommandError(error)
        }
        if parsed.has("json") {
            try JSONOutput.write(jsonObject(of: file))
        } else {
            print(text(of: file), terminator: "")
        }
    }

    static func jsonObject(of file: WeightsFile) -> [String: Any] {
        [
            "format": file.format.rawValue,
            "metadata": file.metadata,
            "tensors": file.tensors.map { ["name": $0.name, "dtype": $0.dtype.rawValue, "shape": $0.shape] },
        ]
    }

    static func text(of file: WeightsFile) -> String {
        let elements = file.tensors.reduce(0) { $0 + $1.elementCount }
        var lines = [
            "file: \(file.path)",
            "format: \(file.format.rawValue)",
        ]
        if !file.metadata.isEmpty {
            lines.append("metadata:")
            for key in file.metadata.keys.sorted() {
                lines.append("  \(key): \(file.metadata[key] ?? "")")
            }
        }
        lines.append("tensors: \(file.tensors.count) (\(elements) elements)")
        let nameWidth = file.tensors.map(\.name.count).max() ?? 0
        for tensor in file.tensors {
            let name = tensor.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0)
            let dtype = tensor.dtype.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
            lines.append("  \(name)  \(dtype)  \(tensor.shape)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
