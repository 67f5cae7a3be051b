import Testing
import Torch

@testable import Detector

@Suite("YOLOv7 architectures match upstream's state_dict")
struct ArchitectureTests {
    @Test(arguments: [
        (Architecture.Family.tiny, "keys_yolov7_tiny_training.tsv", 78, 6_228_762),
        (Architecture.Family.full, "keys_yolov7_training.tsv", 106, 37_622_682),
    ])
    func keysShapesAndParameterCounts(family: Architecture.Family, table: String, layers: Int, parameters: Int)
        throws
    {
        let architecture = Architecture(family)
        #expect(architecture.layers.count == layers)
        let model = try YOLOModel(architecture: architecture, classCount: 80)
        let expected = try Fixtures.keys(table)
        let actual = model.stateDict()
        #expect(actual.count == expected.count)
        for (tensor, key) in zip(actual, expected) {
            #expect(tensor.name == key.name)
            #expect(tensor.tensor.shape == key.shape, "\(key.name)")
        }
        #expect(model.parameterCount == parameters)
    }

    @Test func headRowsScaleWithClassCount() throws {
        let model = try YOLOModel(architecture: Architecture(.tiny), classCount: 3)
        let shapes = Dictionary(uniqueKeysWithValues: model.stateDict().map { ($0.name, $0.tensor.shape) })
        #expect(shapes["model.77.m.0.weight"] == [24, 128, 1, 1])
        #expect(shapes["model.77.im.2.implicit"] == [1, 24, 1, 1])
        #expect(shapes["model.77.anchor_grid"] == [3, 1, 3, 1, 1, 2])
    }

    @Test func widthScalesChannelsToMultiplesOfEight() throws {
        let half = Architecture(.tiny, width: 0.5)
        #expect(half.name == "yolov7-tiny-w0.5")
        #expect(half.layers.count == 78)
        #expect(half.layers[0].kind == .conv(outChannels: 16, kernel: 3, stride: 2))
        #expect(half.layers[28].kind == .conv(outChannels: 256, kernel: 1, stride: 1))
        let quarter = Architecture(.full, width: 0.25)
        #expect(quarter.layers[51].kind == .sppcspc(outChannels: 128))
        let tiny = try YOLOModel(architecture: Architecture(.tiny), classCount: 3).parameterCount
        let scaled = try YOLOModel(architecture: half, classCount: 3).parameterCount
        #expect(scaled < tiny / 3)
    }

    @Test func depthChangesTheChainLength() throws {
        let shallow = Architecture(.full, depth: 0.5)
        let deep = Architecture(.full, depth: 1.5)
        #expect(shallow.layers.count < Architecture(.full).layers.count)
        #expect(deep.layers.count > Architecture(.full).layers.count)
        #expect(shallow.name == "yolov7-d0.5")
        // Every input index points backwards, and the head reads three layers.
        for architecture in [shallow, deep, Architecture(.tiny, depth: 1.5)] {
            for (index, layer) in architecture.layers.enumerated() {
                #expect(layer.inputs.allSatisfy { $0 < index })
            }
            #expect(architecture.layers.last?.inputs.count == 3)
            let model = try YOLOModel(architecture: architecture, classCount: 2)
            let raw = try withNoGrad { () throws(TorchError) in try model.forward(try Tensor.rand([1, 3, 64, 96])) }
            #expect(raw.map(\.shape) == [[1, 3, 8, 12, 7], [1, 3, 4, 6, 7], [1, 3, 2, 3, 7]])
        }
    }
}
