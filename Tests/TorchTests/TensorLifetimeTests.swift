import Dispatch
import Foundation
import Synchronization
import Testing
import Torch

/// Resident memory of this process in bytes, from /proc/self/statm.
private func residentBytes() throws -> Int {
    let text = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8)
    let fields = text.split(separator: " ")
    let pages = try #require(fields.count > 1 ? Int(fields[1]) : nil)
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}

@Suite("Tensor ownership across time and threads")
struct TensorLifetimeTests {
    @Test func aMillionSmallTensorsKeepMemoryBounded() throws {
        for _ in 0..<50_000 {
            _ = try Tensor.zeros([4]) + 1
        }
        let before = try residentBytes()
        for _ in 0..<1_000_000 {
            _ = try Tensor.zeros([4])
        }
        let growth = try residentBytes() - before
        // A leak of one 4-element tensor (~300 bytes of handle, impl and storage) each would be ~300 MB. Other
        // suites run in the same process at the same time and allocate too, hence the margin.
        #expect(growth < 96 << 20, "resident memory grew by \(growth) bytes")
    }

    @Test func tensorsMoveBetweenQueues() throws {
        let producer = DispatchQueue(label: "test.producer")
        let consumer = DispatchQueue(label: "test.consumer")
        let made = try producer.sync { try Tensor.arange(0, 100, dtype: .float64) }
        let total = try consumer.sync { try (made * 2).sum().item() }
        #expect(total == 9900)

        // Many tensors made concurrently and consumed elsewhere.
        let results = Mutex<[Double]>([])
        DispatchQueue.concurrentPerform(iterations: 8) { index in
            guard let tensor = try? Tensor.full([10], value: Double(index), dtype: .float64) else { return }
            consumer.sync {
                if let sum = try? tensor.sum().item() { results.withLock { $0.append(sum) } }
            }
        }
        #expect(results.withLock { $0.sorted() } == (0..<8).map { Double($0 * 10) })
    }

    @Test func wrappedMemoryIsReleasedOnceWithoutCopy() throws {
        let releases = Mutex(0)
        let count = 6
        // The release closure is the only other user, and it runs after the last read below.
        nonisolated(unsafe) let memory = UnsafeMutablePointer<Float>.allocate(capacity: count)
        memory.initialize(from: [1, 2, 3, 4, 5, 6], count: count)
        do {
            let tensor = try Tensor.wrapping(UnsafeMutableRawPointer(memory), shape: [2, 3], dtype: .float32) {
                releases.withLock { $0 += 1 }
                memory.deallocate()
            }
            memory[0] = 10
            #expect(try tensor.toArray(of: Float.self) == [10, 2, 3, 4, 5, 6])
            let view = try tensor.transpose(0, 1)
            try tensor.fill(0)
            #expect(try view.sum().item() == 0)
            #expect(releases.withLock { $0 } == 0)
        }
        #expect(releases.withLock { $0 } == 1)
    }
}
