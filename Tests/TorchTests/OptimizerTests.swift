import Foundation
import Testing
import Torch

@Suite("Optimizer steps against their formulas")
struct OptimizerTests {
    /// Sets the gradient of `parameter` to `gradient` by back-propagating `sum(parameter * gradient)`.
    private func setGradient(_ parameter: Tensor, _ gradient: [Double]) throws {
        try (parameter * Tensor(gradient)).sum().backward()
    }

    @Test func sgdWithNesterovMomentumAndDecay() throws {
        let p = try Tensor([1.0, -2.0] as [Double]).requiringGrad()
        let options = SGDOptions(learningRate: 0.1, momentum: 0.9, weightDecay: 0.01, isNesterov: true)
        let optimizer = try Optimizer.sgd([ParameterGroup([p], options: options)])
        var value = [1.0, -2.0]
        var velocity = [0.0, 0.0]
        let gradients = [[0.5, -1.0], [0.25, 2.0], [-1.0, 0.0]]
        for (step, g) in gradients.enumerated() {
            try optimizer.zeroGrad()
            try setGradient(p, g)
            try optimizer.step()
            for i in value.indices {
                let d = g[i] + 0.01 * value[i]
                velocity[i] = step == 0 ? d : 0.9 * velocity[i] + d
                value[i] -= 0.1 * (d + 0.9 * velocity[i])
            }
            let got = try p.toArray(of: Double.self)
            #expect(zip(got, value).allSatisfy { Swift.abs($0 - $1) < 1e-12 }, "step \(step): \(got) vs \(value)")
        }
    }

    @Test func parameterGroupsKeepTheirOwnOptions() throws {
        let decayed = try Tensor([1.0] as [Double]).requiringGrad()
        let plain = try Tensor([1.0] as [Double]).requiringGrad()
        let optimizer = try Optimizer.sgd([
            ParameterGroup([decayed], options: SGDOptions(learningRate: 0.1, weightDecay: 0.5)),
            ParameterGroup([plain], options: SGDOptions(learningRate: 0.2)),
        ])
        #expect(optimizer.groupCount == 2)
        try setGradient(decayed, [1])
        try setGradient(plain, [1])
        try optimizer.step()
        #expect(try decayed.item() == 1 - 0.1 * (1 + 0.5))
        #expect(try plain.item() == 1 - 0.2)

        try optimizer.setLearningRate(0.05, group: 1)
        #expect(try optimizer.learningRate(group: 1) == 0.05)
        #expect(try optimizer.learningRate(group: 0) == 0.1)
        try optimizer.step()
        #expect(Swift.abs(try plain.item() - (0.8 - 0.05)) < 1e-12, "the gradient is still 1")
        #expect(throws: TorchError.self) { try optimizer.setLearningRate(1, group: 2) }
    }

    @Test func momentumCanChange() throws {
        let p = try Tensor([0.0] as [Double]).requiringGrad()
        let optimizer = try Optimizer.sgd([ParameterGroup([p], options: SGDOptions(learningRate: 1, momentum: 0.5))])
        try setGradient(p, [1])
        try optimizer.step()
        try optimizer.setMomentum(0, group: 0)
        try optimizer.step()
        // The buffer is 1 after the first step; momentum 0 makes the second step use the gradient alone.
        #expect(try p.item() == -2)
    }

    @Test func adamWStepsFollowTheFormula() throws {
        let p = try Tensor([1.0, -0.5] as [Double]).requiringGrad()
        let options = AdamWOptions(learningRate: 0.01, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0.1)
        let optimizer = try Optimizer.adamW([ParameterGroup([p], options: options)])
        var value = [1.0, -0.5]
        var m = [0.0, 0.0]
        var v = [0.0, 0.0]
        let gradients = [[0.3, -0.2], [0.1, 0.4], [-0.5, 0.05]]
        for (index, g) in gradients.enumerated() {
            try optimizer.zeroGrad()
            try setGradient(p, g)
            try optimizer.step()
            let t = Double(index + 1)
            for i in value.indices {
                value[i] *= 1 - 0.01 * 0.1
                m[i] = 0.9 * m[i] + 0.1 * g[i]
                v[i] = 0.99 * v[i] + 0.01 * g[i] * g[i]
                let mHat = m[i] / (1 - Foundation.pow(0.9, t))
                let vHat = v[i] / (1 - Foundation.pow(0.99, t))
                value[i] -= 0.01 * mHat / (vHat.squareRoot() + 1e-8)
            }
            let got = try p.toArray(of: Double.self)
            #expect(zip(got, value).allSatisfy { Swift.abs($0 - $1) < 1e-12 }, "step \(index): \(got) vs \(value)")
        }
    }

    @Test func emptyGroupListIsRejected() {
        #expect(throws: TorchError.self) { try Optimizer.sgd([]) }
    }
}
