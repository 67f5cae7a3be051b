import Testing

@testable import Datasets

struct BatchLoaderTests {
    /// All batches of one epoch.
    static func epoch(_ epoch: Int, of loader: BatchLoader) -> [TrainingBatch] {
        loader.start(epoch: epoch)
        var batches: [TrainingBatch] = []
        while let batch = loader.next() { batches.append(batch) }
        return batches
    }

    /// A batch's targets as numbers, for comparisons.
    static func numbers(_ batch: TrainingBatch) -> [[Float]] {
        batch.targets.map { [Float($0.imageIndex), Float($0.classID), $0.cx, $0.cy, $0.w, $0.h] }
    }

    @Test func oneAndThreeWorkersGiveIdenticalBatches() throws {
        let augmenter = try Augmenter(dataset: AugmenterTests.makeDataset(count: 10), imageSize: 64, seed: 3)
        let single = BatchLoader(augmenter: augmenter, batchSize: 4, workers: 1, seed: 5)
        let triple = BatchLoader(augmenter: augmenter, batchSize: 4, workers: 3, seed: 5, prefetch: 1)
        for epoch in 0..<2 {
            let first = Self.epoch(epoch, of: single)
            let second = Self.epoch(epoch, of: triple)
            #expect(first.map(\.count) == [4, 4, 2])
            #expect(first.flatMap(\.indices).sorted() == Array(0..<10))
            #expect(first.flatMap(\.indices) == single.order(epoch: epoch))
            #expect(first.map(\.indices) == second.map(\.indices))
            #expect(first.map(\.images) == second.map(\.images))
            #expect(first.map(Self.numbers) == second.map(Self.numbers))
        }
        #expect(single.order(epoch: 0) != single.order(epoch: 1))
    }

    @Test func batchHoldsTheAugmentersSamples() throws {
        let augmenter = try Augmenter(dataset: AugmenterTests.makeDataset(count: 5), imageSize: 64, seed: 3)
        let loader = BatchLoader(augmenter: augmenter, batchSize: 5, workers: 2, seed: 1)
        let batch = try #require(Self.epoch(4, of: loader).first)
        let plane = 3 * 64 * 64
        for (slot, index) in batch.indices.enumerated() {
            let sample = augmenter.trainingSample(index: index, epoch: 4)
            #expect(Array(batch.images[slot * plane..<(slot + 1) * plane]) == sample.image)
            let targets = batch.targets.filter { $0.imageIndex == slot }.map {
                [Float($0.classID), $0.cx, $0.cy, $0.w, $0.h]
            }
            #expect(targets == sample.boxes.map(AugmenterTests.numbers))
        }
    }

    @Test func stopEndsTheEpochAndStartBeginsAgain() throws {
        let augmenter = try Augmenter(dataset: AugmenterTests.makeDataset(count: 8), imageSize: 64, seed: 3)
        let loader = BatchLoader(augmenter: augmenter, batchSize: 2, workers: 2, seed: 1, prefetch: 1)
        #expect(loader.next() == nil)
        loader.start(epoch: 0)
        #expect(loader.next() != nil)
        loader.stop()
        #expect(loader.next() == nil)
        // A new epoch cancels an unfinished one and delivers all of its own batches.
        loader.start(epoch: 1)
        _ = loader.next()
        #expect(Self.epoch(2, of: loader).count == 4)
    }

    @Test func releasingABusyLoaderDoesNotHang() throws {
        let augmenter = try Augmenter(dataset: AugmenterTests.makeDataset(count: 8), imageSize: 64, seed: 3)
        for _ in 0..<3 {
            let loader = BatchLoader(augmenter: augmenter, batchSize: 2, workers: 2, seed: 1, prefetch: 1)
            loader.start(epoch: 0)
        }
    }
}
