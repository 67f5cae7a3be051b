import Foundation
import Testing
import Torch

@testable import Detector

@Suite("Loading weights: every format, and clear errors for files that do not fit")
struct ModelLoaderTests {
    let directory: URL

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("loader-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    /// The fixture's tensors, edited by `edit`, written as safetensors; returns the path.
    private func editedFixture(_ name: String, _ edit: (inout [StoredTensor]) throws -> Void) throws -> String {
        var tensors = try WeightsFile.read(path: try Fixtures.file("yolov7-tiny-nc3.state_dict.pt").path).tensors
        try edit(&tensors)
        let path = directory.appendingPathComponent(name).path
        try SafetensorsFile.write(tensors, to: path)
        return path
    }

    @Test func upstreamCheckpointDescribesItself() throws {
        let loaded = try ModelLoader.load(path: try Fixtures.file("yolov7-tiny-nc3.pt").path)
        #expect(loaded.info.architecture == Architecture(.tiny))
        #expect(loaded.info.classNames == ["class0", "class1", "class2"])
        #expect(loaded.info.anchors[0][0] == ModelInfo.Anchor(width: 10, height: 13))
        #expect(!loaded.model.isTraining)
    }

    @Test func modelFileRoundTripsWithMetadata() throws {
        let loaded = try ModelLoader.load(
            path: try Fixtures.file("yolov7-tiny-nc3.pt").path, classNames: ["rbc", "wbc", "platelets"])
        let path = directory.appendingPathComponent("model.safetensors").path
        try ModelFile.write(loaded.model, info: loaded.info, to: path)
        let file = try SafetensorsFile(path: path)
        #expect(file.metadata["architecture"] == "yolov7-tiny")
        #expect(file.metadata["names"] == #"["rbc","wbc","platelets"]"#)
        #expect(file.metadata["nc"] == "3")
        #expect(file.tensors.count == 344)
        let reloaded = try ModelLoader.load(path: path)
        #expect(reloaded.info.classNames == ["rbc", "wbc", "platelets"])
        #expect(reloaded.info.anchors == loaded.info.anchors)
        let input = try Tensor.rand([1, 3, 64, 64])
        let (a, b) = try withNoGrad { () throws(TorchError) in
            (try loaded.model.forward(input), try reloaded.model.forward(input))
        }
        for (x, y) in zip(a, b) {
            #expect(try maximumDifference(x, y) == 0)
        }
    }

    @Test func aWrongShapeNamesTheKeyAndBothShapes() throws {
        let path = try editedFixture("wrong-shape.safetensors") { tensors in
            let index = try #require(tensors.firstIndex { $0.name == "model.10.conv.weight" })
            let original = tensors[index]
            tensors[index] = StoredTensor(
                name: original.name, dtype: .float32, shape: [32, 64, 1, 1], bytes: Data(count: 32 * 64 * 4))
        }
        #expect(
            throws: DetectorError.incompatibleWeights(
                path: path,
                reason: "key 'model.10.conv.weight' has shape [32, 64, 1, 1], the model expects [64, 64, 1, 1]")
        ) {
            try ModelLoader.load(path: path)
        }
    }

    @Test func aMissingKeyIsNamed() throws {
        let path = try editedFixture("missing.safetensors") { tensors in
            tensors.removeAll { $0.name == "model.40.bn.running_var" }
        }
        #expect(
            throws: DetectorError.incompatibleWeights(
                path: path, reason: "missing key 'model.40.bn.running_var' (expected [128])")
        ) {
            try ModelLoader.load(path: path)
        }
    }

    @Test func filesThatAreNotDetectorsAreRefused() throws {
        let example = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Models/example.safetensors").path
        #expect(
            throws: DetectorError.incompatibleWeights(
                path: example, reason: "no detection head ('model.N.m.0.weight') found")
        ) {
            try ModelLoader.load(path: example)
        }
        let truncated = directory.appendingPathComponent("truncated.pt")
        let bytes = try Data(contentsOf: try Fixtures.file("yolov7-tiny-nc3.pt"))
        try bytes.prefix(bytes.count / 3).write(to: truncated)
        let error = #expect(throws: DetectorError.self) { try ModelLoader.load(path: truncated.path) }
        guard case .weights(.malformedFile(let path, _))? = error else {
            Issue.record("expected a malformed-file error, got \(String(describing: error))")
            return
        }
        #expect(path == truncated.path)
        #expect(throws: DetectorError.weights(.unreadableFile(path: "/nonexistent.pt", reason: "no such file"))) {
            try ModelLoader.load(path: "/nonexistent.pt")
        }
    }

    @Test func classNamesMustFitTheHead() throws {
        let path = try Fixtures.file("yolov7-tiny-nc3.pt").path
        #expect(
            throws: DetectorError.incompatibleWeights(path: path, reason: "2 class names given for a head of 3 classes")
        ) {
            try ModelLoader.load(path: path, classNames: ["a", "b"])
        }
    }

    @Test func scaledModelsAreRecognisedWithoutMetadata() throws {
        for architecture in [Architecture(.tiny, width: 0.5), Architecture(.full, width: 0.25, depth: 0.5)] {
            let model = try YOLOModel(architecture: architecture, classCount: 2)
            var stored: [StoredTensor] = []
            for (name, tensor) in model.stateDict() {
                stored.append(try tensor.detach().stored(name: name))
            }
            let path = directory.appendingPathComponent("\(architecture.name).safetensors").path
            try SafetensorsFile.write(stored, to: path)
            let loaded = try ModelLoader.load(path: path)
            #expect(loaded.info.architecture == architecture)
            #expect(loaded.info.classCount == 2)
        }
    }
}
