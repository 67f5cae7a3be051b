/// A small seeded random number generator (Steele, Lea and Flood's SplitMix64), so that random test data is the
/// same on every run.
struct SplitMix64: RandomNumberGenerator {
    /// The Weyl sequence state, advanced by the golden-ratio increment on every draw.
    private var state: UInt64

    /// Starts the sequence at `seed`.
    init(seed: UInt64) {
        state = seed
    }

    /// The next 64 random bits: the advanced state, scrambled by two xor-shift-multiply rounds.
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var mixed = state
        mixed = (mixed ^ (mixed >> 30)) &* 0xBF58_476D_1CE4_E5B9
        mixed = (mixed ^ (mixed >> 27)) &* 0x94D0_49BB_1331_11EB
        return mixed ^ (mixed >> 31)
    }
}
