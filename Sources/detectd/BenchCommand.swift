import Detector
import Foundation
import Torch

/// `detectd bench`: forward latency of the inference path on batch 1 after warm-up.
enum BenchCommand {
    static let usage = """
        usage: detectd bench --weights W [--imgsz N] [--height H] [--threads T] [--iterations K] [--warmup K]
                             [--engine onednn|torch] [--profile] [--json]

        Times the inference forward pass on one random image of N x N (or H x N with --height) and prints
        min/median/mean/max milliseconds, the throughput (runs over their total time) and peak resident memory.
        --engine onednn (the default) times the compiled oneDNN plan, --engine torch the folded libtorch graph
        (channels-last). --profile also prints the time of each kind of step or primitive to stderr.
        """

    static func run(_ arguments: [String]) throws(CommandError) {
        let parsed = try Arguments(
            arguments, valueOptions: ["weights", "imgsz", "height", "threads", "iterations", "warmup", "engine"],
            flagOptions: ["json", "profile", "help"])
        if parsed.has("help") {
            print(usage)
            return
        }
        guard let weights = parsed.value("weights"), parsed.positionals.isEmpty else {
            throw .usage("bench needs --weights\n\n\(usage)")
        }
        let size = try parsed.integer("imgsz", default: 320, in: 32...4096)
        let height = try parsed.integer("height", default: size, in: 32...4096)
        let threads = try parsed.integer("threads", default: 2, in: 1...256)
        let iterations = try parsed.integer("iterations", default: 50, in: 1...100_000)
        let warmup = try parsed.integer("warmup", default: 5, in: 0...10_000)
        guard size % 32 == 0, height % 32 == 0 else {
            throw .usage("--imgsz and --height must be multiples of 32")
        }
        let engine = parsed.value("engine") ?? "onednn"
        guard engine == "onednn" || engine == "torch" else {
            throw .usage("--engine must be onednn or torch")
        }

        let loaded = try CommandError.wrap { () throws(DetectorError) in try ModelLoader.load(path: weights) }
        try CommandError.wrap { () throws(TorchError) in try TorchRuntime.setThreadCount(threads) }
        let times =
            engine == "onednn"
            ? try timeCompiled(
                loaded, height: height, width: size, warmup: warmup, iterations: iterations,
                isProfiling: parsed.has("profile"))
            : try timeTorch(
                loaded, height: height, width: size, warmup: warmup, iterations: iterations,
                isProfiling: parsed.has("profile"))
        let mean = times.reduce(0, +) / Double(times.count)
        let summary: [String: Any] = [
            "forward_ms": [
                "min": rounded(times[0]), "median": rounded(times[times.count / 2]), "mean": rounded(mean),
                "max": rounded(times[times.count - 1]),
            ],
            // The rate a busy pipeline can reach: iterations over their total time, slow runs included.
            "forward_fps": rounded(1000 / mean),
            "imgsz": size, "height": height, "threads": threads, "iterations": iterations, "engine": engine,
            "model": loaded.info.architecture.name, "peak_rss_mb": rounded(peakResidentMegabytes()),
        ]
        if parsed.has("json") {
            try JSONOutput.write(summary)
        } else {
            print(
                "\(loaded.info.architecture.name) \(height)x\(size) threads=\(threads) engine=\(engine): "
                    + "forward min \(rounded(times[0])) ms, median \(rounded(times[times.count / 2])) ms, "
                    + "max \(rounded(times[times.count - 1])) ms, peak RSS \(rounded(peakResidentMegabytes())) MB")
        }
    }

    /// Sorted milliseconds of `iterations` runs of the compiled oneDNN plan on one random image.
    private static func timeCompiled(
        _ loaded: ModelLoader.Loaded, height: Int, width: Int, warmup: Int, iterations: Int, isProfiling: Bool
    ) throws(CommandError) -> [Double] {
        try CommandError.wrap { () throws(DetectorError) -> [Double] in
            let model: InferenceModel
            do throws(TorchError) {
                model = try InferenceModel(folding: loaded.model, info: loaded.info)
            } catch {
                throw DetectorError.backend(error)
            }
            let plan = try model.compile(batch: 1, height: height, width: width)
            let input = (0..<(3 * height * width)).map { _ in Float.random(in: 0...1) }
            return try input.withUnsafeBufferPointer { (image) throws(DetectorError) -> [Double] in
                guard let address = image.baseAddress else { return [] }
                for _ in 0..<warmup {
                    try plan.run(address)
                }
                if isProfiling { printProfile(try plan.profile(address, iterations: iterations)) }
                return try measure(iterations) { () throws(DetectorError) in try plan.run(address) }
            }
        }
    }

    /// Sorted milliseconds of `iterations` runs of the folded libtorch graph on one random image.
    private static func timeTorch(
        _ loaded: ModelLoader.Loaded, height: Int, width: Int, warmup: Int, iterations: Int, isProfiling: Bool
    ) throws(CommandError) -> [Double] {
        try CommandError.wrap { () throws(TorchError) -> [Double] in
            let model = try InferenceModel(folding: loaded.model, info: loaded.info)
            let input = try Tensor.rand([1, 3, height, width])
            for _ in 0..<warmup {
                _ = try model.forward(input)
            }
            if isProfiling { printProfile(try model.profile(input, iterations: iterations)) }
            return try measure(iterations) { () throws(TorchError) in _ = try model.forward(input) }
        }
    }

    /// Writes per-step (or per-primitive) times to stderr, one `profile LABEL: MS ms` line each.
    private static func printProfile(_ rows: [(label: String, milliseconds: Double)]) {
        for (label, milliseconds) in rows {
            FileHandle.standardError.write(Data("profile \(label): \(milliseconds) ms\n".utf8))
        }
    }

    /// Runs `body` `iterations` times; returns the sorted milliseconds of each run.
    private static func measure<E: Error>(_ iterations: Int, _ body: () throws(E) -> Void) throws(E) -> [Double] {
        var times: [Double] = []
        let clock = ContinuousClock()
        for _ in 0..<iterations {
            let start = clock.now
            try body()
            let elapsed = start.duration(to: clock.now)
            times.append(Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1e3)
        }
        return times.sorted()
    }

    private static func rounded(_ value: Double) -> Double {
        (value * 1000).rounded() / 1000
    }

    /// VmHWM from /proc/self/status: the most resident memory this process has had, in MB.
    static func peakResidentMegabytes() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") })
        else { return 0 }
        let kilobytes = line.split(separator: " ").compactMap { Double($0) }.first ?? 0
        return kilobytes / 1024
    }
}
