import Foundation
import Torch

@testable import Detector

/// Every `*.reference.safetensors` in the fixture folder, with the weights files beside it.
func referenceCases() -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: Fixtures.folder.path)) ?? []
    return names.filter { $0.hasSuffix(".reference.safetensors") }.sorted()
}

/// A model of `architecture` (4 classes) in inference mode, with random BatchNorm statistics and implicit layers
/// so that every folded term counts, and its description.
func randomizedModel(_ architecture: Architecture, seed: UInt64) throws -> (model: YOLOModel, info: ModelInfo) {
    try TorchRuntime.manualSeed(seed)
    let model = try YOLOModel(architecture: architecture, classCount: 4)
    try withNoGrad { () throws(TorchError) in
        for (name, buffer) in model.namedBuffers() where name.hasSuffix("running_mean") {
            try buffer.value.copy(from: try Tensor.randn(buffer.value.shape) * 0.1)
        }
        for (name, buffer) in model.namedBuffers() where name.hasSuffix("running_var") {
            try buffer.value.copy(from: try Tensor.rand(buffer.value.shape) + 0.5)
        }
        for (name, parameter) in model.namedParameters() where name.contains(".bn.") || name.hasSuffix("implicit") {
            try parameter.value.copy(from: try parameter.value + Tensor.randn(parameter.value.shape) * 0.1)
        }
    }
    model.setTraining(false)
    let info = ModelInfo(
        architecture: architecture, classNames: ["a", "b", "c", "d"], anchors: architecture.defaultAnchors,
        inputSize: 128, provenance: "test")
    return (model, info)
}
