import Detector
import Foundation
import Stream
import Torch

/// `detectd [run] [OPTIONS] SOURCE...`: the daemon. Parses the options, then hands over to `Daemon`.
enum RunCommand {
    static let usage = """
        usage: detectd [run] --weights W [OPTIONS] SOURCE...

        Watches each SOURCE and writes one JSON line per processed frame to stdout (schema:
        docs/output-schema.json), a stats line per stream every --stats-interval seconds, and an event line at
        each connection change. SOURCE is a URL or path, optionally named: NAME=URL.
          rtsp://..., http(s)://... (HLS too), udp://, rtmp://, srt://   live: latest frame wins, reconnects
          a video file (MP4, MKV, AVI, MPEG-TS, ...)                     lossless, back-pressure; --realtime paces
          an image file, or a folder of images                          one frame per image, in name order

        options:
          --weights W            model file (.safetensors from detectd convert, or an upstream .pt)
          --imgsz N              long side of the model input (default: the model's training size, or 640)
          --no-rect              square N x N input instead of the smallest stride-multiple rectangle
          --conf C --iou I       detection thresholds (0.25, 0.45); --max-det K (300)
          --threads T            intra-op threads for inference (2)
          --batch B              most frames of different streams inferred together (4)
          --timeout S            I/O timeout of a source in seconds (10)
          --stall-timeout S      reconnect a source that delivers no frame for S seconds (10)
          --rtsp-transport tcp|udp  (tcp)
          --vid-stride N         process every N-th frame (1)
          --realtime             pace files at their native frame rate
          --loop                 replay files from the start at their end
          --decode-priority auto|normal|idle
                                 scheduling of each stream's decoding thread; auto: idle (SCHED_IDLE, decode
                                 only on cores inference leaves free) for lossless files and images, normal
                                 for live and paced sources; normal when other busy work shares the cores (auto)
          --stats-interval S     seconds between stats lines; 0 for final stats only (5)
          --log-level L          error, warning, info, debug (info)
          --engine onednn|torch  forward implementation (onednn; torch for comparison)

        SIGTERM or SIGINT stops the sources, drains frames in flight, writes final stats and exits 0. Exit 66
        when no source could be opened; 64 for a bad command line; 65 for bad weights.
        """

    static let valueOptions: Set<String> = [
        "weights", "imgsz", "conf", "iou", "max-det", "threads", "batch", "timeout", "stall-timeout",
        "rtsp-transport", "vid-stride", "stats-interval", "log-level", "engine", "decode-priority",
    ]

    static func run(_ arguments: [String]) throws(CommandError) {
        let parsed = try Arguments(
            arguments, valueOptions: valueOptions, flagOptions: ["no-rect", "realtime", "loop", "help"])
        if parsed.has("help") {
            print(usage)
            return
        }
        guard let weights = parsed.value("weights") ?? ProcessInfo.processInfo.environment["DETECTD_WEIGHTS"] else {
            throw .usage("--weights is required\n\n\(usage)")
        }
        guard !parsed.positionals.isEmpty else {
            throw .usage("no SOURCE given\n\n\(usage)")
        }
        var logger = Logger()
        if let level = parsed.value("log-level") {
            guard let parsedLevel = Logger.Level(name: level) else { throw .usage("unknown --log-level '\(level)'") }
            logger.minimumLevel = parsedLevel
        }
        var nms = NMSOptions.detection
        nms.confidenceThreshold = Float(try parsed.real("conf", default: 0.25, in: 0...1))
        nms.iouThreshold = Float(try parsed.real("iou", default: 0.45, in: 0...1))
        nms.maxDetections = try parsed.integer("max-det", default: 300, in: 1...100_000)
        let threads = try parsed.integer("threads", default: 2, in: 1...256)
        let batch = try parsed.integer("batch", default: 4, in: 1...64)
        let statsSeconds = try parsed.real("stats-interval", default: 5, in: 0...86_400)

        let loaded = try CommandError.wrap { () throws(DetectorError) in try ModelLoader.load(path: weights) }
        let imageSize = try parsed.integer("imgsz", default: loaded.info.inputSize ?? 640, in: 32...4096)
        guard imageSize % 32 == 0 else { throw .usage("--imgsz must be a multiple of 32") }
        let streams = try streamOptions(parsed, imageSize: imageSize)
        let model = try CommandError.wrap { () throws(TorchError) in
            try TorchRuntime.setThreadCount(threads)
            return try InferenceModel(folding: loaded.model, info: loaded.info)
        }
        guard let engine = ObjectDetector.Engine(rawValue: parsed.value("engine") ?? "onednn") else {
            throw .usage("--engine must be onednn or torch")
        }
        let daemon = Daemon(
            streams: streams, detector: YOLOFrameDetector(model: model, options: nms, engine: engine),
            info: loaded.info,
            batch: batch, statsInterval: statsSeconds > 0 ? .milliseconds(Int64(statsSeconds * 1000)) : nil,
            logger: logger)
        daemon.run()
    }

    /// One `StreamOptions` per SOURCE, with the shared settings; names must be unique.
    static func streamOptions(_ parsed: Arguments, imageSize: Int) throws(CommandError) -> [StreamOptions] {
        let timeout = try parsed.real("timeout", default: 10, in: 0.1...3600)
        let stall = try parsed.real("stall-timeout", default: 10, in: 0.1...3600)
        let stride = try parsed.integer("vid-stride", default: 1, in: 1...10_000)
        let transport = parsed.value("rtsp-transport") ?? "tcp"
        guard let rtspTransport = StreamOptions.RTSPTransport(rawValue: transport) else {
            throw .usage("--rtsp-transport must be tcp or udp")
        }
        let priorityName = parsed.value("decode-priority") ?? "auto"
        let decodePriority = StreamOptions.DecodePriority(rawValue: priorityName)
        guard decodePriority != nil || priorityName == "auto" else {
            throw .usage("--decode-priority must be auto, normal or idle")
        }
        var names = Set<String>()
        var result: [StreamOptions] = []
        for source in parsed.positionals {
            let (name, url) = split(source)
            guard !url.isEmpty else { throw .usage("source '\(source)' has no URL") }
            guard names.insert(name).inserted else { throw .usage("two sources are named '\(name)'") }
            var options = StreamOptions(name: name, url: url)
            options.imageSize = imageSize
            options.isRectangular = !parsed.has("no-rect")
            options.ioTimeout = .milliseconds(Int64(timeout * 1000))
            options.stallTimeout = .milliseconds(Int64(stall * 1000))
            options.rtspTransport = rtspTransport
            options.vidStride = stride
            options.isRealtime = parsed.has("realtime")
            options.isLooping = parsed.has("loop")
            options.decodePriority = decodePriority
            result.append(options)
        }
        return result
    }

    /// `NAME=URL` into its parts; a plain URL or path names itself.
    static func split(_ source: String) -> (name: String, url: String) {
        guard let equals = source.firstIndex(of: "=") else { return (source, source) }
        let name = source[..<equals]
        let isName = !name.isEmpty && name.allSatisfy { $0.isLetter || $0.isNumber || "_-.".contains($0) }
        return isName ? (String(name), String(source[source.index(after: equals)...])) : (source, source)
    }

}
