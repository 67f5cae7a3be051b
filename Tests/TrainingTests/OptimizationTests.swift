import Detector
import Foundation
import Testing
import Torch

@testable import Training

@Suite struct OptimizationTests {
    /// Our SGD must take exactly libtorch's steps (Nesterov, weight decay, changing learning rate).
    @Test func nesterovSGDMatchesLibtorch() throws {
        let start: [Float] = [0.5, -1.5, 2.0, 0.25]
        let ours = try Tensor(start).requiringGrad()
        let theirs = try Tensor(start).requiringGrad()
        let sgd = NesterovSGD(
            groups: [.init(name: "w", parameters: [("w", ours)], learningRate: 0.1, weightDecay: 0.01)],
            momentum: 0.9)
        let reference = try Optimizer.sgd([
            ParameterGroup(
                [theirs],
                options: SGDOptions(learningRate: 0.1, momentum: 0.9, weightDecay: 0.01, isNesterov: true))
        ])
        for step in 0..<4 {
            for (parameter, optimizer) in [(ours, 0), (theirs, 1)] {
                try (parameter * parameter * parameter).sum().backward()
                if optimizer == 0 {
                    try sgd.step()
                    try sgd.zeroGrad()
                } else {
                    try reference.step()
                    try reference.zeroGrad()
                }
            }
            if step == 1 {
                sgd.groups[0].learningRate = 0.05
                try reference.setLearningRate(0.05, group: 0)
            }
        }
        let difference = try zip(ours.floats(), theirs.floats()).map { abs($0 - $1) }.max() ?? 1
        #expect(difference < 1e-6)
        #expect(try ours.floats() != start)
    }

    @Test func upstreamGroupsDecayOnlyConvolutionWeights() throws {
        let model = try YOLOModel(architecture: Architecture(.tiny, width: 0.25), classCount: 3)
        let parameters = model.namedParameters().map { (name: $0.name, tensor: $0.parameter.value) }
        let groups = NesterovSGD.upstreamGroups(parameters, learningRate: 0.01, weightDecay: 5e-4)
        #expect(groups.map(\.weightDecay) == [0, 5e-4, 0])
        #expect(groups[1].parameters.allSatisfy { $0.tensor.rank == 4 && $0.name.hasSuffix(".weight") })
        #expect(groups[0].parameters.contains { $0.name.hasSuffix("bn.weight") })
        #expect(groups[0].parameters.contains { $0.name.contains(".ia.") })
        #expect(groups[2].parameters.allSatisfy { $0.name.hasSuffix(".bias") })
        #expect(groups.map(\.parameters.count).reduce(0, +) == parameters.count)
    }

    @Test func emaFollowsTheUpstreamDecay() throws {
        let source = try YOLOModel(architecture: Architecture(.tiny, width: 0.25), classCount: 1)
        let copy = try YOLOModel(architecture: Architecture(.tiny, width: 0.25), classCount: 1)
        let ema = try ModelEMA(copy: copy, of: source)
        let name = "model.0.conv.weight"
        let before = try #require(copy.stateDict().first { $0.name == name }?.tensor).floats()
        let parameter = try #require(source.stateDict().first { $0.name == name }?.tensor)
        try withNoGrad { () throws(TorchError) in try parameter.fill(1) }
        let decay = ema.currentDecay
        #expect(abs(decay - 0.9999 * (1 - exp(-1.0 / 2000))) < 1e-12)
        try ema.update(from: source)
        let after = try #require(copy.stateDict().first { $0.name == name }?.tensor).floats()
        for (old, new) in zip(before, after) {
            #expect(abs(new - (Float(decay) * old + Float(1 - decay))) < 1e-6)
        }
        #expect(ema.updates == 1)
    }

    @Test func warmupRisesToTheCosineSchedule() {
        var options = TrainingOptions()
        options.epochs = 10
        options.warmupEpochs = 2
        let start = options.schedule(iteration: 0, epoch: 0, batchesPerEpoch: 100)
        #expect(start.learningRates == [0, 0, 0.1])
        #expect(start.momentum == 0.8)
        let middle = options.schedule(iteration: 100, epoch: 1, batchesPerEpoch: 100)
        let target = 0.01 * options.cosineFactor(epoch: 1)
        #expect(abs(middle.learningRates[0] - target / 2) < 1e-12)
        #expect(abs(middle.learningRates[2] - (0.1 + (target - 0.1) / 2)) < 1e-12)
        let after = options.schedule(iteration: 500, epoch: 5, batchesPerEpoch: 100)
        #expect(after.learningRates == Array(repeating: 0.01 * options.cosineFactor(epoch: 5), count: 3))
        #expect(abs(options.cosineFactor(epoch: 10) - 0.01) < 1e-12)
        #expect(options.accumulationSteps == 4)
    }
}
