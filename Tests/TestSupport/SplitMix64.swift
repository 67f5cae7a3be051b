/// A small seeded random number generator (Steele, Lea and Flood's SplitMix64), shared by the test targets so
/// that random test data and fixtures are the same on every run and platform.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    /// The Weyl sequence state, advanced by the golden-ratio increment on every draw.
    private var state: UInt64

    /// Starts the sequence at `seed`.
    public init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits: the advanced state, scrambled by two xor-shift-multiply rounds.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }

    /// A float uniform in [0, 1), on a grid of 2^-24.
    public mutating func nextUnit() -> Float {
        Float(next() >> 40) / Float(1 << 24)
    }

    /// An integer uniform in `range` (with the slight modulo bias, which tests do not mind).
    public mutating func nextInt(in range: Range<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }
}
