import CTorch

extension Tensor {
    /// The same elements in a new shape, a view when the strides allow it (`ct_reshape`); one size may be -1.
    public func reshape(_ shape: [Int]) throws(TorchError) -> Tensor {
        try withInt64s(shape) { sizes, dims throws(TorchError) in try makeTensor { ct_reshape(handle, sizes, dims, $0) }
        }
    }

    /// A view in a new shape; fails when the strides do not allow one (`ct_view`).
    public func view(_ shape: [Int]) throws(TorchError) -> Tensor {
        try withInt64s(shape) { sizes, dims throws(TorchError) in try makeTensor { ct_view(handle, sizes, dims, $0) } }
    }

    /// Reorders the dimensions (`ct_permute`).
    public func permute(_ order: [Int]) throws(TorchError) -> Tensor {
        try withInt64s(order) { axes, dims throws(TorchError) in try makeTensor { ct_permute(handle, axes, dims, $0) } }
    }

    /// Swaps two dimensions (`ct_transpose`).
    public func transpose(_ dim0: Int, _ dim1: Int) throws(TorchError) -> Tensor {
        try makeTensor { ct_transpose(handle, Int64(dim0), Int64(dim1), $0) }
    }

    /// A view of `length` entries from `start` along `dim` (`ct_narrow`).
    public func narrow(dim: Int, start: Int, length: Int) throws(TorchError) -> Tensor {
        try makeTensor { ct_narrow(handle, Int64(dim), Int64(start), Int64(length), $0) }
    }

    /// A view of `range` in steps of `step` along `dim` (`ct_slice`).
    public func slice(dim: Int, _ range: Range<Int>, step: Int = 1) throws(TorchError) -> Tensor {
        try makeTensor {
            ct_slice(handle, Int64(dim), Int64(range.lowerBound), Int64(range.upperBound), Int64(step), $0)
        }
    }

    /// Broadcasts to `shape` without copying (`ct_expand`); -1 keeps a size.
    public func expand(_ shape: [Int]) throws(TorchError) -> Tensor {
        try withInt64s(shape) { sizes, dims throws(TorchError) in try makeTensor { ct_expand(handle, sizes, dims, $0) }
        }
    }

    /// Inserts a dimension of size 1 at `dim` (`ct_unsqueeze`).
    public func unsqueeze(_ dim: Int) throws(TorchError) -> Tensor {
        try makeTensor { ct_unsqueeze(handle, Int64(dim), $0) }
    }

    /// Removes dimension `dim` if it has size 1 (`ct_squeeze`).
    public func squeeze(_ dim: Int) throws(TorchError) -> Tensor {
        try makeTensor { ct_squeeze(handle, Int64(dim), $0) }
    }

    /// The entries at the int64 positions `index` along `dim` (`ct_index_select`).
    public func indexSelect(dim: Int, _ index: Tensor) throws(TorchError) -> Tensor {
        try makeTensor { ct_index_select(handle, Int64(dim), index.handle, $0) }
    }

    /// Gathers values along `dim` at the int64 positions `index` (`ct_gather`).
    public func gather(dim: Int, _ index: Tensor) throws(TorchError) -> Tensor {
        try makeTensor { ct_gather(handle, Int64(dim), index.handle, $0) }
    }

    /// A copy with `source` written along `dim` at `index` (`ct_scatter`).
    public func scatter(dim: Int, _ index: Tensor, _ source: Tensor) throws(TorchError) -> Tensor {
        try makeTensor { ct_scatter(handle, Int64(dim), index.handle, source.handle, $0) }
    }

    /// The elements where the bool `mask` is true, flattened (`ct_masked_select`).
    public func maskedSelect(_ mask: Tensor) throws(TorchError) -> Tensor {
        try makeTensor { ct_masked_select(handle, mask.handle, $0) }
    }

    /// The coordinates of the nonzero elements as [count, rank] int64 (`ct_nonzero`).
    public func nonzero() throws(TorchError) -> Tensor {
        try makeTensor { ct_nonzero(handle, $0) }
    }

    /// Advanced indexing `self[i0, i1, ...]` with one int64 or bool tensor per leading dimension (`ct_index`).
    public func index(_ indices: [Tensor]) throws(TorchError) -> Tensor {
        try withHandles(indices) { handles, count throws(TorchError) in
            try makeTensor { ct_index(handle, handles, count, $0) }
        }
    }

    /// `self[i0, i1, ...] = values` in place, or `+=` when `accumulate` (`ct_index_put_`).
    public func indexPut(_ indices: [Tensor], _ values: Tensor, accumulate: Bool = false) throws(TorchError) {
        try withHandles(indices) { handles, count throws(TorchError) in
            try check(ct_index_put_(handle, handles, count, values.handle, accumulate))
        }
    }

    /// Joins tensors along an existing dimension (`ct_cat`).
    public static func cat(_ tensors: [Tensor], dim: Int = 0) throws(TorchError) -> Tensor {
        try withHandles(tensors) { handles, count throws(TorchError) in
            try makeTensor { ct_cat(handles, count, Int64(dim), $0) }
        }
    }

    /// Joins tensors along a new dimension (`ct_stack`).
    public static func stack(_ tensors: [Tensor], dim: Int = 0) throws(TorchError) -> Tensor {
        try withHandles(tensors) { handles, count throws(TorchError) in
            try makeTensor { ct_stack(handles, count, Int64(dim), $0) }
        }
    }
}
