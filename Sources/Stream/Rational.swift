import CFFmpeg

/// An exact fraction such as a stream's time base (1/12800 s) or frame rate (25/1 fps): FFmpeg's `AVRational`.
public struct Rational: Hashable, Sendable, CustomStringConvertible {
    /// The numerator.
    public var numerator: Int32
    /// The denominator; 0 means "unknown" in FFmpeg's fields.
    public var denominator: Int32

    /// A fraction from its parts.
    public init(_ numerator: Int32, _ denominator: Int32) {
        self.numerator = numerator
        self.denominator = denominator
    }

    /// The fraction FFmpeg reports.
    public init(_ rational: AVRational) {
        self.init(rational.num, rational.den)
    }

    /// Whether both parts are positive: FFmpeg reports an unknown rate or time base as 0/0 or 0/1.
    public var isValid: Bool { numerator > 0 && denominator > 0 }

    /// The fraction as a double, or nil when the denominator is 0.
    public var doubleValue: Double? {
        denominator == 0 ? nil : Double(numerator) / Double(denominator)
    }

    /// `ticks` of this time base in seconds.
    ///
    /// Multiplies before dividing, so that `512 * 1/12800` is exactly the same double as `1/25`.
    public func seconds(_ ticks: Int64) -> Double? {
        guard denominator != 0 else { return nil }
        return Double(ticks) * Double(numerator) / Double(denominator)
    }

    /// The fraction as FFmpeg takes it.
    var avRational: AVRational { AVRational(num: numerator, den: denominator) }

    /// "num/den".
    public var description: String { "\(numerator)/\(denominator)" }
}
