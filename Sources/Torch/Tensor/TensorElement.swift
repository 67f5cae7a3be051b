/// A Swift type whose values can be copied into and out of a tensor bit for bit.
public protocol TensorElement: Sendable {
    /// The tensor element type with the same memory layout.
    static var dtype: DType { get }
}

extension Float: TensorElement {
    /// `float32`.
    public static var dtype: DType { .float32 }
}

extension Double: TensorElement {
    /// `float64`.
    public static var dtype: DType { .float64 }
}

extension Float16: TensorElement {
    /// `float16`.
    public static var dtype: DType { .float16 }
}

extension Int: TensorElement {
    /// `int64`: Swift's `Int` is 64 bits on every platform detectd runs on.
    public static var dtype: DType { .int64 }
}

extension Int64: TensorElement {
    /// `int64`.
    public static var dtype: DType { .int64 }
}

extension Int32: TensorElement {
    /// `int32`.
    public static var dtype: DType { .int32 }
}

extension Int16: TensorElement {
    /// `int16`.
    public static var dtype: DType { .int16 }
}

extension Int8: TensorElement {
    /// `int8`.
    public static var dtype: DType { .int8 }
}

extension UInt8: TensorElement {
    /// `uint8`.
    public static var dtype: DType { .uint8 }
}

extension Bool: TensorElement {
    /// `bool`: one byte, 0 or 1, as in libtorch.
    public static var dtype: DType { .bool }
}
