import Datasets
import Detector
import Foundation
import Training

/// The settings of `train` and `distill` beyond the hyper-parameters, recorded in the checkpoint for resuming.
struct TrainSettings {
    var data: String
    var split = "train"
    var validationSplit = "val"
    var directory = ""
    var architecture = Architecture(.tiny)
    var initialWeights: String?
    var badLabels = BadLabelPolicy.skip
    var isAugmenting = true
    var threads = 2
    var options = TrainingOptions()
    /// Teacher model files, or "ema"; empty when not distilling.
    var teachers: [String] = []
    var teacherWeights: [Double] = []
    var distillation = DistillationSettings()

    var isDistilling: Bool { !teachers.isEmpty }

    /// Settings from the command line.
    init(_ parsed: Arguments, isDistilling: Bool) throws(CommandError) {
        guard let data = parsed.value("data") else { throw .usage("--data is required\n\n\(TrainCommand.usage)") }
        guard let directory = parsed.value("out") else {
            throw .usage("--out DIR (the run folder) is required\n\n\(TrainCommand.usage)")
        }
        self.data = data
        self.directory = directory
        split = parsed.value("split") ?? split
        validationSplit = parsed.value("val-split") ?? validationSplit
        let familyName = parsed.value("arch") ?? Architecture.Family.tiny.rawValue
        guard let family = Architecture.Family(rawValue: familyName) else {
            throw .usage("--arch must be yolov7-tiny or yolov7, got '\(familyName)'")
        }
        let width = try parsed.real("width", default: 1, in: 0.01...4)
        let depth = try parsed.real("depth", default: 1, in: 0.01...4)
        architecture = Architecture(family, width: width, depth: depth)
        initialWeights = parsed.value("weights")
        switch parsed.value("bad-labels") ?? "skip" {
        case "skip": badLabels = .skip
        case "fail": badLabels = .fail
        case let other: throw .usage("--bad-labels must be skip or fail, got '\(other)'")
        }
        isAugmenting = !parsed.has("no-augment")
        threads = try parsed.integer("threads", default: 2, in: 1...256)

        options.epochs = try parsed.integer("epochs", default: options.epochs, in: 1...100_000)
        options.batchSize = try parsed.integer("batch", default: options.batchSize, in: 1...4096)
        options.nominalBatchSize = try parsed.integer("nominal-batch", default: options.nominalBatchSize, in: 1...65536)
        options.imageSize = try parsed.integer("imgsz", default: options.imageSize, in: 32...4096)
        guard options.imageSize % 32 == 0 else { throw .usage("--imgsz must be a multiple of 32") }
        options.learningRate = try parsed.real("lr0", default: options.learningRate, in: 1e-8...10)
        options.workers = try parsed.integer("workers", default: 2, in: 1...64)
        options.seed = UInt64(try parsed.integer("seed", default: 0, in: 0...Int(Int32.max)))
        options.evaluationInterval = try parsed.integer("eval-interval", default: 1, in: 1...100_000)

        teachers = parsed.values["teacher"] ?? []
        if isDistilling && teachers.isEmpty {
            throw .usage("distill needs at least one --teacher (a model file, or ema)\n\n\(TrainCommand.usage)")
        }
        if !isDistilling && !teachers.isEmpty {
            throw .usage("--teacher belongs to detectd distill, not train")
        }
        if let text = parsed.value("teacher-weights") {
            teacherWeights = try text.split(separator: ",").map { (part) throws(CommandError) -> Double in
                guard let value = Double(part), value >= 0, value.isFinite else {
                    throw .usage("--teacher-weights must be non-negative numbers, got '\(text)'")
                }
                return value
            }
            guard teacherWeights.count == teachers.count, teacherWeights.reduce(0, +) > 0 else {
                throw .usage("--teacher-weights needs one weight per --teacher, not all zero")
            }
        } else {
            teacherWeights = Array(repeating: 1, count: teachers.count)
        }
        distillation.alpha = try parsed.real("alpha", default: distillation.alpha, in: 0...1000)
        distillation.beta = try parsed.real("beta", default: distillation.beta, in: 0...1000)
        distillation.lambda = try parsed.real("lambda", default: distillation.lambda, in: 0...1000)
        distillation.temperature = try parsed.real("temperature", default: distillation.temperature, in: 0.01...100)
    }

    /// The settings recorded by `recorded`, for a resumed run.
    init(recorded: [String: String], path: String) throws(CommandError) {
        let bad = CommandError(message: "\(path): the checkpoint's settings are incomplete", exitCode: .dataError)
        guard let data = recorded["data"], let familyName = recorded["arch"],
            let family = Architecture.Family(rawValue: familyName), let width = Double(recorded["width"] ?? ""),
            let depth = Double(recorded["depth"] ?? "")
        else { throw bad }
        self.data = data
        split = recorded["split"] ?? split
        validationSplit = recorded["val_split"] ?? validationSplit
        architecture = Architecture(family, width: width, depth: depth)
        initialWeights = recorded["weights"]
        badLabels = recorded["bad_labels"] == "fail" ? .fail : .skip
        isAugmenting = recorded["augment"] != "0"
        teachers = (recorded["teachers"] ?? "").split(separator: "\n").map(String.init)
        teacherWeights = (recorded["teacher_weights"] ?? "").split(separator: ",").compactMap { Double($0) }
        guard teacherWeights.count == teachers.count else { throw bad }
        distillation.alpha = Double(recorded["alpha"] ?? "") ?? distillation.alpha
        distillation.beta = Double(recorded["beta"] ?? "") ?? distillation.beta
        distillation.lambda = Double(recorded["lambda"] ?? "") ?? distillation.lambda
        distillation.temperature = Double(recorded["temperature"] ?? "") ?? distillation.temperature
    }

    /// What the checkpoint records.
    var recorded: [String: String] {
        var result = [
            "data": data, "split": split, "val_split": validationSplit, "arch": architecture.family.rawValue,
            "width": String(architecture.width), "depth": String(architecture.depth),
            "bad_labels": badLabels == .fail ? "fail" : "skip", "augment": isAugmenting ? "1" : "0",
            "teachers": teachers.joined(separator: "\n"),
            "teacher_weights": teacherWeights.map { String($0) }.joined(separator: ","),
            "alpha": String(distillation.alpha), "beta": String(distillation.beta),
            "lambda": String(distillation.lambda), "temperature": String(distillation.temperature),
        ]
        if let initialWeights { result["weights"] = initialWeights }
        return result
    }

}
