import Foundation
import Torch

/// The `detectd` executable: parses the subcommand and maps every failure to a message and an exit code.
@main
enum Detectd {
    static let version = "0.1.0"

    static let usage = """
        usage: detectd <command> [options]

        commands:
          [run] --weights W [OPTIONS] SOURCE...
                                  the daemon: detections for RTSP/HTTP/HLS streams, files, image folders
                                  (detectd run --help for the options)
          inspect [--json] FILE   list the tensors and metadata of a weights file (.safetensors or .pt)
          forward --weights W --input IN --output OUT
                                  run a model on a reference input, write raw head outputs (parity checks)
          predict --weights W [--imgsz N] [--conf C] [--iou I] IMAGE...
                                  detect objects in images, one JSON line per image
          convert IN OUT.safetensors [--names a,b,c]
                                  write detectd's model file from an upstream .pt, a state_dict or a model file
          create-model --arch A [--width W] [--depth D] --names a,b OUT
                                  write a randomly initialised model file
          bench --weights W [--imgsz N] [--threads T] [--iterations K] [--json]
                                  time the inference forward pass
          bench-ingest FILE [--threads T] [--letterbox N]
                                  decode (and letterbox) throughput of the FFmpeg ingest
          train --data D --out DIR [OPTIONS]
                                  train a detector on a YOLO, VOC or COCO dataset (train --help)
          distill --data D --out DIR --teacher T [OPTIONS]
                                  train a student with ground truth and teachers' soft targets
          eval --weights W --data D [--split test] [OPTIONS]
                                  COCO mAP, precision, recall and speed on a labelled split (eval --help)
          version                 print the version
          help                    print this text

        Exit codes: 0 success, 64 bad command line, 65 malformed input file, 66 missing input,
        70 internal error, 73 cannot create output, 74 I/O error.
        """

    static func main() {
        preferBoundedOpenMPSpinning()
        let logger = Logger()
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            try run(arguments)
        } catch {
            logger.error("command failed", ["reason": error.message, "exit.code": "\(error.exitCode.rawValue)"])
            exit(error.exitCode.rawValue)
        }
    }

    /// Spins at most ``openMPSpinCount`` rounds before an idle OpenMP thread sleeps (`GOMP_SPINCOUNT`), unless the
    /// user set `GOMP_SPINCOUNT` or `OMP_WAIT_POLICY`.
    ///
    /// libgomp reads both once, when it loads, before `main`; so the process re-executes itself with the variable
    /// set. Why: libtorch and oneDNN split every operation statically between OpenMP threads. libgomp's default
    /// spins for about 300000 rounds (milliseconds), and threads spinning that long burn the time slices of the
    /// peers they wait for whenever the cores are shared (decoding, an RTSP server, a teacher): 8-12 inferences
    /// per second and p99 latency near 500 ms on 2 cores with a live 640x480 stream at --imgsz 320. Sleeping at
    /// once (`OMP_WAIT_POLICY=PASSIVE`) fixed that but pays a futex wake-up at each of the ~70 operations of a
    /// forward pass: a quiet machine lost a third of its rate. A spin of tens of microseconds covers the gap
    /// between two operations and gives the core back before a shared machine notices (docs/benchmarks.md).
    static func preferBoundedOpenMPSpinning() {
        let environment = ProcessInfo.processInfo.environment
        guard environment["GOMP_SPINCOUNT"] == nil, environment["OMP_WAIT_POLICY"] == nil else { return }
        // The resolved path, not /proc/self/exe itself: the kernel names the process after the file it executes,
        // and `ps`, `top` and the journal should see `detectd`, not `exe`.
        guard let executable = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") else {
            return
        }
        setenv("GOMP_SPINCOUNT", String(openMPSpinCount), 1)
        // On failure the process simply continues with libgomp's default spinning.
        _ = execv(executable, CommandLine.unsafeArgv)
    }

    // TODO: with every core busy elsewhere (a teacher fine-tuning in the same process, say) this spin measured
    // 0.79x to 1.27x of PASSIVE's rate (docs/benchmarks.md); the count is fixed, not adapted to the load.
    /// The default `GOMP_SPINCOUNT`: rounds of a few nanoseconds each, so about 10-30 microseconds of spinning.
    static let openMPSpinCount = 3000

    static func run(_ arguments: [String]) throws(CommandError) {
        guard let command = arguments.first else {
            throw .usage("no command given\n\n\(usage)")
        }
        let rest = Array(arguments.dropFirst())
        switch command {
        case "inspect":
            try InspectCommand.run(rest)
        case "forward":
            try ForwardCommand.run(rest)
        case "bench":
            try BenchCommand.run(rest)
        case "predict":
            try PredictCommand.run(rest)
        case "convert":
            try ConvertCommand.run(rest)
        case "create-model":
            try CreateModelCommand.run(rest)
        case "version", "--version":
            print("detectd \(version)")
        case "help", "--help", "-h":
            print(usage)
        case "run":
            try RunCommand.run(rest)
        case "bench-ingest":
            try BenchIngestCommand.run(rest)
        case "train":
            try TrainCommand.run(rest, isDistilling: false)
        case "distill":
            try TrainCommand.run(rest, isDistilling: true)
        case "eval":
            try EvalCommand.run(rest)
        default:
            // `detectd [OPTIONS] SOURCE...`: anything that is not a command starts the daemon.
            guard command.hasPrefix("-") || command.contains("/") || command.contains("=") else {
                throw .usage("unknown command '\(command)'\n\n\(usage)")
            }
            try RunCommand.run(arguments)
        }
    }
}
