import Foundation
import Testing
import Torch

@testable import Detector

/// A randomized model of `architecture`, folded for inference.
private func randomizedInferenceModel(_ architecture: Architecture) throws -> InferenceModel {
    let (model, info) = try randomizedModel(architecture, seed: 7)
    return try InferenceModel(folding: model, info: info)
}

/// VmRSS from /proc/self/status: the resident memory now, in MB.
private func residentMegabytes() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") })
    else { return 0 }
    return (line.split(separator: " ").compactMap { Double($0) }.first ?? 0) / 1024
}

/// The OpenMP thread count of the calling thread (`omp_get_max_threads`, looked up in the loaded libgomp), or
/// nil when no OpenMP runtime is loaded.
private func openMPThreadCount() -> Int? {
    guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "omp_get_max_threads") else { return nil }
    let function = unsafeBitCast(symbol, to: (@convention(c) () -> Int32).self)
    return Int(function())
}

@Suite("Compiled oneDNN inference", .serialized)
struct CompiledInferenceTests {
    /// Blocks of 8 channels (nChw8c) match, and so do blocks of 16 (nChw16c) where the CPU has AVX-512: without
    /// it oneDNN runs 16 on generic kernels, minutes for these models, and detectd never chooses 16 there.
    @Test(arguments: referenceCases(), OneDNNPlan.preferredBlockSize == 16 ? [8, 16] : [8])
    func matchesTheReference(reference: String, blockSize: Int) throws {
        let base = String(reference.dropLast(".reference.safetensors".count))
        let expected = try SafetensorsFile(path: try Fixtures.file(reference).path)
        let input = try Tensor(try #require(expected.tensor(named: "input")))
        let loaded = try ModelLoader.load(path: try Fixtures.file("\(base).pt").path)
        let model = try InferenceModel(folding: loaded.model, info: loaded.info)
        let shape = input.shape
        let compiled = try model.compile(batch: shape[0], height: shape[2], width: shape[3], blockSize: blockSize)
        #expect(compiled.blockSize == blockSize)
        let raw = try compiled.forward(input)
        for (level, logits) in raw.enumerated() {
            let reference = try Tensor(try #require(expected.tensor(named: "raw.\(level)")))
            #expect(logits.shape == reference.shape)
            #expect(try maximumDifference(logits, reference) < 2e-3, "raw.\(level)")
        }
    }

    /// The compiled engine computes what the libtorch path computes: SPPCSPC, RepConv-folded 3x3, SiLU and
    /// three-way concatenations (the full family), on one and two images of a non-square input.
    @Test(arguments: [Architecture(.tiny, width: 0.5), Architecture(.full, width: 0.25)], [1, 2])
    func matchesTheTorchPath(architecture: Architecture, batch: Int) throws {
        let model = try randomizedInferenceModel(architecture)
        let input = try Tensor.rand([batch, 3, 96, 160])
        let expected = try model.forward(input)
        let compiled = try model.compile(batch: batch, height: 96, width: 160, blockSize: 8)
        let actual = try compiled.forward(input)
        #expect(expected.count == actual.count)
        for (level, pair) in zip(expected, actual).enumerated() {
            #expect(pair.0.shape == pair.1.shape)
            let scale = try pair.0.abs().max().item()
            #expect(try maximumDifference(pair.0, pair.1) < 1e-4 * Swift.max(1, scale), "level \(level)")
        }
    }

    /// The layout follows the CPU: blocks of 16 channels with AVX-512, of 8 without, and 8 whenever a
    /// convolution or concatenation part does not split into 16s (narrow students).
    @Test(arguments: [
        (Architecture(.tiny), true), (Architecture(.tiny, width: 0.25), false),
        (Architecture(.full, width: 0.25), false),
    ])
    func theBlockFollowsTheCPUAndFallsBackToEight(architecture: Architecture, fitsSixteen: Bool) throws {
        let model = try randomizedInferenceModel(architecture)
        let compiled = try model.compile(height: 64, width: 64)
        #expect(compiled.blockSize == (fitsSixteen ? OneDNNPlan.preferredBlockSize : 8))
        if fitsSixteen {
            #expect(try model.compile(height: 64, width: 64, blockSize: 16).blockSize == 16)
        } else {
            #expect(throws: DetectorError.self) { try model.compile(height: 64, width: 64, blockSize: 16) }
        }
    }

    /// No reorders between layers and no reference kernels: every primitive is a JIT implementation, every
    /// concatenation is written in place, the only reorders are the head's three blocked-to-plain copies, and
    /// the pyramid pools of 9 and 13 are chained pools of 5.
    @Test(arguments: [Architecture(.tiny, width: 0.5), Architecture(.full, width: 0.25)])
    func compilesToJITKernelsWithoutCopies(architecture: Architecture) throws {
        let compiled = try randomizedInferenceModel(architecture).compile(height: 64, width: 64)
        let labels = compiled.primitiveLabels
        #expect(labels.filter { $0.contains("ref") || $0.contains("gemm") }.isEmpty, "\(labels)")
        #expect(labels.filter { $0.hasPrefix("concat copy") }.count == 3)
        #expect(labels.filter { $0.hasPrefix("maxpool k5 s1") }.count == 3)
        #expect(labels.filter { $0.hasPrefix("maxpool k9") || $0.hasPrefix("maxpool k13") }.isEmpty)
    }

    @Test func aReusedPlanGivesIdenticalOutputsWithoutGrowing() throws {
        let compiled = try randomizedInferenceModel(Architecture(.tiny, width: 0.5)).compile(height: 320, width: 320)
        let input = (0..<(3 * 320 * 320)).map { _ in Float.random(in: 0...1) }
        func logits() throws -> [[Float]] {
            try input.withUnsafeBufferPointer { try compiled.run(try #require($0.baseAddress)) }
            return compiled.withLogits { levels in levels.map { Array($0) } }
        }
        let first = try logits()
        for _ in 0..<9 {
            #expect(try logits() == first)
        }
        let settled = residentMegabytes()
        for _ in 0..<40 {
            #expect(try logits() == first)
        }
        // Outputs copied out are freed; a run that kept any buffer would add megabytes per run at 320x320.
        #expect(residentMegabytes() - settled < 16)
    }

    /// oneDNN sizes its OpenMP team from the calling thread's setting; a run applies libtorch's process-wide
    /// count to whatever thread it is on, as libtorch's own operators do.
    @Test(arguments: [1, 2])
    func honoursTheThreadCountOnAnyThread(threads: Int) throws {
        let compiled = try randomizedInferenceModel(Architecture(.tiny, width: 0.5)).compile(height: 64, width: 64)
        let previous = TorchRuntime.threadCount
        try TorchRuntime.setThreadCount(threads)
        defer { try? TorchRuntime.setThreadCount(previous) }
        // The plan and the result are handed to one other thread and touched only there until `finished`
        // signals: still confined to one thread at a time.
        nonisolated(unsafe) let plan = compiled
        nonisolated(unsafe) var observed: (didRun: Bool, threads: Int?) = (false, nil)
        let finished = DispatchSemaphore(value: 0)
        let thread = Thread {
            let input = [Float](repeating: 0.5, count: 3 * 64 * 64)
            let didRun = input.withUnsafeBufferPointer { buffer in
                guard let address = buffer.baseAddress else { return false }
                return (try? plan.run(address)) != nil
            }
            observed = (didRun, openMPThreadCount())
            finished.signal()
        }
        thread.start()
        finished.wait()
        #expect(observed.didRun)
        let count = try #require(observed.threads, "no OpenMP runtime loaded")
        #expect(count == threads)
    }
}
