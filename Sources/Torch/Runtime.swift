import CTorch

/// Process-wide libtorch settings.
public enum TorchRuntime {
    /// Seeds libtorch's global generator, which `rand`, `randn`, `randint` and `randperm` draw from
    /// (`ct_manual_seed`).
    public static func manualSeed(_ seed: UInt64) throws(TorchError) {
        try check(ct_manual_seed(seed))
    }

    /// The intra-op thread count of libtorch's pool (`ct_get_num_threads`).
    public static var threadCount: Int {
        var count: Int32 = 0
        return ct_get_num_threads(&count) == 0 ? Int(count) : 1
    }

    /// Sets the intra-op thread count (`ct_set_num_threads`).
    ///
    /// - Important: The pool is process-wide. Threads that already ran a parallel region keep the count they
    ///   started with under OpenMP until they see a new one; set this once at start-up.
    public static func setThreadCount(_ count: Int) throws(TorchError) {
        try check(ct_set_num_threads(Int32(clamping: count)))
    }
}
