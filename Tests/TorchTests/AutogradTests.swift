import Foundation
import Testing
import Torch

/// Compares backward() with central finite differences of a scalar function of one float64 tensor.
private func expectGradientMatches(
    _ input: Tensor,
    tolerance: Double = 1e-6,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ function: (Tensor) throws -> Tensor
) throws {
    let x = try input.clone().requiringGrad()
    try function(x).backward()
    let analytic = try #require(try x.grad()).toArray(of: Double.self)

    let base = try input.toArray(of: Double.self)
    let step = 1e-6
    var numeric: [Double] = []
    for index in base.indices {
        var plus = base
        plus[index] += step
        var minus = base
        minus[index] -= step
        let high = try function(try Tensor(plus, shape: input.shape)).item()
        let low = try function(try Tensor(minus, shape: input.shape)).item()
        numeric.append((high - low) / (2 * step))
    }
    let worst = zip(analytic, numeric).map { Swift.abs($0 - $1) / Swift.max(1, Swift.abs($1)) }.max() ?? 0
    #expect(worst < tolerance, "largest relative gradient error \(worst)", sourceLocation: sourceLocation)
}

@Suite("Gradients against finite differences")
struct AutogradTests {
    init() throws {
        try TorchRuntime.manualSeed(1)
    }

    @Test func convolutionGradients() throws {
        let input = try Tensor.randn([1, 2, 5, 5], dtype: .float64)
        let weight = try Tensor.randn([3, 2, 3, 3], dtype: .float64)
        let bias = try Tensor.randn([3], dtype: .float64)
        let probe = try Tensor.randn([1, 3, 3, 3], dtype: .float64)
        try expectGradientMatches(input) {
            try (conv2d($0, weight: weight, bias: bias, stride: 2, padding: 1) * probe).sum()
        }
        try expectGradientMatches(weight) {
            try (conv2d(input, weight: $0, bias: bias, stride: 2, padding: 1) * probe).sum()
        }
        try expectGradientMatches(bias) {
            try (conv2d(input, weight: weight, bias: $0, stride: 2, padding: 1) * probe).sum()
        }
    }

    @Test func batchNormGradients() throws {
        let input = try Tensor.randn([4, 3, 2, 2], dtype: .float64)
        let weight = try Tensor.randn([3], dtype: .float64)
        let bias = try Tensor.randn([3], dtype: .float64)
        let probe = try Tensor.randn([4, 3, 2, 2], dtype: .float64)
        func normalise(_ x: Tensor, _ w: Tensor, _ b: Tensor) throws -> Tensor {
            try
                (batchNorm(x, weight: w, bias: b, runningMean: nil, runningVar: nil, isTraining: true, eps: 1e-3)
                * probe).sum()
        }
        try expectGradientMatches(input) { try normalise($0, weight, bias) }
        try expectGradientMatches(weight) { try normalise(input, $0, bias) }
        try expectGradientMatches(bias) { try normalise(input, weight, $0) }
    }

    @Test func activationGradients() throws {
        // Keep points away from zero, where leaky ReLU has a kink.
        let input = try Tensor([-2.5, -0.7, 0.3, 1.9, 4.2] as [Double])
        let probe = try Tensor([1, -2, 3, 0.5, -1] as [Double])
        try expectGradientMatches(input) { try ($0.leakyReLU(negativeSlope: 0.1) * probe).sum() }
        try expectGradientMatches(input) { try ($0.silu() * probe).sum() }
        try expectGradientMatches(input) { try ($0.sigmoid() * probe).sum() }
        try expectGradientMatches(input) { try ($0.atan() * $0.exp()).sum() }
    }

    @Test func binaryCrossEntropyGradients() throws {
        let logits = try Tensor([-3, -0.5, 0.2, 2.7] as [Double])
        let target = try Tensor([0, 1, 0.3, 0.9] as [Double])
        let weight = try Tensor([1, 2, 0.5, 1] as [Double])
        try expectGradientMatches(logits) { try binaryCrossEntropyWithLogits($0, target: target, weight: weight) }
        try expectGradientMatches(target) { try binaryCrossEntropyWithLogits(logits, target: $0, reduction: .sum) }
    }

    @Test func noGradScopeRecordsNothing() throws {
        let x = try Tensor([1, 2] as [Float]).requiringGrad()
        #expect(x.requiresGrad)
        let y = try withNoGrad { () throws(TorchError) in try x * 2 }
        #expect(!y.requiresGrad)
        #expect(isGradEnabled)
        let z = try x * 2
        #expect(z.requiresGrad)
        #expect(!(try z.detach()).requiresGrad)
    }

    @Test func gradientsAccumulateAndReset() throws {
        let x = try Tensor([3] as [Double]).requiringGrad()
        try (x * x).sum().backward()
        try (x * x).sum().backward()
        #expect(try x.grad()?.toArray(of: Double.self) == [12])
        try x.zeroGrad()
        #expect(try x.grad() == nil)
    }
}
