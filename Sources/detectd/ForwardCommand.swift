import Detector
import Torch

/// `detectd forward`: runs a model on a reference input and writes the raw head outputs and decoded rows,
/// for parity checks against upstream.
enum ForwardCommand {
    static let usage = """
        usage: detectd forward --weights W --input IN.safetensors --output OUT.safetensors

        Runs the model of W (.pt or .safetensors) on the tensor named 'input' of IN ([batch, 3, h, w], values
        in [0, 1]) with BatchNorm in inference mode, and writes raw.0, raw.1, raw.2 (per-level logits,
        [batch, anchor, y, x, 5 + classes]) and decoded (cx, cy, w, h in input pixels, objectness, class
        probabilities) to OUT.
        """

    static func run(_ arguments: [String]) throws(CommandError) {
        let parsed = try Arguments(arguments, valueOptions: ["weights", "input", "output"], flagOptions: ["help"])
        if parsed.has("help") {
            print(usage)
            return
        }
        guard let weights = parsed.value("weights"), let inputPath = parsed.value("input"),
            let outputPath = parsed.value("output"), parsed.positionals.isEmpty
        else {
            throw .usage("forward needs --weights, --input and --output\n\n\(usage)")
        }
        let loaded = try CommandError.wrap { () throws(DetectorError) in try ModelLoader.load(path: weights) }
        let input = try readInput(inputPath)
        try CommandError.wrap { () throws(TorchError) in
            let outputs = try withNoGrad { () throws(TorchError) in
                let raw = try loaded.model.forward(input)
                let decoded = try HeadDecoder.decode(
                    raw, anchors: loaded.model.anchors, strides: loaded.info.architecture.strides)
                return (raw, decoded)
            }
            var stored: [StoredTensor] = []
            for (level, logits) in outputs.0.enumerated() {
                stored.append(try logits.stored(name: "raw.\(level)"))
            }
            stored.append(try outputs.1.stored(name: "decoded"))
            try SafetensorsFile.write(stored, metadata: loaded.info.metadata, to: outputPath)
        }
    }

    private static func readInput(_ path: String) throws(CommandError) -> Tensor {
        try CommandError.wrap { () throws(TorchError) in
            let file = try SafetensorsFile(path: path)
            guard let stored = file.tensor(named: "input") else {
                throw TorchError.malformedFile(path: path, reason: "no tensor named 'input'")
            }
            guard stored.shape.count == 4, stored.shape[1] == 3 else {
                throw TorchError.malformedFile(
                    path: path, reason: "'input' has shape \(stored.shape), not [b, 3, h, w]")
            }
            return try Tensor(stored).to(.float32)
        }
    }
}
