import CTorch

/// How a loss reduces its per-element values.
public enum LossReduction: Sendable {
    /// Keep every element.
    case none
    /// The mean over all elements.
    case mean
    /// The sum over all elements.
    case sum

    var backendCode: ct_reduction {
        switch self {
        case .none: CT_REDUCTION_NONE
        case .mean: CT_REDUCTION_MEAN
        case .sum: CT_REDUCTION_SUM
        }
    }
}

/// 2-D convolution of an NCHW `input` with an [out, in/groups, kh, kw] `weight` (`ct_conv2d`).
public func conv2d(
    _ input: Tensor,
    weight: Tensor,
    bias: Tensor? = nil,
    stride: Int = 1,
    padding: Int = 0,
    dilation: Int = 1,
    groups: Int = 1
) throws(TorchError) -> Tensor {
    let stride2: [Int64] = [Int64(stride), Int64(stride)]
    let padding2: [Int64] = [Int64(padding), Int64(padding)]
    let dilation2: [Int64] = [Int64(dilation), Int64(dilation)]
    return try makeTensor { out in
        withExtendedLifetime(bias) {
            ct_conv2d(input.handle, weight.handle, bias?.handle, stride2, padding2, dilation2, Int64(groups), out)
        }
    }
}

/// Batch normalisation over the channel dimension (`ct_batch_norm`).
///
/// In training mode the batch statistics normalise and `runningMean`/`runningVar` move towards them by
/// `momentum` in place; otherwise the running statistics normalise.
public func batchNorm(
    _ input: Tensor,
    weight: Tensor?,
    bias: Tensor?,
    runningMean: Tensor?,
    runningVar: Tensor?,
    isTraining: Bool,
    momentum: Double = 0.1,
    eps: Double = 1e-5
) throws(TorchError) -> Tensor {
    try makeTensor { out in
        withExtendedLifetime((weight, bias, runningMean, runningVar)) {
            ct_batch_norm(
                input.handle, weight?.handle, bias?.handle, runningMean?.handle, runningVar?.handle, isTraining,
                momentum, eps, out)
        }
    }
}

/// 2-D max pooling with a square window (`ct_max_pool2d`).
public func maxPool2d(
    _ input: Tensor,
    kernelSize: Int,
    stride: Int? = nil,
    padding: Int = 0,
    ceilMode: Bool = false
) throws(TorchError) -> Tensor {
    let kernel: [Int64] = [Int64(kernelSize), Int64(kernelSize)]
    let step = Int64(stride ?? kernelSize)
    let pad: [Int64] = [Int64(padding), Int64(padding)]
    let dilation: [Int64] = [1, 1]
    return try makeTensor { ct_max_pool2d(input.handle, kernel, [step, step], pad, dilation, ceilMode, $0) }
}

/// Nearest-neighbour upsampling of an NCHW tensor by an integer `scale` (`ct_upsample_nearest2d`).
public func upsampleNearest(_ input: Tensor, scale: Int) throws(TorchError) -> Tensor {
    let shape = input.shape
    guard shape.count == 4 else {
        throw TorchError.invalidArgument("upsampleNearest needs an NCHW tensor, got shape \(shape)")
    }
    return try makeTensor { ct_upsample_nearest2d(input.handle, Int64(shape[2] * scale), Int64(shape[3] * scale), $0) }
}

/// Binary cross-entropy of `logits` against `target` probabilities, numerically stable
/// (`ct_bce_with_logits`).
public func binaryCrossEntropyWithLogits(
    _ logits: Tensor,
    target: Tensor,
    weight: Tensor? = nil,
    positiveWeight: Tensor? = nil,
    reduction: LossReduction = .mean
) throws(TorchError) -> Tensor {
    try makeTensor { out in
        withExtendedLifetime((weight, positiveWeight)) {
            ct_bce_with_logits(
                logits.handle, target.handle, weight?.handle, positiveWeight?.handle, reduction.backendCode, out)
        }
    }
}
