/// Capped exponential backoff with jitter: how long a stream waits before its n-th consecutive reconnection
/// attempt.
///
/// Attempt 1 waits ``initialDelay``, each later one ``factor`` times longer, never more than ``maximumDelay``;
/// every delay is then moved by up to ``jitter`` of itself either way (and capped again), so that cameras that
/// failed together do not all come back at the same instant. With the defaults and no jitter: 0.5 s, 1 s, 2 s,
/// 4 s, 8 s, 16 s, 30 s, 30 s, ...
public struct Backoff: Sendable {
    /// The wait before the first attempt.
    public var initialDelay: Duration = .milliseconds(500)
    /// How much longer each further attempt waits.
    public var factor = 2.0
    /// The longest wait.
    public var maximumDelay: Duration = .seconds(30)
    /// The largest relative change jitter makes to a delay, in [0, 1]: 0.2 is +-20%.
    public var jitter = 0.2
    /// Where the jitter comes from: random by default, fixed in tests.
    public var jitterSource = JitterSource.random

    /// Backoff with the defaults above.
    public init() {}

    /// The wait before consecutive attempt `attempt` (from 1), with `unit` in [-1, 1] choosing the jitter.
    public func delay(forAttempt attempt: Int, jitterUnit unit: Double) -> Duration {
        let initial = Self.seconds(initialDelay)
        let cap = Self.seconds(maximumDelay)
        // Grow step by step and stop at the cap, so that attempt 10_000 neither overflows nor loops long.
        var base = initial
        var step = 1
        while step < attempt, base < cap {
            base *= max(factor, 1)
            step += 1
        }
        let jittered = min(base, cap) * (1 + min(max(jitter, 0), 1) * min(max(unit, -1), 1))
        return .nanoseconds(Int64((min(max(jittered, 0), cap) * 1e9).rounded()))
    }

    /// The wait before consecutive attempt `attempt` (from 1), with jitter from ``jitterSource``.
    public func delay(forAttempt attempt: Int) -> Duration {
        delay(forAttempt: attempt, jitterUnit: jitterSource.next())
    }

    /// A duration in seconds as a double.
    static func seconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) + Double(attoseconds) * 1e-18
    }
}

/// A source of jitter values in [-1, 1] for ``Backoff``.
public struct JitterSource: Sendable {
    /// Returns the next value.
    private let generate: @Sendable () -> Double

    /// A source that calls `generate` for every value (results are clamped to [-1, 1]).
    public init(_ generate: @escaping @Sendable () -> Double) {
        self.generate = generate
    }

    /// Uniformly random values from the system generator.
    public static let random = JitterSource { Double.random(in: -1...1) }

    /// Always `value`: 0 gives the exact backoff sequence, for tests.
    public static func constant(_ value: Double) -> JitterSource {
        JitterSource { value }
    }

    /// The next value, in [-1, 1].
    public func next() -> Double {
        min(max(generate(), -1), 1)
    }
}
