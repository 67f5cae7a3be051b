import Detector
import Foundation
import Stream
import Torch

/// `detectd predict`: detections for still images, one JSON line per image, in the daemon's schema.
enum PredictCommand {
    static let usage = """
        usage: detectd predict --weights W [--imgsz N] [--conf C] [--iou I] [--max-det K] [--no-rect]
                               [--threads T] IMAGE...

        Detects objects in each IMAGE (JPEG, PNG, BMP, ... anything FFmpeg decodes) and prints one JSON line per
        image: {"type":"detections","stream":"predict","source":IMAGE,"frame":i,...,"detections":[{"class",
        "class_id","score","box":[x1,y1,x2,y2]}]} with boxes in image pixels. The image is letterboxed to the
        smallest rectangle of multiples of 32 whose long side is N (default: the model's training size, or
        640); --no-rect uses an N x N square. An image that cannot be read is reported on stderr and skipped;
        the exit code is then 65 (corrupt) or 66 (missing).
        """

    static func run(_ arguments: [String]) throws(CommandError) {
        let parsed = try Arguments(
            arguments, valueOptions: ["weights", "imgsz", "conf", "iou", "max-det", "threads"],
            flagOptions: ["no-rect", "rect", "help"])
        if parsed.has("help") {
            print(usage)
            return
        }
        guard let weights = parsed.value("weights"), !parsed.positionals.isEmpty else {
            throw .usage("predict needs --weights and at least one IMAGE\n\n\(usage)")
        }
        let threads = try parsed.integer("threads", default: 2, in: 1...256)
        var options = NMSOptions.detection
        options.confidenceThreshold = Float(try parsed.real("conf", default: 0.25, in: 0...1))
        options.iouThreshold = Float(try parsed.real("iou", default: 0.45, in: 0...1))
        options.maxDetections = try parsed.integer("max-det", default: 300, in: 1...100_000)

        let loaded = try CommandError.wrap { () throws(DetectorError) in try ModelLoader.load(path: weights) }
        let size = try parsed.integer("imgsz", default: loaded.info.inputSize ?? 640, in: 32...4096)
        let isRectangular = !parsed.has("no-rect")
        let detector = try CommandError.wrap { () throws(TorchError) in
            try TorchRuntime.setThreadCount(threads)
            return ObjectDetector(model: try InferenceModel(folding: loaded.model, info: loaded.info), options: options)
        }
        let converter = FrameConverter()
        let logger = Logger()
        var failure: ExitCode?
        for (index, path) in parsed.positionals.enumerated() {
            do {
                let line = try predict(
                    path, index: index, detector: detector, converter: converter, size: size,
                    isRectangular: isRectangular, info: loaded.info)
                try JSONOutput.write(line)
            } catch let error as CommandError {
                throw error
            } catch let error as DetectorError {
                throw CommandError(error)
            } catch let error as FFmpegError {
                logger.error("image skipped", ["image.path": path, "reason": error.description])
                let isMissing = !FileManager.default.fileExists(atPath: path)
                failure = failure == .noInput || isMissing ? .noInput : .dataError
            } catch {
                throw CommandError(message: "\(path): \(error)", exitCode: .software)
            }
        }
        if let failure {
            throw CommandError(message: "some images could not be read", exitCode: failure)
        }
    }

    private static func predict(
        _ path: String, index: Int, detector: ObjectDetector, converter: FrameConverter, size: Int,
        isRectangular: Bool, info: ModelInfo
    ) throws -> [String: Any] {
        let captured = Date()
        let frame = try ImageLoader.decodeImage(path: path)
        let input = Letterbox.inputSize(
            forSourceWidth: frame.width, height: frame.height, imageSize: size, isRectangular: isRectangular)
        var buffer = [Float](repeating: 0, count: 3 * input.width * input.height)
        try converter.letterbox(frame, into: &buffer, width: input.width, height: input.height)
        let letterbox = Letterbox(
            sourceWidth: frame.width, sourceHeight: frame.height, targetWidth: input.width, targetHeight: input.height)

        let clock = ContinuousClock()
        let start = clock.now
        var detections = try buffer.withUnsafeBufferPointer { pointer in
            try detector.detect(pointer.baseAddress!, batch: 1, height: input.height, width: input.width)[0]
        }
        let elapsed = start.duration(to: clock.now)
        letterbox.mapToSource(&detections)
        var line = DetectionJSON.frame(
            stream: "predict", frame: index, pts: 0, time: captured, width: frame.width, height: frame.height,
            model: info.architecture.name, inferenceMilliseconds: milliseconds(elapsed), detections: detections,
            classNames: info.classNames)
        line["source"] = path
        return line
    }

    static func milliseconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
    }
}
