import Foundation
import Testing
import Torch

@testable import Detector

/// Largest absolute difference between two tensors of the same shape.
func maximumDifference(_ a: Tensor, _ b: Tensor) throws -> Double {
    try (a.to(.float32) - b.to(.float32)).abs().max().item()
}

@Suite("Parity with upstream reference outputs")
struct ParityTests {
    @Test func fixturesArePresent() {
        #expect(!referenceCases().isEmpty, "no *.reference.safetensors in \(Fixtures.folder.path)")
    }

    @Test(arguments: referenceCases())
    func trainingFormMatchesTheReference(reference: String) throws {
        let base = String(reference.dropLast(".reference.safetensors".count))
        let expected = try SafetensorsFile(path: try Fixtures.file(reference).path)
        let input = try Tensor(try #require(expected.tensor(named: "input")))
        for weights in ["\(base).pt", "\(base).state_dict.pt"] {
            let loaded = try ModelLoader.load(path: try Fixtures.file(weights).path)
            let raw = try withNoGrad { () throws(TorchError) in try loaded.model.forward(input) }
            for (level, logits) in raw.enumerated() {
                let reference = try Tensor(try #require(expected.tensor(named: "raw.\(level)")))
                #expect(logits.shape == reference.shape)
                #expect(try maximumDifference(logits, reference) < 2e-3, "\(weights) raw.\(level)")
            }
            let decoded = try HeadDecoder.decode(raw, anchors: loaded.model.anchors, strides: [8, 16, 32])
            let reference = try Tensor(try #require(expected.tensor(named: "decoded")))
            #expect(decoded.shape == reference.shape)
            #expect(try maximumDifference(decoded, reference) < 2e-3, "\(weights) decoded")
        }
    }

    @Test(arguments: referenceCases(), [true, false])
    func foldedFormMatchesTheReference(reference: String, isChannelsLast: Bool) throws {
        let base = String(reference.dropLast(".reference.safetensors".count))
        let expected = try SafetensorsFile(path: try Fixtures.file(reference).path)
        let input = try Tensor(try #require(expected.tensor(named: "input")))
        let loaded = try ModelLoader.load(path: try Fixtures.file("\(base).pt").path)
        let model = try InferenceModel(folding: loaded.model, info: loaded.info, isChannelsLast: isChannelsLast)
        let raw = try model.forward(input)
        for (level, logits) in raw.enumerated() {
            let reference = try Tensor(try #require(expected.tensor(named: "raw.\(level)")))
            #expect(logits.shape == reference.shape)
            #expect(try maximumDifference(logits, reference) < 2e-3, "raw.\(level)")
        }
        let decoded = try HeadDecoder.decode(raw, anchors: model.anchors, strides: model.strides)
        let reference = try Tensor(try #require(expected.tensor(named: "decoded")))
        #expect(try maximumDifference(decoded, reference) < 2e-3)
    }

    /// Folding must not change outputs, RepConv and SPPCSPC included: random BatchNorm statistics and implicit
    /// layers make every folded term count.
    @Test(arguments: [Architecture(.tiny, width: 0.5), Architecture(.full, width: 0.25)])
    func foldingPreservesOutputs(architecture: Architecture) throws {
        let (model, info) = try randomizedModel(architecture, seed: 3)
        let folded = try InferenceModel(folding: model, info: info)
        let input = try Tensor.rand([2, 3, 96, 128])
        let expected = try withNoGrad { () throws(TorchError) in try model.forward(input) }
        let actual = try folded.forward(input)
        for (level, pair) in zip(expected, actual).enumerated() {
            #expect(pair.0.shape == pair.1.shape)
            let scale = try pair.0.abs().max().item()
            #expect(try maximumDifference(pair.0, pair.1) < 1e-4 * Swift.max(1, scale), "level \(level)")
        }
    }
}
