import Detector
import Torch

/// `detectd create-model`: writes a freshly initialised model file (upstream's initialisation).
enum CreateModelCommand {
    static let usage = """
        usage: detectd create-model --arch yolov7-tiny|yolov7 [--width W] [--depth D] --names a,b,c
                                    [--seed S] OUT.safetensors

        Writes a model of the given architecture, scaled by width and depth, with upstream's random
        initialisation and default anchors: a starting point for training, or random weights for benchmarks.
        """

    static func run(_ arguments: [String]) throws(CommandError) {
        let parsed = try Arguments(
            arguments, valueOptions: ["arch", "width", "depth", "names", "seed"], flagOptions: ["help"])
        if parsed.has("help") {
            print(usage)
            return
        }
        guard parsed.positionals.count == 1, let output = parsed.positionals.first else {
            throw .usage("create-model takes one OUT file\n\n\(usage)")
        }
        guard let family = Architecture.Family(rawValue: parsed.value("arch") ?? "") else {
            throw .usage("--arch must be yolov7-tiny or yolov7")
        }
        guard let width = Double(parsed.value("width") ?? "1"), width > 0, width <= 4,
            let depth = Double(parsed.value("depth") ?? "1"), depth > 0, depth <= 4
        else {
            throw .usage("--width and --depth must be numbers in (0, 4]")
        }
        guard let names = parsed.value("names")?.split(separator: ",").map(String.init), !names.isEmpty else {
            throw .usage("--names needs at least one class name")
        }
        let seed = try parsed.integer("seed", default: 0, in: 0...Int(Int32.max))
        let architecture = Architecture(family, width: width, depth: depth)
        try CommandError.wrap { () throws(TorchError) in
            try TorchRuntime.manualSeed(UInt64(seed))
            let model = try YOLOModel(architecture: architecture, classCount: names.count)
            let info = ModelInfo(
                architecture: architecture, classNames: names, anchors: architecture.defaultAnchors, inputSize: nil,
                provenance: "random initialisation, seed \(seed)")
            try ModelFile.write(model, info: info, to: output)
        }
    }
}
