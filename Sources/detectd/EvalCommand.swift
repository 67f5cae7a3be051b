import Datasets
import Detector
import Evaluation
import Foundation
import Torch
import Training

/// `detectd eval`: COCO mAP, precision, recall and speed of a model on a labelled split.
enum EvalCommand {
    static let usage = """
        usage: detectd eval --weights W --data D [--split test] [--imgsz N] [--batch B] [--no-rect] [--conf C]
                            [--iou I] [--engine onednn|torch] [--threads T] [--bad-labels skip|fail] [--json]
                            [--save-json FILE] [--save-ground-truth FILE] [--plots DIR]

        Evaluates W on the --split of --data (a data.yaml, a Pascal VOC root or a COCO JSON) with the COCO
        definitions (pycocotools' matching, 101-point interpolation, 100 detections per image): mAP@0.5,
        mAP@0.5:0.95, per-class AP, and precision and recall at the score threshold with the best mean F1.
        Rectangular batches by default: images sorted by aspect ratio, each batch letterboxed to the smallest
        multiple-of-32 rectangle with long side N (the daemon's geometry); --no-rect uses N x N squares.
        Prints a table, or with --json one JSON object (with the class names) on stdout. --save-json writes
        the detections as COCO results (image_id = the file stem, an integer when numeric; category_id = class
        index; bbox = [x, y, w, h] in source pixels); --save-ground-truth writes the split as a COCO ground-truth
        file, for pycocotools; --plots writes the precision-recall curves as DIR/pr_curves.svg.
        """

    static func run(_ arguments: [String]) throws(CommandError) {
        let parsed = try Arguments(
            arguments,
            valueOptions: [
                "weights", "data", "split", "imgsz", "batch", "conf", "iou", "engine", "threads", "bad-labels",
                "save-json", "save-ground-truth", "plots",
            ],
            flagOptions: ["no-rect", "rect", "json", "help"])
        if parsed.has("help") {
            print(usage)
            return
        }
        guard let weights = parsed.value("weights"), let data = parsed.value("data") else {
            throw .usage("eval needs --weights and --data\n\n\(usage)")
        }
        let split = parsed.value("split") ?? "test"
        let threads = try parsed.integer("threads", default: 2, in: 1...256)
        let badLabels: BadLabelPolicy = parsed.value("bad-labels") == "fail" ? .fail : .skip
        let loaded = try CommandError.wrap { () throws(DetectorError) in try ModelLoader.load(path: weights) }
        var settings = EvaluationSettings()
        settings.imageSize = try parsed.integer("imgsz", default: loaded.info.inputSize ?? 640, in: 32...4096)
        settings.batchSize = try parsed.integer("batch", default: 8, in: 1...1024)
        settings.isRectangular = !parsed.has("no-rect")
        settings.suppression.confidenceThreshold = Float(try parsed.real("conf", default: 0.001, in: 0...1))
        settings.suppression.iouThreshold = Float(try parsed.real("iou", default: 0.65, in: 0...1))
        if let name = parsed.value("engine") {
            guard let engine = ObjectDetector.Engine(rawValue: name) else {
                throw .usage("--engine must be onednn or torch, got '\(name)'")
            }
            settings.engine = engine
        }

        let dataset = try CommandError.wrap { () throws(DatasetError) in
            try DetectionDataset.load(data: data, split: split, badLabels: badLabels)
        }
        guard dataset.classNames.count == loaded.info.classCount else {
            throw CommandError(
                message:
                    "\(weights): the model has \(loaded.info.classCount) classes, "
                    + "\(data) has \(dataset.classNames.count)",
                exitCode: .dataError)
        }
        let evaluator = try CommandError.wrap { () throws(DatasetError) in
            try DatasetEvaluator(dataset: dataset, settings: settings)
        }
        let model = try CommandError.wrap { () throws(TorchError) in
            try TorchRuntime.setThreadCount(threads)
            return try InferenceModel(folding: loaded.model, info: loaded.info)
        }
        let result = try CommandError.wrap { () throws(DetectorError) in try evaluator.evaluate(model) }
        try write(result, dataset: dataset, evaluator: evaluator, parsed: parsed)

        let report = report(result, dataset: dataset, settings: settings, weights: weights, info: loaded.info)
        if parsed.has("json") {
            try JSONOutput.write(report)
        } else {
            print(table(result, classNames: dataset.classNames, settings: settings))
        }
    }

    private static func write(
        _ result: EvaluationResult, dataset: DetectionDataset, evaluator: DatasetEvaluator, parsed: Arguments
    ) throws(CommandError) {
        let cocoID = { (index: Int) in COCOImageID(stem: dataset.samples[index].stem) }
        do {
            if let path = parsed.value("save-json") {
                try COCOJSON.writeResults(result.detections, imageID: cocoID, to: path)
            }
            if let path = parsed.value("save-ground-truth") {
                let images = dataset.samples.enumerated().map { index, sample in
                    COCOImage(
                        imageID: index, cocoID: cocoID(index), width: sample.width, height: sample.height,
                        fileName: (sample.imagePath as NSString).lastPathComponent)
                }
                try COCOJSON.writeGroundTruth(
                    images: images, boxes: evaluator.groundTruthBoxes, classNames: dataset.classNames, to: path)
            }
        } catch {
            throw CommandError(message: "\(error)", exitCode: .cannotCreate)
        }
        if let directory = parsed.value("plots") {
            let svg = SVGPlot.precisionRecallSVG(metrics: result.metrics, classNames: dataset.classNames)
            do {
                try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
                try CommandError.wrap { () throws(TorchError) in
                    try AtomicFile.write(Data(svg.utf8), to: directory + "/pr_curves.svg")
                }
            } catch let error as CommandError {
                throw error
            } catch {
                throw CommandError(message: "cannot create \(directory): \(error)", exitCode: .cannotCreate)
            }
        }
    }

    private static func report(
        _ result: EvaluationResult, dataset: DetectionDataset, settings: EvaluationSettings, weights: String,
        info: ModelInfo
    ) -> [String: Any] {
        let metrics = result.metrics
        let classes: [[String: Any]] = metrics.classes.map { entry in
            var object: [String: Any] = [
                "class": dataset.classNames[entry.classID], "class_id": entry.classID,
                "instances": entry.groundTruthCount,
            ]
            object["ap50"] = entry.ap50 ?? NSNull()
            object["ap50_95"] = entry.ap50_95 ?? NSNull()
            object["precision"] = entry.precision ?? NSNull()
            object["recall"] = entry.recall ?? NSNull()
            return object
        }
        return [
            "type": "evaluation", "weights": weights, "model": info.architecture.name, "data": dataset.source,
            "split": dataset.split, "images": dataset.samples.count, "imgsz": settings.imageSize,
            "rect": settings.isRectangular, "shapes": result.shapes, "engine": settings.engine.rawValue,
            "names": dataset.classNames, "map50": metrics.mAP50, "map50_95": metrics.mAP50_95,
            "map75": metrics.mAP75, "precision": metrics.precision, "recall": metrics.recall,
            "score_threshold": metrics.scoreThreshold ?? NSNull(), "classes": classes,
            "inference_ms_per_image": result.inferenceMilliseconds,
            "end_to_end_ms_per_image": result.endToEndMilliseconds,
        ]
    }

    private static func table(_ result: EvaluationResult, classNames: [String], settings: EvaluationSettings)
        -> String
    {
        let metrics = result.metrics
        let cell = { (value: Double?) in value.map { String(format: "%8.4f", $0) } ?? "       -" }
        var lines = [
            "class            instances   precision    recall    AP@0.5  AP@.5:.95",
            padded("all") + String(format: " %9d   ", metrics.classes.map(\.groundTruthCount).reduce(0, +))
                + [metrics.precision, metrics.recall, metrics.mAP50, metrics.mAP50_95].map(cell)
                .joined(separator: "  "),
        ]
        for entry in metrics.classes {
            lines.append(
                padded(classNames[entry.classID]) + String(format: " %9d   ", entry.groundTruthCount)
                    + [entry.precision, entry.recall, entry.ap50, entry.ap50_95].map(cell).joined(separator: "  "))
        }
        let shapes = result.shapes.sorted { $0.key < $1.key }.map { "\($0.key) x\($0.value)" }.joined(separator: ", ")
        lines.append(
            String(
                format: "inference %.2f ms/image, end to end %.2f ms/image, %@ batches: %@",
                result.inferenceMilliseconds, result.endToEndMilliseconds,
                (settings.isRectangular ? "rectangular" : "square") as NSString, shapes as NSString))
        return lines.joined(separator: "\n")
    }

    private static func padded(_ name: String) -> String {
        name.count >= 16 ? name : name + String(repeating: " ", count: 16 - name.count)
    }

}
