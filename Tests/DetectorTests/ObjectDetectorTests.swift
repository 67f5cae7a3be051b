import Foundation
import Testing
import Torch

@testable import Detector

@Suite("ObjectDetector: forward, Swift decode and suppression")
struct ObjectDetectorTests {
    /// The fast path (threshold before decoding, Swift decode) must find exactly what the reference path finds:
    /// decode everything with libtorch ops, then suppress.
    /// With the libtorch engine the forward pass is the reference's own, so the detections must match one for one;
    /// oneDNN's logits differ in the last bits, which may flip a few near-ties among thousands of candidates.
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

        let decoded = try HeadDecoder.decode(try model.forward(input), anchors: model.anchors, strides: model.strides)
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
        switch engine {
        case .torch:
            #expect(found[0].count == expected.count)
            #expect(unmatched.isEmpty, "\(unmatched.count) detections have no counterpart")
        case .onednn:
            #expect(Swift.abs(found[0].count - expected.count) <= expected.count / 50)
            #expect(unmatched.count <= expected.count / 50, "\(unmatched.count) of \(expected.count) unmatched")
        }
    }
}
