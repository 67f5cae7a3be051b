import Datasets
import Detector
import Evaluation
import Foundation
import Torch
import Training

extension TrainCommand {
    static func train(
        _ settings: TrainSettings, options: TrainingOptions, state: TrainingCheckpoint.State?,
        checkpoint: SafetensorsFile?
    ) throws(CommandError) {
        let logger = Logger()
        try CommandError.wrap { () throws(TorchError) in
            try TorchRuntime.setThreadCount(settings.threads)
            try TorchRuntime.manualSeed(options.seed)
        }
        let trainSplit = try loadSplit(settings, settings.split, logger: logger)
        let validationSplit = try loadSplit(settings, settings.validationSplit, logger: logger)

        let (model, info) = try makeModel(settings, classNames: trainSplit.classNames, imageSize: options.imageSize)
        let teachers = try loadTeachers(settings, student: info)
        let trainer = try CommandError.wrap { () throws(TorchError) in
            let copy = try YOLOModel(
                architecture: model.architecture, classCount: model.classCount, anchors: model.anchors)
            return try Trainer(
                model: model, emaCopy: copy, options: options,
                distillation: teachers.map { (settings.distillation, $0) })
        }
        let augmenter = try CommandError.wrap { () throws(DatasetError) in
            try Augmenter(
                dataset: trainSplit, imageSize: options.imageSize,
                config: settings.isAugmenting ? .yolov7Tiny : .none, seed: options.seed, workers: options.workers)
        }
        let loader = BatchLoader(
            augmenter: augmenter, batchSize: options.batchSize, workers: options.workers, seed: options.seed)
        let source = DatasetBatchSource(loader: loader)
        var evaluation = EvaluationSettings()
        evaluation.imageSize = options.imageSize
        let evaluator = try CommandError.wrap { () throws(DatasetError) in
            try DatasetEvaluator(dataset: validationSplit, settings: evaluation)
        }

        var runState =
            state
            ?? TrainingCheckpoint.State(
                epochsDone: 0, emaUpdates: 0, bestFitness: -1, bestEpoch: 0, options: options,
                command: settings.recorded)
        runState.options = options
        if let checkpoint {
            try CommandError.wrap { () throws(TorchError) in
                try TrainingCheckpoint.restore(trainer, from: checkpoint)
            }
            trainer.restoreProgress(
                epochs: runState.epochsDone, batchesPerEpoch: source.batchesPerEpoch, emaUpdates: runState.emaUpdates)
            logger.info("resuming", ["run.dir": settings.directory, "epochs.done": "\(runState.epochsDone)"])
        }
        let run = try CommandError.wrap { () throws(TorchError) in
            try TrainingRun(directory: settings.directory, trainer: trainer, info: info, state: runState)
        }
        logger.info(
            "training",
            [
                "model": info.architecture.name, "params": "\(model.parameterCount)",
                "train.images": "\(augmenter.count)",
                "val.images": "\(validationSplit.samples.count)", "epochs": "\(options.epochs)",
                "batch": "\(options.batchSize)", "accumulate": "\(options.accumulationSteps)",
                "imgsz": "\(options.imageSize)", "teachers": "\(settings.teachers.count)",
            ])
        let progress = TrainingProgress(epochs: options.epochs, logger: logger)
        do {
            try run.run(
                source: source,
                evaluate: { average in
                    let folded = try InferenceModel(folding: average, info: info)
                    let result = try evaluator.evaluate(folded)
                    return EpochMetrics(
                        precision: result.metrics.precision, recall: result.metrics.recall,
                        map50: max(result.metrics.mAP50, 0), map50to95: max(result.metrics.mAP50_95, 0))
                },
                plot: { records in try TrainingPlots.write(records, to: settings.directory) },
                observe: progress.observe)
        } catch let error as TorchError {
            throw CommandError(error)
        } catch let error as DetectorError {
            throw CommandError(error)
        } catch {
            throw CommandError(message: "training failed: \(error)", exitCode: .software)
        }
        loader.stop()
        var object = summary(run, info: info, parameters: model.parameterCount)
        object["loader_waits"] = loader.waitCount
        object["peak_rss_mb"] = BenchCommand.peakResidentMegabytes()
        try JSONOutput.write(object)
    }

    private static func summary(_ run: TrainingRun, info: ModelInfo, parameters: Int) -> [String: Any] {
        var object: [String: Any] = [
            "type": "training", "run": run.directory, "model": info.architecture.name, "params": parameters,
            "epochs": run.state.epochsDone, "best_epoch": run.state.bestEpoch, "best": run.bestModelPath,
            "last": run.lastModelPath,
        ]
        if let last = run.log.records.last {
            object["images_per_s"] = last.imagesPerSecond
        }
        if let best = run.log.records.first(where: { $0.epoch == run.state.bestEpoch })?.metrics {
            object["val"] = [
                "map50": best.map50, "map50_95": best.map50to95, "precision": best.precision, "recall": best.recall,
            ]
        }
        return object
    }

    private static func loadSplit(_ settings: TrainSettings, _ split: String, logger: Logger) throws(CommandError)
        -> DetectionDataset
    {
        let dataset = try CommandError.wrap { () throws(DatasetError) in
            try DetectionDataset.load(data: settings.data, split: split, badLabels: settings.badLabels)
        }
        for issue in dataset.issues.prefix(20) {
            logger.warning("label issue", ["issue": issue.description])
        }
        logger.info("dataset", ["data": settings.data, "split": split, "summary": dataset.summary])
        return dataset
    }

    private static func makeModel(_ settings: TrainSettings, classNames: [String], imageSize: Int)
        throws(CommandError) -> (YOLOModel, ModelInfo)
    {
        if let path = settings.initialWeights {
            let loaded = try CommandError.wrap { () throws(DetectorError) in
                try ModelLoader.load(path: path, classNames: nil)
            }
            guard loaded.info.classCount == classNames.count else {
                throw CommandError(
                    message:
                        "\(path): the model has \(loaded.info.classCount) classes, the dataset \(classNames.count)",
                    exitCode: .dataError)
            }
            var info = loaded.info
            info.classNames = classNames
            info.inputSize = imageSize
            return (loaded.model, info)
        }
        return try CommandError.wrap { () throws(TorchError) in
            let model = try YOLOModel(architecture: settings.architecture, classCount: classNames.count)
            let info = ModelInfo(
                architecture: settings.architecture, classNames: classNames, anchors: model.anchors,
                inputSize: imageSize,
                provenance: "detectd \(settings.isDistilling ? "distill" : "train") on \(settings.data)")
            return (model, info)
        }
    }

    private static func loadTeachers(_ settings: TrainSettings, student: ModelInfo) throws(CommandError)
        -> TeacherSource?
    {
        guard settings.isDistilling else { return nil }
        if settings.teachers == ["ema"] { return .studentEMA }
        var teachers: [(model: InferenceModel, weight: Double)] = []
        for (path, weight) in zip(settings.teachers, settings.teacherWeights) {
            guard path != "ema" else {
                throw CommandError.usage("--teacher ema cannot be mixed with teacher files")
            }
            let loaded = try CommandError.wrap { () throws(DetectorError) in try ModelLoader.load(path: path) }
            guard loaded.info.classCount == student.classCount else {
                throw CommandError(
                    message:
                        "\(path): the teacher has \(loaded.info.classCount) classes, the student \(student.classCount)",
                    exitCode: .dataError)
            }
            let model = try CommandError.wrap { () throws(TorchError) in
                try InferenceModel(folding: loaded.model, info: loaded.info, isChannelsLast: false)
            }
            teachers.append((model, weight))
        }
        return .models(teachers)
    }
}
