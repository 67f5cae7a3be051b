import CTorch

extension Tensor {
    /// Whether operations on this tensor are recorded for back-propagation (`ct_requires_grad`).
    public var requiresGrad: Bool {
        var result = false
        return ct_requires_grad(handle, &result) == 0 && result
    }

    /// Makes this tensor a leaf that records gradients, or stops it recording (`ct_set_requires_grad`).
    @discardableResult
    public func requiringGrad(_ isRequired: Bool = true) throws(TorchError) -> Tensor {
        try check(ct_set_requires_grad(handle, isRequired))
        return self
    }

    /// Back-propagates from this tensor (`ct_backward`); a non-scalar needs `gradient` of its shape.
    public func backward(gradient: Tensor? = nil, retainGraph: Bool = false) throws(TorchError) {
        try withExtendedLifetime(gradient) { () throws(TorchError) in
            try check(ct_backward(handle, gradient?.handle, retainGraph))
        }
    }

    /// The gradient accumulated by `backward`, or nil when there is none (`ct_grad`).
    public func grad() throws(TorchError) -> Tensor? {
        var result: ct_tensor?
        try check(ct_grad(handle, &result))
        return result.map { Tensor(owning: $0) }
    }

    /// Drops the accumulated gradient (`ct_zero_grad`).
    public func zeroGrad() throws(TorchError) {
        try check(ct_zero_grad(handle))
    }

    /// The same storage without history: results computed from it record nothing (`ct_detach`).
    public func detach() throws(TorchError) -> Tensor {
        try makeTensor { ct_detach(handle, $0) }
    }
}

/// Whether libtorch records operations for autograd on the calling thread (`ct_is_grad_enabled`).
public var isGradEnabled: Bool {
    var enabled = false
    return ct_is_grad_enabled(&enabled) == 0 && enabled
}

/// Runs `body` with gradient recording off on the calling thread, restoring the previous state after.
///
/// - Important: The mode is per thread: `body` must not hop queues to do its tensor work.
public func withNoGrad<R, E: Error>(_ body: () throws(E) -> R) throws(E) -> R {
    try withGradEnabled(false, body)
}

/// Runs `body` with gradient recording set to `isEnabled` on the calling thread, restoring it after.
public func withGradEnabled<R, E: Error>(_ isEnabled: Bool, _ body: () throws(E) -> R) throws(E) -> R {
    var previous = true
    // Setting a thread-local flag cannot fail; a nonzero status would be a broken backend.
    if ct_set_grad_enabled(isEnabled, &previous) != 0 {
        fatalError("ct_set_grad_enabled failed: \(String(cString: ct_last_error()))")
    }
    defer { _ = ct_set_grad_enabled(previous, nil) }
    return try body()
}
