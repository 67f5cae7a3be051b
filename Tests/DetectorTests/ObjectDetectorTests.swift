import Foundation
import Testing
import Torch

@testable import Detector

@Suite("ObjectDetector: forward, Swift decode and suppression")
struct ObjectDetectorTests {
    /// The fast path (threshold before decoding, Swift decode) must find exactly what the reference path finds:
    /// decode everything with libtorch ops, then suppress. The reference decodes the same engine's logits (each
    /// engine's parity with the upstream outputs is CompiledInferenceTests' and the Torch tests' business): in
    /// the last bits they differ, which flips near-ties among thousands of candidates of random weights.
    @Test(
        arguments: [NMSOptions.evaluation, NMSOptions(confidenceThreshold: 0.004, iouThreshold: 0.5)],
        ObjectDetector.Engine.allCases)
    func matchesDecodingEverythingFirst(options: NMSOptions, engine: ObjectDetector.Engine) throws {
        let reference = try SafetensorsFile(path: try Fixtures.file("yolov7-tiny-nc3.reference.safetensors").path)
        let input = try Tensor(try #require(reference.tensor(named: "input")))
        let loaded = try ModelLoader.load(path: try Fixtures.file("yolov7-tiny-nc3.pt").path)
        let model = try InferenceModel(folding: loaded.model, info: loaded.info)
        let detector = ObjectDetector(model: model, options: options, engine: engine)
        let found = try detector.detect(Tensor.cat([input, input], dim: 0))
        #expect(found.count == 2)
        #expect(found[0] == found[1])

        let logits =
            switch engine {
            case .torch: try model.forward(input)
            case .onednn: try model.compile(height: input.shape[2], width: input.shape[3]).forward(input)
            }
        let decoded = try HeadDecoder.decode(logits, anchors: model.anchors, strides: model.strides)
        let rows = try decoded.reshape([-1]).toArray(of: Float.self)
        let expected = NonMaxSuppressor.detections(fromRows: rows, classCount: 3, options: options)
        #expect(!expected.isEmpty)
        // Random weights give equal scores, whose order may differ: match each detection to an expected one.
        let unmatched = found[0].filter { a in
            !expected.contains { b in
                a.classIndex == b.classIndex && Swift.abs(a.score - b.score) < 1e-4
                    && Swift.abs(a.box.x1 - b.box.x1) < 1e-2 && Swift.abs(a.box.y1 - b.box.y1) < 1e-2
                    && Swift.abs(a.box.x2 - b.box.x2) < 1e-2 && Swift.abs(a.box.y2 - b.box.y2) < 1e-2
            }
        }
        #expect(found[0].count == expected.count)
        #expect(unmatched.isEmpty, "\(unmatched.count) of \(expected.count) detections have no counterpart")
    }
}
