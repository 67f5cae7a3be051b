import Datasets
import Detector
import Foundation
import Torch
import Training

/// `detectd train` and `detectd distill`: train a detector on a labelled dataset, with or without teachers.
enum TrainCommand {
    static let usage = """
        usage: detectd train --data D --out DIR [--split train] [--val-split val] [--arch yolov7-tiny|yolov7]
                             [--width W] [--depth D] [--weights INIT] [--epochs N] [--batch B] [--nominal-batch NB]
                             [--imgsz S] [--lr0 X] [--workers K] [--threads T] [--seed S] [--eval-interval E]
                             [--bad-labels skip|fail] [--no-augment]
               detectd distill --teacher T [--teacher T2 ...] [--teacher-weights w1,w2] [--alpha A] [--beta B]
                             [--lambda L] [--temperature T] (and every train option)
               detectd train|distill --resume DIR [--epochs N] [--workers K] [--threads T]

        Trains on the --split of --data (a data.yaml, a Pascal VOC root or a COCO JSON), evaluating the EMA
        weights on --val-split after every E epochs. DIR receives checkpoint.safetensors (to --resume),
        last.safetensors and best.safetensors (model files), results.csv, losses.svg and metrics.svg, each
        written atomically after every epoch. distill adds alpha x hard + beta x soft loss against the
        teachers (model files, or `ema` for the student's own moving average). Progress goes to stderr; the
        final summary is one JSON object on stdout.
        """

    static let valueOptions: Set<String> = [
        "data", "out", "split", "val-split", "arch", "width", "depth", "weights", "epochs", "batch", "nominal-batch",
        "imgsz", "lr0", "workers", "threads", "seed", "eval-interval", "bad-labels", "teacher", "teacher-weights",
        "alpha", "beta", "lambda", "temperature", "resume",
    ]

    static func run(_ arguments: [String], isDistilling: Bool) throws(CommandError) {
        let parsed = try Arguments(arguments, valueOptions: valueOptions, flagOptions: ["no-augment", "help"])
        if parsed.has("help") {
            print(usage)
            return
        }
        var settings: TrainSettings
        var state: TrainingCheckpoint.State?
        var checkpoint: SafetensorsFile?
        if let resume = parsed.value("resume") {
            let path = resume + "/checkpoint.safetensors"
            guard FileManager.default.fileExists(atPath: path) else {
                throw CommandError(message: "\(path): no checkpoint to resume from", exitCode: .noInput)
            }
            let read = try CommandError.wrap { () throws(TorchError) in try TrainingCheckpoint.readState(path: path) }
            settings = try TrainSettings(recorded: read.state.command, path: path)
            settings.directory = resume
            state = read.state
            checkpoint = read.file
            if let epochs = parsed.value("epochs") {
                state?.options.epochs = try Self.number(epochs, "epochs", 1...100_000)
            }
            state?.options.workers = try parsed.integer("workers", default: read.state.options.workers, in: 1...64)
            settings.threads = try parsed.integer("threads", default: settings.threads, in: 1...256)
        } else {
            settings = try TrainSettings(parsed, isDistilling: isDistilling)
        }
        let options = state?.options ?? settings.options
        try Self.train(settings, options: options, state: state, checkpoint: checkpoint)
    }

    private static func number(_ text: String, _ name: String, _ range: ClosedRange<Int>) throws(CommandError) -> Int {
        guard let value = Int(text), range.contains(value) else {
            throw .usage("--\(name) must be an integer in \(range.lowerBound)...\(range.upperBound), got '\(text)'")
        }
        return value
    }
}
