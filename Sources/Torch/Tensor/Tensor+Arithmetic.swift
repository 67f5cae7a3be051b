import CTorch

// Element-wise operations. Binary operators broadcast as libtorch does; a `Double` operand is a scalar.

extension Tensor {
    func unary(_ op: ct_unary_op, _ function: StaticString = #function) throws(TorchError) -> Tensor {
        try makeTensor(function) { ct_unary(op, handle, $0) }
    }

    func binary(_ op: ct_binary_op, _ other: Tensor, _ function: StaticString = #function) throws(TorchError)
        -> Tensor
    {
        try makeTensor(function) { ct_binary(op, handle, other.handle, $0) }
    }

    func binary(_ op: ct_binary_op, _ scalar: Double, _ function: StaticString = #function) throws(TorchError)
        -> Tensor
    {
        try makeTensor(function) { ct_binary_scalar(op, handle, scalar, $0) }
    }

    static func scalarFirst(_ op: ct_binary_op, _ scalar: Double, _ tensor: Tensor) throws(TorchError) -> Tensor {
        try makeTensor { ct_scalar_binary(op, scalar, tensor.handle, $0) }
    }

    /// `-x`.
    public static prefix func - (x: Tensor) throws(TorchError) -> Tensor { try x.unary(CT_NEG) }
    /// `a + b`, broadcasting.
    public static func + (a: Tensor, b: Tensor) throws(TorchError) -> Tensor { try a.binary(CT_ADD, b) }
    /// `a - b`, broadcasting.
    public static func - (a: Tensor, b: Tensor) throws(TorchError) -> Tensor { try a.binary(CT_SUB, b) }
    /// `a * b`, broadcasting.
    public static func * (a: Tensor, b: Tensor) throws(TorchError) -> Tensor { try a.binary(CT_MUL, b) }
    /// `a / b`, broadcasting; true division.
    public static func / (a: Tensor, b: Tensor) throws(TorchError) -> Tensor { try a.binary(CT_DIV, b) }
    /// `a + s`.
    public static func + (a: Tensor, s: Double) throws(TorchError) -> Tensor { try a.binary(CT_ADD, s) }
    /// `a - s`.
    public static func - (a: Tensor, s: Double) throws(TorchError) -> Tensor { try a.binary(CT_SUB, s) }
    /// `a * s`.
    public static func * (a: Tensor, s: Double) throws(TorchError) -> Tensor { try a.binary(CT_MUL, s) }
    /// `a / s`.
    public static func / (a: Tensor, s: Double) throws(TorchError) -> Tensor { try a.binary(CT_DIV, s) }
    /// `s + b`.
    public static func + (s: Double, b: Tensor) throws(TorchError) -> Tensor { try b.binary(CT_ADD, s) }
    /// `s - b`.
    public static func - (s: Double, b: Tensor) throws(TorchError) -> Tensor { try scalarFirst(CT_SUB, s, b) }
    /// `s * b`.
    public static func * (s: Double, b: Tensor) throws(TorchError) -> Tensor { try b.binary(CT_MUL, s) }
    /// `s / b`.
    public static func / (s: Double, b: Tensor) throws(TorchError) -> Tensor { try scalarFirst(CT_DIV, s, b) }

    /// `a += b` in place (`ct_binary_`).
    public static func += (a: Tensor, b: Tensor) throws(TorchError) {
        try check(ct_binary_(CT_ADD, a.handle, b.handle))
    }
    /// `a -= b` in place.
    public static func -= (a: Tensor, b: Tensor) throws(TorchError) {
        try check(ct_binary_(CT_SUB, a.handle, b.handle))
    }
    /// `a *= b` in place.
    public static func *= (a: Tensor, b: Tensor) throws(TorchError) {
        try check(ct_binary_(CT_MUL, a.handle, b.handle))
    }
    /// `a /= b` in place.
    public static func /= (a: Tensor, b: Tensor) throws(TorchError) {
        try check(ct_binary_(CT_DIV, a.handle, b.handle))
    }
    /// `a += s` in place (`ct_binary_scalar_`).
    public static func += (a: Tensor, s: Double) throws(TorchError) {
        try check(ct_binary_scalar_(CT_ADD, a.handle, s))
    }
    /// `a -= s` in place.
    public static func -= (a: Tensor, s: Double) throws(TorchError) {
        try check(ct_binary_scalar_(CT_SUB, a.handle, s))
    }
    /// `a *= s` in place.
    public static func *= (a: Tensor, s: Double) throws(TorchError) {
        try check(ct_binary_scalar_(CT_MUL, a.handle, s))
    }
    /// `a /= s` in place.
    public static func /= (a: Tensor, s: Double) throws(TorchError) {
        try check(ct_binary_scalar_(CT_DIV, a.handle, s))
    }

    /// `self += alpha * other` in place (`ct_add_scaled_`).
    public func addScaled(_ other: Tensor, alpha: Double) throws(TorchError) {
        try check(ct_add_scaled_(handle, other.handle, alpha))
    }

    /// `self ** exponent`, broadcasting.
    public func pow(_ exponent: Tensor) throws(TorchError) -> Tensor { try binary(CT_POW, exponent) }
    /// `self ** exponent`.
    public func pow(_ exponent: Double) throws(TorchError) -> Tensor { try binary(CT_POW, exponent) }
    /// The smaller of each pair, broadcasting.
    public func minimum(_ other: Tensor) throws(TorchError) -> Tensor { try binary(CT_MINIMUM, other) }
    /// The larger of each pair, broadcasting.
    public func maximum(_ other: Tensor) throws(TorchError) -> Tensor { try binary(CT_MAXIMUM, other) }
    /// The smaller of each element and `bound`.
    public func minimum(_ bound: Double) throws(TorchError) -> Tensor { try binary(CT_MINIMUM, bound) }
    /// The larger of each element and `bound`.
    public func maximum(_ bound: Double) throws(TorchError) -> Tensor { try binary(CT_MAXIMUM, bound) }
    /// `atan2(self, other)`, broadcasting.
    public func atan2(_ other: Tensor) throws(TorchError) -> Tensor { try binary(CT_ATAN2, other) }
    /// Python-style remainder, with the sign of the divisor.
    public func remainder(_ divisor: Double) throws(TorchError) -> Tensor { try binary(CT_REMAINDER, divisor) }

    /// `self == other` as bool.
    public func eq(_ other: Tensor) throws(TorchError) -> Tensor { try binary(CT_EQ, other) }
    /// `self == value` as bool.
    public func eq(_ value: Double) throws(TorchError) -> Tensor { try binary(CT_EQ, value) }
    /// `self != value` as bool.
    public func ne(_ value: Double) throws(TorchError) -> Tensor { try binary(CT_NE, value) }
    /// `self < other` as bool.
    public func lt(_ other: Tensor) throws(TorchError) -> Tensor { try binary(CT_LT, other) }
    /// `self < value` as bool.
    public func lt(_ value: Double) throws(TorchError) -> Tensor { try binary(CT_LT, value) }
    /// `self <= value` as bool.
    public func le(_ value: Double) throws(TorchError) -> Tensor { try binary(CT_LE, value) }
    /// `self > other` as bool.
    public func gt(_ other: Tensor) throws(TorchError) -> Tensor { try binary(CT_GT, other) }
    /// `self > value` as bool.
    public func gt(_ value: Double) throws(TorchError) -> Tensor { try binary(CT_GT, value) }
    /// `self >= value` as bool.
    public func ge(_ value: Double) throws(TorchError) -> Tensor { try binary(CT_GE, value) }
    /// Element-wise logical and of two bool tensors.
    public func logicalAnd(_ other: Tensor) throws(TorchError) -> Tensor { try binary(CT_LOGICAL_AND, other) }
    /// Element-wise logical or of two bool tensors.
    public func logicalOr(_ other: Tensor) throws(TorchError) -> Tensor { try binary(CT_LOGICAL_OR, other) }
    /// Element-wise logical not.
    public func logicalNot() throws(TorchError) -> Tensor { try unary(CT_LOGICAL_NOT) }

    /// `e^x`.
    public func exp() throws(TorchError) -> Tensor { try unary(CT_EXP) }
    /// Natural logarithm.
    public func log() throws(TorchError) -> Tensor { try unary(CT_LOG) }
    /// Square root.
    public func sqrt() throws(TorchError) -> Tensor { try unary(CT_SQRT) }
    /// Absolute value.
    public func abs() throws(TorchError) -> Tensor { try unary(CT_ABS) }
    /// `1 / (1 + e^-x)`.
    public func sigmoid() throws(TorchError) -> Tensor { try unary(CT_SIGMOID) }
    /// `max(x, 0)`.
    public func relu() throws(TorchError) -> Tensor { try unary(CT_RELU) }
    /// `x * sigmoid(x)`.
    public func silu() throws(TorchError) -> Tensor { try unary(CT_SILU) }
    /// Arc tangent.
    public func atan() throws(TorchError) -> Tensor { try unary(CT_ATAN) }
    /// Hyperbolic tangent.
    public func tanh() throws(TorchError) -> Tensor { try unary(CT_TANH) }
    /// Sine.
    public func sin() throws(TorchError) -> Tensor { try unary(CT_SIN) }
    /// Cosine.
    public func cos() throws(TorchError) -> Tensor { try unary(CT_COS) }
    /// Rounds down.
    public func floor() throws(TorchError) -> Tensor { try unary(CT_FLOOR) }
    /// Rounds up.
    public func ceil() throws(TorchError) -> Tensor { try unary(CT_CEIL) }
    /// Rounds half to even.
    public func round() throws(TorchError) -> Tensor { try unary(CT_ROUND) }
    /// -1, 0 or 1.
    public func sign() throws(TorchError) -> Tensor { try unary(CT_SIGN) }
    /// `1 / x`.
    public func reciprocal() throws(TorchError) -> Tensor { try unary(CT_RECIPROCAL) }

    /// `x` if `x > 0`, else `negativeSlope * x` (`ct_leaky_relu`).
    public func leakyReLU(negativeSlope: Double = 0.01) throws(TorchError) -> Tensor {
        try makeTensor { ct_leaky_relu(handle, negativeSlope, $0) }
    }

    /// Clamps each element to `[min, max]`; a nil bound is open (`ct_clamp`).
    public func clamp(min: Double? = nil, max: Double? = nil) throws(TorchError) -> Tensor {
        try makeTensor { ct_clamp(handle, min != nil, min ?? 0, max != nil, max ?? 0, $0) }
    }

    /// Sigmoid in place.
    public func sigmoid_() throws(TorchError) { try check(ct_unary_(CT_SIGMOID, handle)) }
    /// SiLU in place.
    public func silu_() throws(TorchError) { try check(ct_unary_(CT_SILU, handle)) }
    /// ReLU in place.
    public func relu_() throws(TorchError) { try check(ct_unary_(CT_RELU, handle)) }
    /// Leaky ReLU in place (`ct_leaky_relu_`).
    public func leakyReLU_(negativeSlope: Double = 0.01) throws(TorchError) {
        try check(ct_leaky_relu_(handle, negativeSlope))
    }
    /// Clamps in place (`ct_clamp_`).
    public func clamp_(min: Double? = nil, max: Double? = nil) throws(TorchError) {
        try check(ct_clamp_(handle, min != nil, min ?? 0, max != nil, max ?? 0))
    }
    /// `self = max(self, other)` in place.
    public func maximum_(_ other: Tensor) throws(TorchError) { try check(ct_binary_(CT_MAXIMUM, handle, other.handle)) }
    /// `self = min(self, other)` in place.
    public func minimum_(_ other: Tensor) throws(TorchError) { try check(ct_binary_(CT_MINIMUM, handle, other.handle)) }

    /// `condition ? self : other`, broadcasting (`ct_where`).
    public func `where`(_ condition: Tensor, else other: Tensor) throws(TorchError) -> Tensor {
        try makeTensor { ct_where(condition.handle, handle, other.handle, $0) }
    }

    /// A copy with `value` where `mask` is true (`ct_masked_fill`).
    public func maskedFill(_ mask: Tensor, value: Double) throws(TorchError) -> Tensor {
        try makeTensor { ct_masked_fill(handle, mask.handle, value, $0) }
    }

    /// Matrix product with broadcast batch dimensions (`ct_matmul`).
    public func matmul(_ other: Tensor) throws(TorchError) -> Tensor {
        try makeTensor { ct_matmul(handle, other.handle, $0) }
    }

    /// Softmax along `dim` (`ct_softmax`).
    public func softmax(dim: Int) throws(TorchError) -> Tensor {
        try makeTensor { ct_softmax(handle, Int64(dim), false, $0) }
    }

    /// Log-softmax along `dim` (`ct_softmax`).
    public func logSoftmax(dim: Int) throws(TorchError) -> Tensor {
        try makeTensor { ct_softmax(handle, Int64(dim), true, $0) }
    }
}
