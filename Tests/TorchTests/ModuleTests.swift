import Testing
import Torch

/// A two-level model shaped like upstream YOLOv7's `model.N.conv` / `model.N.bn` naming.
private final class Block: Module {
    let weight: Parameter
    let runningMean: Buffer

    init(channels: Int) throws {
        weight = Parameter(try Tensor.ones([channels, 1]))
        runningMean = Buffer(try Tensor.zeros([channels]))
        super.init()
        registerParameter("weight", weight.value)
        registerBuffer("running_mean", runningMean.value)
    }
}

private final class Model: Module {
    override init() {
        super.init()
    }
}

@Suite("Module naming and state dictionaries")
struct ModuleTests {
    private func makeModel() throws -> Module {
        let root = Model()
        let sequence = root.registerModule("model", Model())
        sequence.registerModule("0", try Block(channels: 2))
        let second = sequence.registerModule("1", try Block(channels: 3))
        second.registerParameter("bias", try Tensor.zeros([3]))
        return root
    }

    @Test func namesComposeWithDots() throws {
        let model = try makeModel()
        #expect(model.namedParameters().map(\.name) == ["model.0.weight", "model.1.weight", "model.1.bias"])
        #expect(model.namedBuffers().map(\.name) == ["model.0.running_mean", "model.1.running_mean"])
        #expect(
            model.stateDict().map(\.name) == [
                "model.0.weight", "model.0.running_mean", "model.1.weight", "model.1.bias", "model.1.running_mean",
            ])
        #expect(model.parameterCount == 2 + 3 + 3)
    }

    @Test func trainingModeReachesEveryChild() throws {
        let model = try makeModel()
        model.setTraining(false)
        #expect(!model.isTraining)
        #expect(model.namedChildren.allSatisfy { !$0.module.isTraining })
        #expect(model.namedChildren[0].module.namedChildren.allSatisfy { !$0.module.isTraining })
    }

    @Test func loadingCopiesValuesAndConvertsTypes() throws {
        let model = try makeModel()
        var incoming: [String: Tensor] = [:]
        for (name, tensor) in model.stateDict() {
            incoming[name] = try Tensor.full(tensor.shape, value: 7, dtype: .float16)
        }
        try model.loadStateDict(incoming)
        for (_, tensor) in model.stateDict() {
            #expect(try tensor.toArray(of: Float.self).allSatisfy { $0 == 7 })
            #expect(tensor.dtype == .float32)
        }
    }

    @Test func loadingNamesTheOffendingKey() throws {
        let model = try makeModel()
        var incoming: [String: Tensor] = [:]
        for (name, tensor) in model.stateDict() {
            incoming[name] = try Tensor.zeros(tensor.shape)
        }
        incoming["model.1.bias"] = try Tensor.zeros([4])
        #expect(throws: TorchError.invalidArgument("key 'model.1.bias' has shape [4], the model expects [3]")) {
            try model.loadStateDict(incoming)
        }
        incoming["model.1.bias"] = nil
        #expect(throws: TorchError.invalidArgument("missing key 'model.1.bias' (expected [3])")) {
            try model.loadStateDict(incoming)
        }
        try model.loadStateDict(incoming, isStrict: false)
        incoming["model.1.bias"] = try Tensor.zeros([3])
        incoming["model.9.weight"] = try Tensor.zeros([1])
        #expect(throws: TorchError.invalidArgument("unexpected key 'model.9.weight'")) {
            try model.loadStateDict(incoming)
        }
    }
}
