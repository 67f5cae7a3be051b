import Detector
import Foundation
import Testing
import Torch

@testable import Training

@Suite struct LossTests {
    @Test func completeIoUOfIdenticalAndKnownBoxes() throws {
        let a = try Tensor([Float(5), 5, 4, 2, 0, 0, 2, 2], shape: [2, 4])
        let b = try Tensor([Float(5), 5, 4, 2, 2, 0, 2, 2], shape: [2, 4])
        let ciou = try BoxIoU.complete(a, b).floats()
        #expect(abs(ciou[0] - 1) < 1e-5)
        // Unit squares side by side offset by 2: IoU 0, centre distance 4, enclosing 4x2 -> diagonal^2 20.
        #expect(abs(ciou[1] - (-4.0 / 20)) < 1e-5)
    }

    @Test func bernoulliKLIsZeroForEqualDistributionsAndMatchesTheFormula() throws {
        let logits = try Tensor([Float(-2), 0.5, 3], shape: [3])
        let probabilities = try logits.sigmoid()
        let same = try DistillationLoss.bernoulliKL(logits, probabilities).floats()
        #expect(same.allSatisfy { abs($0) < 1e-5 })

        let p = try Tensor([Float(0.9), 0.2, 0.5], shape: [3])
        let kl = try DistillationLoss.bernoulliKL(logits, p).floats()
        let q = try probabilities.floats()
        for (index, pValue) in [Float(0.9), 0.2, 0.5].enumerated() {
            let expected = pValue * log(pValue / q[index]) + (1 - pValue) * log((1 - pValue) / (1 - q[index]))
            #expect(abs(kl[index] - expected) < 1e-5)
        }
    }

    @Test func softLossVanishesWhenTheStudentIsItsOwnTeacher() throws {
        try TorchRuntime.manualSeed(3)
        let model = try YOLOModel(architecture: Architecture(.tiny, width: 0.25), classCount: 3)
        model.setTraining(false)
        let image = try Tensor.rand([2, 3, 64, 96])
        let outputs = try withNoGrad { () throws(TorchError) in try model.forward(image) }
        let settings = DistillationSettings()
        let loss = DistillationLoss(settings: settings, anchors: model.anchors, strides: [8, 16, 32])
        let targets = try SoftTargets(
            outputs: [outputs], anchors: [model.anchors], strides: [8, 16, 32], weights: [1],
            temperature: settings.temperature)
        let terms = try loss(outputs, targets: targets, imageSize: 96)
        #expect(abs(terms.classification) < 1e-5)
        #expect(abs(terms.box) < 1e-6)
        #expect(abs(terms.objectness) < 1e-5)

        // A different teacher gives a clearly positive loss.
        let other = try YOLOModel(architecture: Architecture(.tiny, width: 0.25), classCount: 3)
        other.setTraining(false)
        let otherOutputs = try withNoGrad { () throws(TorchError) in try other.forward(image) }
        let otherTargets = try SoftTargets(
            outputs: [otherOutputs], anchors: [other.anchors], strides: [8, 16, 32], weights: [1],
            temperature: settings.temperature)
        let different = try loss(outputs, targets: otherTargets, imageSize: 96)
        #expect(different.box > 1e-4)
        #expect(different.classification + different.objectness > 1e-6)
    }

    @Test func averagedTeachersAreTheMeanOfTheirProbabilities() throws {
        let shape = [1, 3, 2, 2, 8]
        let a = try Tensor.full(shape, value: 1)
        let b = try Tensor.full(shape, value: -1)
        let anchors: [[(Float, Float)]] = [[(8, 8), (8, 8), (8, 8)]]
        let targets = try SoftTargets(
            outputs: [[a], [b]], anchors: [anchors, anchors], strides: [8], weights: [3, 1], temperature: 1)
        let expected = 0.75 / (1 + exp(-1.0)) + 0.25 / (1 + exp(1.0))
        let values = try targets.levels[0].classProbabilities.floats()
        #expect(values.allSatisfy { abs(Double($0) - expected) < 1e-6 })
    }

    /// A few SGD steps on one batch must drive the hard loss well down: assignment, CIoU, objectness and class
    /// terms all carry gradient in the right direction.
    @Test func hardLossFallsWhenOverfittingOneBatch() throws {
        try TorchRuntime.manualSeed(7)
        let model = try YOLOModel(architecture: Architecture(.tiny, width: 0.25), classCount: 3)
        model.setTraining(true)
        let loss = DetectionLoss(anchors: model.anchors, strides: [8, 16, 32], classCount: 3)
        let image = try Tensor.rand([2, 3, 96, 96])
        let targets = [
            TargetBox(image: 0, classID: 0, centerX: 30, centerY: 40, width: 20, height: 26),
            TargetBox(image: 0, classID: 2, centerX: 70, centerY: 60, width: 40, height: 30),
            TargetBox(image: 1, classID: 1, centerX: 48, centerY: 48, width: 60, height: 70),
        ]
        let parameters = model.namedParameters().map { (name: $0.name, tensor: $0.parameter.value) }
        let optimizer = NesterovSGD(
            groups: NesterovSGD.upstreamGroups(parameters, learningRate: 0.05, weightDecay: 0), momentum: 0.9)
        var first: LossTerms?
        var last: LossTerms?
        for _ in 0..<60 {
            let terms = try loss(try model.forward(image), targets: targets, imageSize: 96)
            if first == nil { first = terms }
            last = terms
            try terms.total.backward()
            try optimizer.step()
            try optimizer.zeroGrad()
        }
        let start = try #require(first)
        let end = try #require(last)
        #expect(end.box < start.box * 0.5)
        #expect(end.classification < start.classification * 0.5)
        #expect(
            end.box + end.objectness + end.classification < (start.box + start.objectness + start.classification) * 0.6)
    }
}
