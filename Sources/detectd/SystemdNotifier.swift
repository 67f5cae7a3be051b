import CSystemd

/// Tells systemd about the service's state through `sd_notify` (a no-op outside systemd).
enum SystemdNotifier {
    /// `READY=1`: the streams are set up and the pipeline runs.
    static func ready(status: String) {
        send("READY=1\nSTATUS=\(status)")
    }

    /// `STATUS=...`: a one-line summary shown by `systemctl status`.
    static func status(_ text: String) {
        send("STATUS=\(text)")
    }

    /// `WATCHDOG=1`: the service is alive.
    static func watchdog() {
        send("WATCHDOG=1")
    }

    /// `STOPPING=1`: shutdown has begun.
    static func stopping() {
        send("STOPPING=1")
    }

    /// The watchdog period systemd expects pings within (`sd_watchdog_enabled`), or nil when it is off.
    static var watchdogInterval: Duration? {
        var microseconds: UInt64 = 0
        guard sd_watchdog_enabled(0, &microseconds) > 0, microseconds > 0 else { return nil }
        return .microseconds(Int64(microseconds))
    }

    private static func send(_ state: String) {
        _ = sd_notify(0, state)
    }
}
