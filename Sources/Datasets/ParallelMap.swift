import Dispatch
import Synchronization

/// Runs independent jobs on several threads and returns their results in job order.
enum ParallelMap {
    /// Calls `body(state, job)` for every job in `0..<count` on `workers` threads, worker `w` taking jobs
    /// `w, w + workers, ...` with its own `state` from `makeState`, and returns the results by job.
    ///
    /// - Important: `body` runs concurrently with itself; it may touch only its `state` and shared immutable data.
    static func map<State, Result: Sendable>(
        count: Int, workers: Int, makeState: @Sendable () -> State,
        _ body: @Sendable (inout State, Int) -> Result
    ) -> [Result] {
        guard count > 0 else { return [] }
        let workers = max(1, min(workers, count))
        if workers == 1 {
            var state = makeState()
            return (0..<count).map { body(&state, $0) }
        }
        let slots = Mutex<[Result?]>(Array(repeating: nil, count: count))
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            var state = makeState()
            var done: [(Int, Result)] = []
            for job in stride(from: worker, to: count, by: workers) {
                done.append((job, body(&state, job)))
            }
            slots.withLock { slots in
                for (job, result) in done { slots[job] = result }
            }
        }
        return slots.withLock { slots in slots.map { $0! } }
    }
}
