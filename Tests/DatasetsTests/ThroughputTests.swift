import Foundation
import Testing

@testable import Datasets

/// Prints load and augmentation speeds on BCCD; no assertions on time. Run with
/// `DETECTD_MEASURE=1 swift test --filter ThroughputTests` (a debug build: release is several times faster).
struct ThroughputTests {
    static let isEnabled = ProcessInfo.processInfo.environment["DETECTD_MEASURE"] == "1" && DatasetFixtures.hasBCCD

    @Test(.enabled(if: isEnabled, "a measurement: set DETECTD_MEASURE=1 and provide the BCCD tree"))
    func measureBCCD() throws {
        let clock = ContinuousClock()
        var train: DetectionDataset?
        let loadTime = try clock.measure {
            for split in ["train", "val", "test"] {
                let dataset = try DetectionDataset.load(data: DatasetFixtures.bccd, split: split)
                print(dataset.summary)
                if split == "train" { train = dataset }
            }
        }
        print("measure: BCCD load, all splits: \(loadTime)")
        let dataset = try #require(train)

        var augmenter: Augmenter?
        let cacheTime = try clock.measure {
            augmenter = try Augmenter(dataset: dataset, imageSize: 320, seed: 1)
        }
        print("measure: cache of \(dataset.samples.count) images at 320: \(cacheTime)")
        let maker = try #require(augmenter)

        for workers in [1, 2] {
            let loader = BatchLoader(augmenter: maker, batchSize: 16, workers: workers, seed: 1)
            let time = clock.measure {
                loader.start(epoch: 0)
                while loader.next() != nil {}
            }
            let seconds = Double(time.components.seconds) + Double(time.components.attoseconds) * 1e-18
            let rate = Double(dataset.samples.count) / seconds
            print("measure: \(workers) worker(s): \(dataset.samples.count) samples in \(time), \(Int(rate)) samples/s")
        }
    }
}
