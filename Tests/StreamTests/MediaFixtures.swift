import Foundation
import Stream
import TestSupport
import Testing

/// Media files made once per test process with the `ffmpeg` command-line tool, in a temporary directory that is
/// removed when the process exits.
///
/// Clips are small (160x120, 2 s at 25 fps) so that the whole suite stays quick on two cores.
enum MediaFixtures {
    /// The fixture files by name, or why they could not be made.
    private static let made: Result<URL, FixtureError> = Result { () throws(FixtureError) -> URL in
        try make()
    }

    /// The path of fixture `name` (such as "clip.mp4"), making every fixture on first use.
    static func path(_ name: String) throws -> String {
        try made.get().appendingPathComponent(name).path
    }

    /// The directory that holds the fixtures.
    static func directory() throws -> String {
        try made.get().path
    }

    /// The clips of `clipFrameCount` frames at 25 fps, by container.
    static let clips = ["clip.mp4", "clip.mkv", "clip.avi"]
    /// The number of frames in each of `clips`.
    static let clipFrameCount = 50
    /// The size of `clips`' frames.
    static let clipSize = (width: 160, height: 120)
    /// The folder of three 64x48 PNGs, red, green and blue in name order, beside a text file.
    static let imageFolder = "images"
    /// The 1280x720 clip, `hdFrameCount` frames at 25 fps.
    static let hdClip = "hd.mp4"
    /// The number of frames in `hdClip`.
    static let hdFrameCount = 10
    /// The colour of `colour.*`: R 50, G 100, B 200.
    static let colour: [UInt8] = [50, 100, 200]

    /// Why a fixture could not be made.
    struct FixtureError: Error, CustomStringConvertible {
        /// What went wrong.
        let description: String
    }

    private static func make() throws(FixtureError) -> URL {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("detectd-stream-tests-\(getpid())", isDirectory: true)
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw FixtureError(description: "cannot create \(directory.path): \(error)")
        }
        atexit {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("detectd-stream-tests-\(getpid())")
            try? FileManager.default.removeItem(at: path)
        }

        // libx264 is the codec cameras send; mpeg4 stands in where this FFmpeg was built without it.
        let h264 = try ffmpegOutput(["-hide_banner", "-encoders"]).contains("libx264")
        let videoCodec = h264 ? ["-c:v", "libx264", "-pix_fmt", "yuv420p"] : ["-c:v", "mpeg4", "-q:v", "3"]
        let clip = ["-f", "lavfi", "-i", "testsrc2=s=160x120:r=25", "-frames:v", "50"]
        // Asking the colour source for RGB directly keeps the colours exact (no trip through YUV).
        let image = { (colour: String, format: String) in
            ["-f", "lavfi", "-i", "color=c=\(colour):s=64x48,format=\(format)", "-frames:v", "1"]
        }
        let jobs: [[String]] = [
            image("red", "rgb24") + ["red.png"],
            image("0x727272", "gray") + ["grey.png"],
            image("0x3264C8", "rgb24") + ["colour.png"],
            image("0x3264C8", "bgr24") + ["colour.bmp"],
            image("0x3264C8", "yuvj444p") + ["-q:v", "1", "colour.jpg"],
            clip + videoCodec + ["-movflags", "+faststart", "clip.mp4"],
            clip + videoCodec + ["clip.mkv"],
            clip + ["-c:v", "mjpeg", "-pix_fmt", "yuvj420p", "-q:v", "3", "clip.avi"],
            // testsrc2 rounds its size to even numbers; scaling afterwards keeps the odd one.
            ["-f", "lavfi", "-i", "testsrc2=s=640x480:r=25", "-vf", "scale=641:479", "-frames:v", "10"]
                + ["-c:v", "mjpeg", "-pix_fmt", "yuvj420p", "odd.avi"],
            ["-f", "lavfi", "-i", "sine=d=0.2", "audio.wav"],
            // An HD camera's size, for input-shape planning; few frames, as 720p decodes slowly on two cores.
            ["-f", "lavfi", "-i", "testsrc2=s=1280x720:r=25", "-frames:v", "10"] + videoCodec + ["hd.mp4"],
            // A folder of images in name order, red, green, blue (see `imageFolder`).
            image("red", "rgb24") + ["images/a-red.png"],
            image("lime", "rgb24") + ["images/b-green.png"],
            image("blue", "rgb24") + ["images/c-blue.png"],
            // HD cameras send BT.709 video; FFV1 keeps it lossless, so only the YUV matrix can shift the colour.
            image("0x3264C8", "rgb24") + [
                "-vf", "scale=out_color_matrix=bt709:out_range=tv,format=yuv420p", "-colorspace", "bt709",
                "-color_range", "tv", "-c:v", "ffv1", "bt709.mkv",
            ],
        ]
        do {
            let folder = directory.appendingPathComponent("images", isDirectory: true)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            // Not an image: the folder reader must pass it over.
            try Data("not an image".utf8).write(to: folder.appendingPathComponent("notes.txt"))
        } catch {
            throw FixtureError(description: "cannot make the image folder: \(error)")
        }
        for job in jobs {
            _ = try ffmpegOutput(["-v", "error", "-y"] + job, in: directory)
        }

        var generator = SplitMix64(seed: 2024)
        let random = (0..<65_536).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        try write(Data(random), to: directory.appendingPathComponent("random.bin"))
        let mp4 = try read(directory.appendingPathComponent("clip.mp4"))
        try write(mp4.prefix(mp4.count * 2 / 5), to: directory.appendingPathComponent("truncated.mp4"))
        for name in ["clip.mkv", "clip.avi"] {
            var bytes = try read(directory.appendingPathComponent(name))
            // Damage the middle half (packet payloads), leaving the headers and index readable.
            for _ in 0..<200 {
                let offset = bytes.count / 4 + Int(generator.next() % UInt64(bytes.count / 2))
                bytes[offset] ^= UInt8(1 << (generator.next() % 8))
            }
            try write(bytes, to: directory.appendingPathComponent("corrupt-" + name))
        }
        return directory
    }

    /// Runs `ffmpeg arguments` and returns its stdout, or throws with its stderr.
    private static func ffmpegOutput(_ arguments: [String], in directory: URL? = nil) throws(FixtureError) -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["ffmpeg"] + arguments
        process.currentDirectoryURL = directory
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw FixtureError(description: "cannot run ffmpeg: \(error)")
        }
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errorData, as: UTF8.self)
            throw FixtureError(description: "ffmpeg \(arguments.joined(separator: " ")) failed: \(message)")
        }
        return String(decoding: outputData, as: UTF8.self)
    }

    private static func read(_ url: URL) throws(FixtureError) -> Data {
        do {
            return try Data(contentsOf: url)
        } catch {
            throw FixtureError(description: "cannot read \(url.path): \(error)")
        }
    }

    private static func write(_ data: Data, to url: URL) throws(FixtureError) {
        do {
            try data.write(to: url)
        } catch {
            throw FixtureError(description: "cannot write \(url.path): \(error)")
        }
    }
}

/// What decoding a whole file gave.
struct DecodedClip {
    /// The PTS of every frame in seconds, in output order.
    var timestamps: [Double?] = []
    /// The size of every frame.
    var sizes: [(width: Int, height: Int)] = []
    /// How many of the frames came out of the final flush.
    var flushedFrames = 0
    /// The packets the decoder counted as corrupt.
    var corruptPackets = 0
    /// The packets read.
    var packets = 0

    /// Opens `path` and decodes every frame, handing each to `body` as well.
    static func decode(
        _ path: String, threadCount: Int = 2, _ body: (DecodedFrame) throws -> Void = { _ in }
    ) throws -> DecodedClip {
        let source = try MediaSource(url: path)
        let decoder = try VideoDecoder(source: source, threadCount: threadCount)
        let packet = try Packet()
        var clip = DecodedClip()
        let record = { (frame: DecodedFrame) throws -> Void in
            clip.timestamps.append(frame.ptsSeconds)
            clip.sizes.append((frame.width, frame.height))
            try body(frame)
        }
        while try source.readPacket(into: packet) {
            clip.packets += 1
            try decoder.decode(packet, record)
        }
        let beforeFlush = clip.timestamps.count
        try decoder.flush(record)
        clip.flushedFrames = clip.timestamps.count - beforeFlush
        clip.corruptPackets = decoder.corruptPackets
        return clip
    }
}
