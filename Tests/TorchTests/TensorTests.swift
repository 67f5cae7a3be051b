import Foundation
import Testing
import Torch

@Suite("Tensor operations against hand-computed values")
struct TensorTests {
    @Test func creationAndFacts() throws {
        let x = try Tensor([1, 2, 3, 4, 5, 6] as [Float], shape: [2, 3])
        #expect(x.shape == [2, 3])
        #expect(x.dtype == .float32)
        #expect(x.elementCount == 6)
        #expect(x.rank == 2)
        #expect(x.strides == [3, 1])
        #expect(try x.toArray(of: Float.self) == [1, 2, 3, 4, 5, 6])
        #expect(try Tensor.zeros([2, 2]).toArray(of: Float.self) == [0, 0, 0, 0])
        #expect(try Tensor.ones([3], dtype: .int64).toArray(of: Int.self) == [1, 1, 1])
        #expect(try Tensor.full([2], value: 2.5, dtype: .float64).toArray(of: Double.self) == [2.5, 2.5])
        #expect(try Tensor.arange(0, 5, dtype: .int64).toArray(of: Int.self) == [0, 1, 2, 3, 4])
        #expect(try Tensor.arange(1, 2, step: 0.25).toArray(of: Float.self) == [1, 1.25, 1.5, 1.75])
        #expect(try Tensor(scalar: 7.5).item() == 7.5)
        #expect(try Tensor(scalar: Int(42)).intItem() == 42)
    }

    @Test func dtypesConvert() throws {
        let x = try Tensor([0.5, -1.25, 3] as [Float])
        #expect(try x.to(.float16).toArray(of: Float16.self) == [0.5, -1.25, 3])
        #expect(try x.to(.int64).toArray(of: Int.self) == [0, -1, 3])
        #expect(try x.gt(0).toArray(of: Bool.self) == [true, false, true])
        #expect(try x.to(.float16).dtype == .float16)
        #expect(throws: TorchError.self) { try x.toArray(of: Double.self) }
    }

    @Test func randomIsSeeded() throws {
        try TorchRuntime.manualSeed(7)
        let a = try Tensor.randn([4]).toArray(of: Float.self)
        try TorchRuntime.manualSeed(7)
        let b = try Tensor.randn([4]).toArray(of: Float.self)
        #expect(a == b)
        let u = try Tensor.rand([1000]).toArray(of: Float.self)
        #expect(u.allSatisfy { $0 >= 0 && $0 < 1 })
        let ints = try Tensor.randint(3..<6, shape: [200]).toArray(of: Int.self)
        #expect(Set(ints) == [3, 4, 5])
        #expect(try Tensor.randperm(5).sort().values.toArray(of: Int.self) == [0, 1, 2, 3, 4])
    }

    @Test func broadcastingArithmetic() throws {
        let a = try Tensor([1, 2, 3, 4] as [Float], shape: [2, 2])
        let row = try Tensor([10, 20] as [Float], shape: [1, 2])
        #expect(try (a + row).toArray(of: Float.self) == [11, 22, 13, 24])
        #expect(try (a - row).toArray(of: Float.self) == [-9, -18, -7, -16])
        #expect(try (a * row).toArray(of: Float.self) == [10, 40, 30, 80])
        #expect(try (row / a).toArray(of: Float.self) == [10, 10, 10 / 3, 5])
        #expect(try (a * 2 + 1).toArray(of: Float.self) == [3, 5, 7, 9])
        #expect(try (1 - a).toArray(of: Float.self) == [0, -1, -2, -3])
        #expect(try (12 / a).toArray(of: Float.self) == [12, 6, 4, 3])
        #expect(try (-a).toArray(of: Float.self) == [-1, -2, -3, -4])
        #expect(try a.pow(2).toArray(of: Float.self) == [1, 4, 9, 16])
        #expect(try a.minimum(2.5).toArray(of: Float.self) == [1, 2, 2.5, 2.5])
        #expect(try a.maximum(row).toArray(of: Float.self) == [10, 20, 10, 20])
    }

    @Test func inPlaceArithmetic() throws {
        let a = try Tensor([1, 2, 3] as [Float])
        let alias = try a.shared()
        try a += try Tensor([1, 1, 1] as [Float])
        try a *= 3
        try a -= 1
        try a /= 2
        #expect(try alias.toArray(of: Float.self) == [2.5, 4, 5.5])
        try a.addScaled(try Tensor([2, 2, 2] as [Float]), alpha: 0.5)
        #expect(try a.toArray(of: Float.self) == [3.5, 5, 6.5])
        try a.clamp_(min: 4, max: 6)
        #expect(try a.toArray(of: Float.self) == [4, 5, 6])
        try a.fill(1)
        #expect(try alias.toArray(of: Float.self) == [1, 1, 1])
    }

    @Test func elementwiseFunctions() throws {
        let x = try Tensor([-2, 0, 1, 4] as [Double])
        let values = try x.toArray(of: Double.self)
        func close(_ got: Tensor, _ expected: [Double]) throws -> Bool {
            let result = try got.toArray(of: Double.self)
            return zip(result, expected).allSatisfy { Swift.abs($0 - $1) < 1e-12 }
        }
        #expect(try close(x.exp(), values.map { Foundation.exp($0) }))
        #expect(try close(x.abs(), [2, 0, 1, 4]))
        #expect(try close(x.abs().sqrt(), [Foundation.sqrt(2), 0, 1, 2]))
        #expect(try close((x.abs() + 1).log(), values.map { Foundation.log(Swift.abs($0) + 1) }))
        #expect(try close(x.sigmoid(), values.map { 1 / (1 + Foundation.exp(-$0)) }))
        #expect(try close(x.relu(), [0, 0, 1, 4]))
        #expect(try close(x.silu(), values.map { $0 / (1 + Foundation.exp(-$0)) }))
        #expect(try close(x.atan(), values.map { Foundation.atan($0) }))
        #expect(try close(x.leakyReLU(negativeSlope: 0.1), [-0.2, 0, 1, 4]))
        #expect(try close(x.clamp(min: -1, max: 2), [-1, 0, 1, 2]))
        #expect(try close(x.clamp(max: 0.5), [-2, 0, 0.5, 0.5]))
        let y = try Tensor([1, 1, 1, 1] as [Double])
        #expect(try close(x.where(x.gt(0), else: y), [1, 1, 1, 4]))
        #expect(try close(x.maskedFill(x.lt(0), value: 9), [9, 0, 1, 4]))
        #expect(try x.eq(0).logicalOr(x.gt(2)).toArray(of: Bool.self) == [false, true, false, true])
    }

    @Test func reductions() throws {
        let x = try Tensor([3, 1, 2, 6, 5, 4] as [Float], shape: [2, 3])
        #expect(try x.sum().item() == 21)
        #expect(try x.mean().item() == 3.5)
        #expect(try x.sum(dims: [1]).toArray(of: Float.self) == [6, 15])
        #expect(try x.mean(dims: [0], keepDim: true).shape == [1, 3])
        #expect(try x.max().item() == 6)
        #expect(try x.min(dims: [1]).toArray(of: Float.self) == [1, 4])
        let (values, indices) = try x.max(dim: 1)
        #expect(try values.toArray(of: Float.self) == [3, 6])
        #expect(try indices.toArray(of: Int.self) == [0, 0])
        #expect(try x.argmax(dim: 0).toArray(of: Int.self) == [1, 1, 1])
        let top = try x.reshape([-1]).topk(2)
        #expect(try top.values.toArray(of: Float.self) == [6, 5])
        #expect(try top.indices.toArray(of: Int.self) == [3, 4])
        let sorted = try x.reshape([-1]).sort(descending: false)
        #expect(try sorted.values.toArray(of: Float.self) == [1, 2, 3, 4, 5, 6])
        #expect(try sorted.indices.toArray(of: Int.self) == [1, 2, 0, 5, 4, 3])
        #expect(try x.prod(dim: 1).toArray(of: Float.self) == [6, 120])
        #expect(try x.cumsum(dim: 1).toArray(of: Float.self) == [3, 4, 6, 6, 11, 15])
    }

    @Test func shapeAndIndexing() throws {
        let x = try Tensor.arange(0, 24, dtype: .int64).reshape([2, 3, 4])
        #expect(try x.permute([2, 0, 1]).shape == [4, 2, 3])
        #expect(try x.permute([2, 0, 1]).contiguous().toArray(of: Int.self).prefix(3) == [0, 4, 8])
        #expect(try x.transpose(0, 1).shape == [3, 2, 4])
        #expect(try x.view([6, 4]).shape == [6, 4])
        #expect(throws: TorchError.self) { try x.transpose(0, 2).view([24]) }
        #expect(try x.narrow(dim: 2, start: 1, length: 2).contiguous().toArray(of: Int.self).prefix(4) == [1, 2, 5, 6])
        #expect(try x.slice(dim: 2, 0..<4, step: 2).contiguous().toArray(of: Int.self).prefix(4) == [0, 2, 4, 6])
        #expect(try x.unsqueeze(0).shape == [1, 2, 3, 4])
        #expect(try x.unsqueeze(0).squeeze(0).shape == [2, 3, 4])
        #expect(try Tensor([5] as [Float]).expand([3]).toArray(of: Float.self) == [5, 5, 5])

        let flat = try Tensor([10, 20, 30, 40] as [Float])
        let index = try Tensor([3, 0] as [Int])
        #expect(try flat.indexSelect(dim: 0, index).toArray(of: Float.self) == [40, 10])
        #expect(try flat.gather(dim: 0, index).toArray(of: Float.self) == [40, 10])
        let scattered = try Tensor.zeros([4]).scatter(dim: 0, index, try Tensor([1, 2] as [Float]))
        #expect(try scattered.toArray(of: Float.self) == [2, 0, 0, 1])
        #expect(try flat.maskedSelect(flat.gt(15)).toArray(of: Float.self) == [20, 30, 40])
        #expect(try flat.gt(25).nonzero().toArray(of: Int.self) == [2, 3])

        let grid = try Tensor.arange(0, 12).reshape([3, 4])
        let rows = try Tensor([0, 2] as [Int])
        let columns = try Tensor([1, 3] as [Int])
        #expect(try grid.index([rows, columns]).toArray(of: Float.self) == [1, 11])
        try grid.indexPut([rows, columns], try Tensor([100, 200] as [Float]), accumulate: true)
        #expect(try grid.index([rows, columns]).toArray(of: Float.self) == [101, 211])

        let a = try Tensor([1, 2] as [Float])
        let b = try Tensor([3, 4] as [Float])
        #expect(try Tensor.cat([a, b]).toArray(of: Float.self) == [1, 2, 3, 4])
        #expect(try Tensor.stack([a, b], dim: 1).toArray(of: Float.self) == [1, 3, 2, 4])
        #expect(try Tensor.stack([a, b]).shape == [2, 2])
    }

    @Test func matmulAndSoftmax() throws {
        let a = try Tensor([1, 2, 3, 4] as [Float], shape: [2, 2])
        let b = try Tensor([5, 6, 7, 8] as [Float], shape: [2, 2])
        #expect(try a.matmul(b).toArray(of: Float.self) == [19, 22, 43, 50])
        let s = try Tensor([0, Foundation.log(3.0)] as [Double]).softmax(dim: 0).toArray(of: Double.self)
        #expect(Swift.abs(s[0] - 0.25) < 1e-12 && Swift.abs(s[1] - 0.75) < 1e-12)
    }

    @Test func convolutionAndPooling() throws {
        // A 1x1x3x3 input with an all-ones 2x2 kernel: each output is the sum of a 2x2 window.
        let x = try Tensor([1, 2, 3, 4, 5, 6, 7, 8, 9] as [Float], shape: [1, 1, 3, 3])
        let w = try Tensor.ones([1, 1, 2, 2])
        let bias = try Tensor([0.5] as [Float])
        #expect(try conv2d(x, weight: w, bias: bias).toArray(of: Float.self) == [12.5, 16.5, 24.5, 28.5])
        let padded = try conv2d(x, weight: try Tensor.ones([1, 1, 3, 3]), padding: 1)
        #expect(try padded.toArray(of: Float.self) == [12, 21, 16, 27, 45, 33, 24, 39, 28])
        #expect(try conv2d(x, weight: w, stride: 2).toArray(of: Float.self) == [12])
        let grouped = try conv2d(
            try Tensor.ones([1, 2, 2, 2]), weight: try Tensor([1, 2] as [Float], shape: [2, 1, 1, 1]), groups: 2)
        #expect(try grouped.toArray(of: Float.self) == [1, 1, 1, 1, 2, 2, 2, 2])

        #expect(try maxPool2d(x, kernelSize: 2, stride: 1).toArray(of: Float.self) == [5, 6, 8, 9])
        #expect(
            try maxPool2d(x, kernelSize: 3, stride: 1, padding: 1).toArray(of: Float.self)
                == [5, 6, 6, 8, 9, 9, 8, 9, 9])
        let up = try upsampleNearest(try Tensor([1, 2, 3, 4] as [Float], shape: [1, 1, 2, 2]), scale: 2)
        #expect(try up.toArray(of: Float.self) == [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4])
    }

    @Test func batchNormModes() throws {
        // Channel 0 holds [1, 3], channel 1 holds [2, 6]: batch means 2 and 4, biased variances 1 and 4.
        let x = try Tensor([1, 2, 3, 6] as [Float], shape: [2, 2, 1, 1])
        let mean = try Tensor.zeros([2])
        let variance = try Tensor.ones([2])
        let trained = try batchNorm(
            x, weight: nil, bias: nil, runningMean: mean, runningVar: variance, isTraining: true, momentum: 0.5,
            eps: 0)
        #expect(try trained.toArray(of: Float.self) == [-1, -1, 1, 1])
        // Running statistics move halfway; the running variance uses the unbiased estimate (2 and 8).
        #expect(try mean.toArray(of: Float.self) == [1, 2])
        #expect(try variance.toArray(of: Float.self) == [1.5, 4.5])
        let weight = try Tensor([2, 1] as [Float])
        let bias = try Tensor([0, 1] as [Float])
        let inferred = try batchNorm(
            x, weight: weight, bias: bias, runningMean: mean, runningVar: variance, isTraining: false, eps: 0)
        let expected: [Float] = [0, 1, 2 * 2 / Float(1.5).squareRoot(), 4 / Float(4.5).squareRoot() + 1]
        let got = try inferred.toArray(of: Float.self)
        #expect(zip(got, expected).allSatisfy { Swift.abs($0 - $1) < 1e-6 })
    }

    @Test func binaryCrossEntropy() throws {
        let logits = try Tensor([0, 2, -1] as [Double])
        let target = try Tensor([1, 0, 0.5] as [Double])
        func bce(_ z: Double, _ t: Double) -> Double {
            let p = 1 / (1 + Foundation.exp(-z))
            return -(t * Foundation.log(p) + (1 - t) * Foundation.log(1 - p))
        }
        let expected = [bce(0, 1), bce(2, 0), bce(-1, 0.5)]
        let none = try binaryCrossEntropyWithLogits(logits, target: target, reduction: .none).toArray(of: Double.self)
        #expect(zip(none, expected).allSatisfy { Swift.abs($0 - $1) < 1e-12 })
        let mean = try binaryCrossEntropyWithLogits(logits, target: target).item()
        #expect(Swift.abs(mean - expected.reduce(0, +) / 3) < 1e-12)
        let sum = try binaryCrossEntropyWithLogits(logits, target: target, reduction: .sum).item()
        #expect(Swift.abs(sum - expected.reduce(0, +)) < 1e-12)
    }

    @Test func channelsLastKeepsValues() throws {
        let x = try Tensor.arange(0, 24).reshape([1, 2, 3, 4])
        let nhwc = try x.channelsLast()
        #expect(nhwc.isChannelsLastContiguous)
        #expect(!nhwc.isContiguous)
        #expect(nhwc.shape == [1, 2, 3, 4])
        #expect(nhwc.strides == [24, 1, 8, 2])
        #expect(try nhwc.toArray(of: Float.self) == x.toArray(of: Float.self))
    }

    @Test func backendErrorsCarryTheMessage() throws {
        let a = try Tensor.zeros([2, 3])
        let b = try Tensor.zeros([4])
        let error = #expect(throws: TorchError.self) { try a + b }
        guard case .backend(let function, let message)? = error else {
            Issue.record("expected a backend error, got \(String(describing: error))")
            return
        }
        #expect(function.contains("+"))
        #expect(message.contains("size of tensor a (3) must match the size of tensor b (4)"))
        #expect(throws: TorchError.self) { try Tensor([1, 2, 3] as [Float], shape: [2, 2]) }
        #expect(throws: TorchError.self) { try a.reshape([5]) }
    }
}
