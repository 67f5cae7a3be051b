import Foundation

/// A small, fast, seedable random number generator: xoshiro256** seeded through SplitMix64.
///
/// Every random decision of augmentation and batching draws from a generator derived from the run's seed and the
/// coordinates of the decision (epoch, sample index), never from shared state, so that results do not depend on
/// which thread computes them or when. Streams are not cryptographic and are stable across Swift versions (unlike
/// `SystemRandomNumberGenerator` or `shuffle(using:)`, whose algorithms are unspecified).
public struct RandomSource: RandomNumberGenerator, Sendable {
    /// The four words of xoshiro256** state; never all zero.
    private var state: (UInt64, UInt64, UInt64, UInt64)

    /// A generator for `seed` and any number of further coordinates (such as an epoch and an index): each one is
    /// mixed into the seed with SplitMix64, and the result expanded into the state.
    public init(seed: UInt64, _ coordinates: Int...) {
        var mixed = Self.splitMix(seed)
        for coordinate in coordinates {
            mixed = Self.splitMix(mixed ^ UInt64(bitPattern: Int64(coordinate)))
        }
        var expander = mixed
        state = (Self.splitMix(&expander), Self.splitMix(&expander), Self.splitMix(&expander), 0)
        state.3 = Self.splitMix(&expander) | 1
    }

    /// The next 64 random bits (xoshiro256**).
    public mutating func next() -> UInt64 {
        let result = (state.1 &* 5).rotatedLeft(by: 7) &* 9
        let shifted = state.1 << 17
        state.2 ^= state.0
        state.3 ^= state.1
        state.1 ^= state.2
        state.0 ^= state.3
        state.2 ^= shifted
        state.3 = state.3.rotatedLeft(by: 45)
        return result
    }

    /// A double uniform in `0..<1`, from the top 53 bits.
    public mutating func nextUnit() -> Double {
        Double(next() >> 11) * 0x1.0p-53
    }

    /// A double uniform in `lower..<upper`.
    public mutating func uniform(_ lower: Double, _ upper: Double) -> Double {
        lower + (upper - lower) * nextUnit()
    }

    /// An integer uniform in `0..<count` (Lemire's multiply-shift; the bias for counts far below 2^64 is
    /// negligible for augmentation).
    public mutating func index(below count: Int) -> Int {
        precondition(count > 0, "no index below \(count)")
        return Int(next().multipliedFullWidth(by: UInt64(count)).high)
    }

    /// A standard normal deviate (Box-Muller; the second deviate is discarded for simplicity).
    public mutating func normal() -> Double {
        let u1 = max(nextUnit(), 0x1.0p-53)
        let u2 = nextUnit()
        return (-2 * log(u1)).squareRoot() * cos(2 * Double.pi * u2)
    }

    /// A Gamma(`shape`, 1) deviate for `shape >= 1` (Marsaglia and Tsang's squeeze method).
    public mutating func gamma(shape: Double) -> Double {
        precondition(shape >= 1, "gamma sampling needs shape >= 1")
        let d = shape - 1.0 / 3
        let c = 1 / (9 * d).squareRoot()
        while true {
            let x = normal()
            let v = 1 + c * x
            guard v > 0 else { continue }
            let cube = v * v * v
            let u = nextUnit()
            if u < 1 - 0.0331 * x * x * x * x || log(max(u, 0x1.0p-53)) < 0.5 * x * x + d * (1 - cube + log(cube)) {
                return d * cube
            }
        }
    }

    /// A Beta(`alpha`, `beta`) deviate, as `X / (X + Y)` with X ~ Gamma(alpha), Y ~ Gamma(beta).
    public mutating func beta(_ alpha: Double, _ beta: Double) -> Double {
        let x = gamma(shape: alpha)
        let y = gamma(shape: beta)
        return x / (x + y)
    }

    /// A permutation of `0..<count` (Fisher-Yates).
    public mutating func permutation(of count: Int) -> [Int] {
        var order = Array(0..<count)
        var i = count - 1
        while i > 0 {
            order.swapAt(i, index(below: i + 1))
            i -= 1
        }
        return order
    }

    /// One SplitMix64 step on `state`, returning the mixed output.
    private static func splitMix(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return splitMix(state)
    }

    /// SplitMix64's finaliser: a bijective mix of 64 bits.
    private static func splitMix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

extension UInt64 {
    /// The bits rotated left by `count` (0 < count < 64).
    fileprivate func rotatedLeft(by count: UInt64) -> UInt64 {
        (self << count) | (self >> (64 - count))
    }
}
