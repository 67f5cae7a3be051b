import Stream
import Testing

extension StreamTests {
    /// The connection's state machine and its backoff, without threads, clocks or FFmpeg.
    @Suite struct ReconnectPolicyTests {
        /// Backoff with the default settings and no jitter: 0.5 s, 1 s, 2 s, ... capped at 30 s.
        static let exactBackoff = {
            var backoff = Backoff()
            backoff.jitterSource = .constant(0)
            return backoff
        }()

        /// A machine for a live source, with `exactBackoff`.
        static func live() -> ReconnectPolicy {
            ReconnectPolicy(isLive: true, backoff: exactBackoff)
        }

        /// A machine for a file, with `exactBackoff`.
        static func file(looping: Bool = false) -> ReconnectPolicy {
            ReconnectPolicy(isLive: false, isLooping: looping, backoff: exactBackoff)
        }

        @Test func aSourceThatCannotBeOpenedAtStartIsAnError() {
            for var policy in [Self.live(), Self.file()] {
                #expect(policy.state == .connecting)
                let notice = policy.handle(.openFailed(reason: "refused"))
                #expect(notice == .init(.error, reason: "refused"))
                #expect(policy.state == .finished(.error))
                #expect(!policy.hasConnected)
            }
        }

        @Test func openingReportsConnected() {
            var policy = Self.live()
            #expect(policy.handle(.opened) == .init(.connected))
            #expect(policy.state == .connected)
            #expect(policy.hasConnected)
        }

        @Test func liveFailuresRetryForeverWithGrowingCappedDelays() {
            var policy = Self.live()
            _ = policy.handle(.opened)
            #expect(policy.handle(.failed(reason: "timed out")) == .init(.reconnecting, reason: "timed out"))
            var delays = [Duration]()
            for attempt in 1...9 {
                guard case .reconnecting(let number, let delay) = policy.state else {
                    Issue.record("expected reconnecting, got \(policy.state)")
                    return
                }
                #expect(number == attempt)
                delays.append(delay)
                #expect(policy.handle(.backoffElapsed) == nil)
                #expect(policy.state == .connecting)
                #expect(policy.handle(.openFailed(reason: "refused")) == .init(.reconnecting, reason: "refused"))
            }
            let seconds: [Duration] = [.milliseconds(500)] + [1, 2, 4, 8, 16, 30, 30, 30].map { .seconds($0) }
            #expect(delays == seconds)
        }

        @Test func aDeliveredFrameResetsTheBackoff() {
            var policy = Self.live()
            _ = policy.handle(.opened)
            _ = policy.handle(.failed(reason: "stalled"))
            for _ in 0..<2 {
                _ = policy.handle(.backoffElapsed)
                _ = policy.handle(.openFailed(reason: "refused"))
            }
            _ = policy.handle(.backoffElapsed)
            _ = policy.handle(.opened)
            #expect(policy.consecutiveFailures == 3)
            #expect(policy.handle(.frameDelivered) == nil)
            #expect(policy.consecutiveFailures == 0)
            _ = policy.handle(.failed(reason: "stalled"))
            #expect(policy.state == .reconnecting(attempt: 1, delay: .milliseconds(500)))
        }

        @Test func reopeningWithoutAFrameKeepsTheBackoffGrowing() {
            var policy = Self.live()
            _ = policy.handle(.opened)
            _ = policy.handle(.failed(reason: "stalled"))
            _ = policy.handle(.backoffElapsed)
            #expect(policy.handle(.opened) == .init(.connected))
            _ = policy.handle(.failed(reason: "stalled"))
            #expect(policy.state == .reconnecting(attempt: 2, delay: .seconds(1)))
        }

        @Test func theEndOfALiveSourceReconnects() {
            var policy = Self.live()
            _ = policy.handle(.opened)
            let notice = policy.handle(.endOfInput)
            #expect(notice == .init(.reconnecting, reason: ReconnectPolicy.endOfStreamReason))
            #expect(policy.state == .reconnecting(attempt: 1, delay: .milliseconds(500)))
        }

        @Test func theEndOfAFileIsTheEndOfTheStream() {
            var policy = Self.file()
            _ = policy.handle(.opened)
            _ = policy.handle(.frameDelivered)
            #expect(policy.handle(.endOfInput) == .init(.eof))
            #expect(policy.state == .finished(.eof))
        }

        @Test func aFileThatFailsAfterOpeningIsAnErrorNotARetry() {
            var policy = Self.file()
            _ = policy.handle(.opened)
            let notice = policy.handle(.failed(reason: "av_read_frame failed"))
            #expect(notice == .init(.error, reason: "av_read_frame failed"))
            #expect(policy.state == .finished(.error))
        }

        @Test func aLoopingFileRewindsSilently() {
            var policy = Self.file(looping: true)
            _ = policy.handle(.opened)
            for _ in 0..<3 {
                _ = policy.handle(.frameDelivered)
                #expect(policy.handle(.endOfInput) == nil)
                #expect(policy.state == .rewinding)
                #expect(policy.handle(.opened) == nil)
                #expect(policy.state == .connected)
            }
        }

        @Test func aLoopingPassWithoutFramesEndsTheLoop() {
            var policy = Self.file(looping: true)
            _ = policy.handle(.opened)
            _ = policy.handle(.frameDelivered)
            _ = policy.handle(.endOfInput)
            _ = policy.handle(.opened)
            #expect(policy.handle(.endOfInput) == .init(.eof))
            #expect(policy.state == .finished(.eof))
        }

        @Test func aLoopingFileThatCannotBeReopenedIsAnError() {
            var policy = Self.file(looping: true)
            _ = policy.handle(.opened)
            _ = policy.handle(.frameDelivered)
            _ = policy.handle(.endOfInput)
            #expect(policy.handle(.openFailed(reason: "gone")) == .init(.error, reason: "gone"))
            #expect(policy.state == .finished(.error))
        }

        @Test func loopingMeansNothingForALiveSource() {
            var policy = ReconnectPolicy(isLive: true, isLooping: true, backoff: Self.exactBackoff)
            #expect(!policy.isLooping)
            _ = policy.handle(.opened)
            _ = policy.handle(.frameDelivered)
            #expect(policy.handle(.endOfInput)?.kind == .reconnecting)
        }

        @Test func aFatalFailureEndsTheStreamFromAnyState() {
            var connecting = Self.live()
            #expect(connecting.handle(.fatal(reason: "broken")) == .init(.error, reason: "broken"))
            var connected = Self.file()
            _ = connected.handle(.opened)
            #expect(connected.handle(.fatal(reason: "broken")) == .init(.error, reason: "broken"))
            var reconnecting = Self.live()
            _ = reconnecting.handle(.opened)
            _ = reconnecting.handle(.failed(reason: "stalled"))
            #expect(reconnecting.handle(.fatal(reason: "broken")) == .init(.error, reason: "broken"))
            #expect([connecting, connected, reconnecting].allSatisfy { $0.state == .finished(.error) })
        }

        @Test func stoppingFinishesSilentlyFromEveryState() {
            var states: [ReconnectPolicy] = [Self.live()]
            var connected = Self.live()
            _ = connected.handle(.opened)
            states.append(connected)
            var reconnecting = connected
            _ = reconnecting.handle(.failed(reason: "stalled"))
            states.append(reconnecting)
            var rewinding = Self.file(looping: true)
            _ = rewinding.handle(.opened)
            _ = rewinding.handle(.frameDelivered)
            _ = rewinding.handle(.endOfInput)
            states.append(rewinding)
            #expect(states.map(\.state) == [.connecting, .connected, reconnecting.state, .rewinding])
            for var policy in states {
                #expect(policy.handle(.stopped) == nil)
                #expect(policy.state == .finished(.stopped))
            }
        }

        @Test func nothingHappensAfterTheEnd() {
            var policy = Self.file()
            _ = policy.handle(.opened)
            _ = policy.handle(.endOfInput)
            let inputs: [ReconnectPolicy.Input] = [
                .opened, .openFailed(reason: "x"), .frameDelivered, .failed(reason: "x"), .endOfInput,
                .fatal(reason: "x"), .backoffElapsed, .stopped,
            ]
            for input in inputs {
                #expect(policy.handle(input) == nil)
                #expect(policy.state == .finished(.eof))
            }
        }

        @Test func inputsThatMeanNothingInAStateChangeNothing() {
            var connecting = Self.live()
            #expect(connecting.handle(.frameDelivered) == nil)
            #expect(connecting.handle(.backoffElapsed) == nil)
            #expect(connecting.handle(.endOfInput) == nil)
            #expect(connecting.state == .connecting)
            var connected = Self.live()
            _ = connected.handle(.opened)
            #expect(connected.handle(.opened) == nil)
            #expect(connected.handle(.backoffElapsed) == nil)
            #expect(connected.state == .connected)
            var reconnecting = connected
            _ = reconnecting.handle(.failed(reason: "x"))
            let waiting = reconnecting.state
            #expect(reconnecting.handle(.frameDelivered) == nil)
            #expect(reconnecting.handle(.opened) == nil)
            #expect(reconnecting.state == waiting)
        }
    }

    /// Capped exponential backoff with jitter.
    @Suite struct BackoffTests {
        @Test func theDefaultsDoubleFromHalfASecondUpToThirtySeconds() {
            let backoff = Backoff()
            #expect(backoff.initialDelay == .milliseconds(500))
            #expect(backoff.factor == 2)
            #expect(backoff.maximumDelay == .seconds(30))
            #expect(backoff.jitter == 0.2)
            let delays = (1...8).map { backoff.delay(forAttempt: $0, jitterUnit: 0) }
            #expect(delays == [.milliseconds(500)] + [1, 2, 4, 8, 16, 30, 30].map { .seconds($0) })
        }

        @Test func jitterMovesADelayByUpToTwentyPercentAndNeverPastTheCap() {
            let backoff = Backoff()
            #expect(backoff.delay(forAttempt: 1, jitterUnit: 1) == .milliseconds(600))
            #expect(backoff.delay(forAttempt: 1, jitterUnit: -1) == .milliseconds(400))
            #expect(backoff.delay(forAttempt: 3, jitterUnit: 0.5) == .milliseconds(2200))
            #expect(backoff.delay(forAttempt: 10, jitterUnit: 1) == .seconds(30))
            #expect(backoff.delay(forAttempt: 10, jitterUnit: -1) == .seconds(24))
            // Out-of-range units are clamped.
            #expect(backoff.delay(forAttempt: 1, jitterUnit: 7) == .milliseconds(600))
        }

        @Test func aHugeAttemptNumberIsTheCap() {
            #expect(Backoff().delay(forAttempt: .max, jitterUnit: 0) == .seconds(30))
        }

        @Test func randomJitterStaysInItsBand() {
            let backoff = Backoff()
            for _ in 0..<200 {
                let delay = backoff.delay(forAttempt: 2)
                #expect(delay >= .milliseconds(800) && delay <= .milliseconds(1200))
            }
        }

        @Test func aJitterSourceIsClampedToPlusMinusOne() {
            #expect(JitterSource.constant(5).next() == 1)
            #expect(JitterSource.constant(-5).next() == -1)
            #expect(JitterSource.constant(0.25).next() == 0.25)
        }
    }
}
