import Detector
import Torch

/// `detectd convert IN OUT.safetensors [--names a,b,c]`: writes detectd's model file from any weights file.
enum ConvertCommand {
    static let usage = """
        usage: detectd convert IN OUT.safetensors [--names a,b,c] [--imgsz N] [--half]

        Reads a YOLOv7-family model from IN (an upstream release .pt, a state_dict .pt, or a detectd
        .safetensors), checks it against its architecture, and writes it as detectd's model file: float32
        tensors under upstream's names, with the architecture, class names, anchors, strides and provenance
        as metadata. --names sets the class names (one per class). --half stores float16 tensors (half the
        size, as upstream ships releases; models load back as float32).
        """

    static func run(_ arguments: [String]) throws(CommandError) {
        let parsed = try Arguments(arguments, valueOptions: ["names", "imgsz"], flagOptions: ["half", "help"])
        if parsed.has("help") {
            print(usage)
            return
        }
        guard parsed.positionals.count == 2 else {
            throw .usage("convert takes IN and OUT\n\n\(usage)")
        }
        let (input, output) = (parsed.positionals[0], parsed.positionals[1])
        let names = parsed.value("names").map { $0.split(separator: ",").map(String.init) }
        let loaded = try CommandError.wrap { () throws(DetectorError) in
            try ModelLoader.load(path: input, classNames: names)
        }
        var info = loaded.info
        if parsed.value("imgsz") != nil {
            info.inputSize = try parsed.integer("imgsz", default: 640, in: 32...4096)
        }
        if info.provenance == input {
            info.provenance = "converted from \(input)"
        }
        try CommandError.wrap { () throws(TorchError) in
            try ModelFile.write(loaded.model, info: info, to: output, isHalf: parsed.has("half"))
        }
        Logger().info(
            "model converted",
            [
                "model.input": input, "model.output": output, "model.architecture": info.architecture.name,
                "model.classes": info.classNames.joined(separator: ","),
            ])
    }
}
