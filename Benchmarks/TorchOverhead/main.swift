// Per-call overhead of the Swift -> CTorch -> libtorch path, measured with the same calls, shapes, thread count
// and warm-up as bench/torch_overhead.cpp; bench/torch-overhead.sh builds and runs both.
//
// Usage: torch-overhead conv|add ITERATIONS THREADS
// Prints one JSON line: {"impl":"swift","op":"conv","iterations":N,"ns_per_call":X}

import Foundation
import Torch

/// The operation a run measures.
enum Operation: String {
    /// A 3x3 convolution, stride 1, padding 1, of a 1x64x80x80 input with a 64x64x3x3 weight and a bias.
    case conv
    /// `a + b` on two 16-element float32 tensors, where the per-call overhead dominates.
    case add
}

/// The command-line arguments of one run.
struct Arguments {
    /// The operation to time.
    let operation: Operation
    /// The number of timed calls.
    let iterations: Int
    /// libtorch's intra-op thread count.
    let threads: Int

    /// Parses `conv|add ITERATIONS THREADS`; nil when the arguments do not match.
    init?(_ arguments: [String]) {
        guard arguments.count == 3,
            let operation = Operation(rawValue: arguments[0]),
            let iterations = Int(arguments[1]), iterations > 0,
            let threads = Int(arguments[2]), threads > 0
        else {
            return nil
        }
        self.operation = operation
        self.iterations = iterations
        self.threads = threads
    }
}

/// Writes `message` and a newline to standard error.
func printError(_ message: String) {
    FileHandle.standardError.write(Data((message + "\n").utf8))
}

/// Calls `body` for a warm-up (a tenth of `iterations`, at least one), then `iterations` times more, and
/// returns the mean wall time of the timed calls in nanoseconds.
func timePerCall(iterations: Int, _ body: () throws(TorchError) -> Void) throws(TorchError) -> Double {
    for _ in 0..<max(iterations / 10, 1) {
        try body()
    }
    let clock = ContinuousClock()
    let start = clock.now
    for _ in 0..<iterations {
        try body()
    }
    let elapsed = start.duration(to: clock.now).components
    let nanoseconds = Double(elapsed.seconds) * 1e9 + Double(elapsed.attoseconds) / 1e9
    return nanoseconds / Double(iterations)
}

/// Sets up the tensors of `arguments.operation` and times it under no-grad.
func measure(_ arguments: Arguments) throws(TorchError) -> Double {
    try TorchRuntime.setThreadCount(arguments.threads)
    try TorchRuntime.manualSeed(0)
    return try withNoGrad { () throws(TorchError) -> Double in
        switch arguments.operation {
        case .conv:
            let x = try Tensor.randn([1, 64, 80, 80])
            let w = try Tensor.randn([64, 64, 3, 3])
            let b = try Tensor.randn([64])
            return try timePerCall(iterations: arguments.iterations) { () throws(TorchError) in
                // The result is freed at once, as the C++ baseline drops its at::Tensor.
                _ = try conv2d(x, weight: w, bias: b, stride: 1, padding: 1)
            }
        case .add:
            let a = try Tensor.randn([16])
            let b = try Tensor.randn([16])
            return try timePerCall(iterations: arguments.iterations) { () throws(TorchError) in
                _ = try a + b
            }
        }
    }
}

guard let arguments = Arguments(Array(CommandLine.arguments.dropFirst())) else {
    printError("usage: torch-overhead conv|add ITERATIONS THREADS")
    exit(2)
}
do {
    let nanoseconds = try measure(arguments)
    let line =
        "{\"impl\":\"swift\",\"op\":\"\(arguments.operation.rawValue)\",\"iterations\":\(arguments.iterations),"
        + "\"ns_per_call\":\(String(format: "%.1f", nanoseconds))}"
    print(line)
} catch {
    printError("torch-overhead: a libtorch call failed")
    printError(String(describing: error))
    exit(1)
}
