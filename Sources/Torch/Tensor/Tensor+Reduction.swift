import CTorch

extension Tensor {
    private func reduce(_ op: ct_reduce_op, _ dims: [Int], keepDim: Bool, _ function: StaticString = #function)
        throws(TorchError) -> Tensor
    {
        try withInt64s(dims) { axes, count throws(TorchError) in
            try makeTensor(function) { ct_reduce(op, handle, axes, count, keepDim, $0) }
        }
    }

    /// The sum of all elements, or over `dims` (`ct_reduce`).
    public func sum(dims: [Int] = [], keepDim: Bool = false) throws(TorchError) -> Tensor {
        try reduce(CT_SUM, dims, keepDim: keepDim)
    }

    /// The mean of all elements, or over `dims`.
    public func mean(dims: [Int] = [], keepDim: Bool = false) throws(TorchError) -> Tensor {
        try reduce(CT_MEAN, dims, keepDim: keepDim)
    }

    /// The largest element, or the largest over `dims`.
    public func max(dims: [Int] = [], keepDim: Bool = false) throws(TorchError) -> Tensor {
        try reduce(CT_AMAX, dims, keepDim: keepDim)
    }

    /// The smallest element, or the smallest over `dims`.
    public func min(dims: [Int] = [], keepDim: Bool = false) throws(TorchError) -> Tensor {
        try reduce(CT_AMIN, dims, keepDim: keepDim)
    }

    /// The product of all elements, or over one dimension.
    public func prod(dim: Int? = nil, keepDim: Bool = false) throws(TorchError) -> Tensor {
        try reduce(CT_PROD, dim.map { [$0] } ?? [], keepDim: keepDim)
    }

    /// The largest values along `dim` and where they are (`ct_extremum_dim`).
    public func max(dim: Int, keepDim: Bool = false) throws(TorchError) -> (values: Tensor, indices: Tensor) {
        try extremum(dim: dim, keepDim: keepDim, isMax: true)
    }

    /// The smallest values along `dim` and where they are (`ct_extremum_dim`).
    public func min(dim: Int, keepDim: Bool = false) throws(TorchError) -> (values: Tensor, indices: Tensor) {
        try extremum(dim: dim, keepDim: keepDim, isMax: false)
    }

    /// The index of the largest value along `dim` (`ct_argmax`).
    public func argmax(dim: Int, keepDim: Bool = false) throws(TorchError) -> Tensor {
        try makeTensor { ct_argmax(handle, Int64(dim), keepDim, $0) }
    }

    /// The `k` largest (or smallest) values along `dim` and their indices (`ct_topk`).
    public func topk(_ k: Int, dim: Int = -1, largest: Bool = true, sorted: Bool = true) throws(TorchError)
        -> (values: Tensor, indices: Tensor)
    {
        try pair { ct_topk(handle, Int64(k), Int64(dim), largest, sorted, $0, $1) }
    }

    /// Sorts along `dim` (stable) and returns the values and their original indices (`ct_sort`).
    public func sort(dim: Int = -1, descending: Bool = false) throws(TorchError) -> (values: Tensor, indices: Tensor) {
        try pair { ct_sort(handle, Int64(dim), descending, $0, $1) }
    }

    /// Running sum along `dim` (`ct_cumsum`).
    public func cumsum(dim: Int) throws(TorchError) -> Tensor {
        try makeTensor { ct_cumsum(handle, Int64(dim), $0) }
    }

    private func extremum(dim: Int, keepDim: Bool, isMax: Bool) throws(TorchError) -> (values: Tensor, indices: Tensor)
    {
        try pair { ct_extremum_dim(handle, Int64(dim), keepDim, isMax, $0, $1) }
    }

    private func pair(
        _ function: StaticString = #function,
        _ body: (UnsafeMutablePointer<ct_tensor?>, UnsafeMutablePointer<ct_tensor?>) -> Int32
    ) throws(TorchError) -> (values: Tensor, indices: Tensor) {
        var values: ct_tensor?
        var indices: ct_tensor?
        try check(body(&values, &indices), function)
        guard let values, let indices else {
            throw TorchError.backend(function: "\(function)", message: "backend returned no tensor")
        }
        return (Tensor(owning: values), Tensor(owning: indices))
    }
}
