import Foundation
import Stream

/// `detectd bench-ingest FILE`: decode-only (and optionally decode + letterbox) throughput of detectd's FFmpeg
/// ingest, for comparison with `ffmpeg -i FILE -f null -`.
enum BenchIngestCommand {
    static let usage = """
        usage: detectd bench-ingest FILE [--threads T] [--letterbox N] [--json]

        Reads and decodes every frame of FILE as fast as possible with the daemon's MediaSource and VideoDecoder
        (T decoder threads, default 2) and prints frames per second; --letterbox N also converts every frame
        into the letterboxed N-pixel model input, as the daemon does.
        """

    static func run(_ arguments: [String]) throws(CommandError) {
        let parsed = try Arguments(arguments, valueOptions: ["threads", "letterbox"], flagOptions: ["json", "help"])
        if parsed.has("help") {
            print(usage)
            return
        }
        guard parsed.positionals.count == 1, let path = parsed.positionals.first else {
            throw .usage("bench-ingest takes one FILE\n\n\(usage)")
        }
        let threads = try parsed.integer("threads", default: 2, in: 1...64)
        let letterboxSize = try parsed.integer("letterbox", default: 0, in: 0...4096)
        let clock = ContinuousClock()
        let start = clock.now
        var frames = 0
        var corrupt = 0
        do {
            let source = try MediaSource(url: path)
            let decoder = try VideoDecoder(source: source, threadCount: threads)
            let packet = try Packet()
            let converter = FrameConverter()
            var buffer: [Float] = []
            var options = StreamOptions(name: "bench", url: path)
            options.imageSize = max(32, letterboxSize)
            let handle = { (frame: DecodedFrame) throws in
                frames += 1
                guard letterboxSize > 0 else { return }
                let size = options.inputSize(sourceWidth: frame.width, sourceHeight: frame.height)
                if buffer.count != 3 * size.width * size.height {
                    buffer = [Float](repeating: 0, count: 3 * size.width * size.height)
                }
                try converter.letterbox(frame, into: &buffer, width: size.width, height: size.height)
            }
            while try source.readPacket(into: packet) {
                try decoder.decode(packet, handle)
            }
            try decoder.flush(handle)
            corrupt = decoder.corruptPackets
        } catch {
            throw CommandError(message: "\(path): \(error)", exitCode: .dataError)
        }
        let elapsed = start.duration(to: clock.now)
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let summary: [String: Any] = [
            "frames": frames, "seconds": DetectionJSON.rounded(seconds, places: 4),
            "fps": DetectionJSON.rounded(Double(frames) / seconds, places: 2), "threads": threads,
            "letterbox": letterboxSize, "corrupt": corrupt,
        ]
        if parsed.has("json") {
            try JSONOutput.write(summary)
        } else {
            print("\(frames) frames in \(summary["seconds"] ?? 0) s: \(summary["fps"] ?? 0) fps")
        }
    }
}
