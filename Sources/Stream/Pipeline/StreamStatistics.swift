import Foundation

/// One stream's figures over one stats interval, as the `stats` line reports them.
public struct StatsSnapshot: Sendable, Equatable {
    /// The stream's name.
    public var streamID: String
    /// Frames output since the start.
    public var frames: Int
    /// Frames decoded per second over the interval.
    public var decodeFPS: Double
    /// Frames through inference per second over the interval.
    public var inferenceFPS: Double
    /// Frames written per second over the interval.
    public var outputFPS: Double
    /// Frames dropped since the start (latest-frame-wins).
    public var dropped: Int
    /// Corrupt packets since the start.
    public var corrupt: Int
    /// Reconnection attempts since the start.
    public var reconnects: Int
    /// Latency (output time minus capture time) percentiles over the interval, in milliseconds; nil when no
    /// frame was output.
    public var latencyP50: Double?
    /// 95th percentile latency in milliseconds.
    public var latencyP95: Double?
    /// 99th percentile latency in milliseconds.
    public var latencyP99: Double?
}

/// Accumulates the counters of every stream and turns them into snapshots at each interval.
///
/// - Important: Confined to the pipeline's writer queue.
final class StreamStatistics {
    private struct Totals {
        var frames = 0
        var dropped = 0
        var corrupt = 0
        var reconnects = 0
        var decodedInInterval = 0
        var inferredInInterval = 0
        var outputInInterval = 0
        var latencies: [Double] = []
    }

    private var totals: [String: Totals] = [:]
    private var order: [String] = []
    private var intervalStart: ContinuousClock.Instant

    init(now: ContinuousClock.Instant) {
        intervalStart = now
    }

    /// Registers a stream so that it appears in snapshots even before its first frame.
    func register(_ streamID: String) {
        if totals[streamID] == nil {
            totals[streamID] = Totals()
            order.append(streamID)
        }
    }

    func add(_ counters: StreamCounters, for streamID: String) {
        register(streamID)
        totals[streamID]?.decodedInInterval += counters.decoded
        totals[streamID]?.corrupt += counters.corrupt
        totals[streamID]?.reconnects += counters.reconnects
    }

    func addDropped(_ count: Int, for streamID: String) {
        register(streamID)
        totals[streamID]?.dropped += count
    }

    func addInferred(for streamID: String) {
        register(streamID)
        totals[streamID]?.inferredInInterval += 1
    }

    func addOutput(for streamID: String, latencyMilliseconds: Double) {
        register(streamID)
        totals[streamID]?.frames += 1
        totals[streamID]?.outputInInterval += 1
        totals[streamID]?.latencies.append(latencyMilliseconds)
    }

    /// Every stream's snapshot for the interval ending `now`; starts a new interval.
    func snapshot(now: ContinuousClock.Instant) -> [StatsSnapshot] {
        let elapsed = intervalStart.duration(to: now)
        let seconds = max(1e-9, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
        intervalStart = now
        return order.compactMap { stream -> StatsSnapshot? in
            guard var entry = totals[stream] else { return nil }
            let sorted = entry.latencies.sorted()
            let snapshot = StatsSnapshot(
                streamID: stream, frames: entry.frames, decodeFPS: Double(entry.decodedInInterval) / seconds,
                inferenceFPS: Double(entry.inferredInInterval) / seconds,
                outputFPS: Double(entry.outputInInterval) / seconds, dropped: entry.dropped, corrupt: entry.corrupt,
                reconnects: entry.reconnects, latencyP50: Self.percentile(sorted, 0.50),
                latencyP95: Self.percentile(sorted, 0.95), latencyP99: Self.percentile(sorted, 0.99))
            entry.decodedInInterval = 0
            entry.inferredInInterval = 0
            entry.outputInInterval = 0
            entry.latencies.removeAll(keepingCapacity: true)
            totals[stream] = entry
            return snapshot
        }
    }

    /// The nearest-rank percentile of sorted values, nil when there are none.
    static func percentile(_ sorted: [Double], _ fraction: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((fraction * Double(sorted.count)).rounded(.up))
        return sorted[min(sorted.count - 1, max(0, rank - 1))]
    }
}
