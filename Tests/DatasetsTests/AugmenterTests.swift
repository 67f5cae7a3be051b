import Dispatch
import Foundation
import Synchronization
import Testing

@testable import Datasets

struct AugmenterTests {
    /// A dataset of fixture images: image `i` is 64x48 (or 48x64 for every third) with a box of class `i % 4`.
    static func makeDataset(count: Int) throws -> DetectionDataset {
        let directory = try DatasetFixtures.directory()
        let samples = (0..<count).map { index in
            let isTall = index % 3 == 2
            let path = directory + (isTall ? "/tall.jpg" : index % 3 == 0 ? "/base.jpg" : "/base.png")
            let (width, height) = isTall ? (48, 64) : (64, 48)
            let box = LabeledBox(classID: index % 4, x1: 8, y1: 6, x2: Float(width) - 10, y2: Float(height) - 12)
            return LabeledImage(imagePath: path, width: width, height: height, boxes: [box])
        }
        return DetectionDataset(
            format: .yolo, source: "memory", split: "train", classNames: ["a", "b", "c", "d"], samples: samples)
    }

    @Test func sameSeedGivesIdenticalSamplesOnAnyThread() throws {
        let dataset = try Self.makeDataset(count: 6)
        let first = try Augmenter(dataset: dataset, imageSize: 64, seed: 11)
        let second = try Augmenter(dataset: dataset, imageSize: 64, seed: 11, workers: 1)
        let sequential = (0..<6).map { first.trainingSample(index: $0, epoch: 2) }
        let concurrent = ConcurrentResults(count: 6)
        DispatchQueue.concurrentPerform(iterations: 6) { index in
            concurrent.store(second.trainingSample(index: 5 - index, epoch: 2), at: 5 - index)
        }
        for (index, sample) in sequential.enumerated() {
            let other = try #require(concurrent.sample(at: index))
            #expect(sample.image == other.image)
            #expect(sample.boxes.map(Self.numbers) == other.boxes.map(Self.numbers))
        }
    }

    @Test func differentEpochOrSeedGivesADifferentSample() throws {
        let dataset = try Self.makeDataset(count: 6)
        let augmenter = try Augmenter(dataset: dataset, imageSize: 64, seed: 11)
        let other = try Augmenter(dataset: dataset, imageSize: 64, seed: 12)
        let sample = augmenter.trainingSample(index: 1, epoch: 0)
        #expect(sample.image != augmenter.trainingSample(index: 1, epoch: 1).image)
        #expect(sample.image != other.trainingSample(index: 1, epoch: 0).image)
    }

    @Test func augmentedBoxesStayInsideTheImage() throws {
        let dataset = try Self.makeDataset(count: 6)
        let augmenter = try Augmenter(dataset: dataset, imageSize: 64, config: .yolov7Tiny, seed: 5)
        var boxCount = 0
        for epoch in 0..<4 {
            for index in 0..<6 {
                let sample = augmenter.trainingSample(index: index, epoch: epoch)
                #expect(sample.image.count == 3 * 64 * 64)
                #expect(sample.image.allSatisfy { $0 >= 0 && $0 <= 1 })
                for box in sample.boxes {
                    #expect(box.cx - box.w / 2 >= 0 && box.cx + box.w / 2 <= 64)
                    #expect(box.cy - box.h / 2 >= 0 && box.cy + box.h / 2 <= 64)
                    #expect(box.w > 2 && box.h > 2)
                    #expect((0..<4).contains(box.classID))
                }
                boxCount += sample.boxes.count
            }
        }
        #expect(boxCount > 24)
    }

    @Test func flipMapsAKnownBoxExactly() throws {
        let image = try DatasetFixtures.directory() + "/base.jpg"
        let dataset = DetectionDataset(
            format: .yolo, source: "memory", split: "train", classNames: ["a"],
            samples: [
                LabeledImage(
                    imagePath: image, width: 64, height: 48,
                    boxes: [LabeledBox(classID: 0, x1: 10, y1: 5, x2: 30, y2: 20)])
            ])
        var flipping = AugmentationConfig.none
        flipping.flipLR = 1
        let plain = try Augmenter(dataset: dataset, imageSize: 64, config: .none).trainingSample(index: 0, epoch: 0)
        let flipped = try Augmenter(dataset: dataset, imageSize: 64, config: flipping).trainingSample(
            index: 0, epoch: 0)
        // Letterboxed 64x48 into 64x64: 8 rows of padding on top, so the box is (10, 13)-(30, 28).
        #expect(plain.boxes.map(Self.numbers) == [[0, 20, 20.5, 20, 15]])
        #expect(flipped.boxes.map(Self.numbers) == [[0, 44, 20.5, 20, 15]])
        for channel in 0..<3 {
            for y in 0..<64 {
                for x in 0..<64 {
                    let row = channel * 64 * 64 + y * 64
                    #expect(flipped.image[row + x] == plain.image[row + 63 - x])
                }
            }
        }
        #expect(plain.image[0] == Float(114) / 255)
    }

    @Test func letterboxGeometryRoundTrips() throws {
        let dataset = try Self.makeDataset(count: 3)
        let augmenter = try Augmenter(dataset: dataset, imageSize: 64, config: .none)
        let wide = try augmenter.letterboxed(index: 0, width: 96, height: 64)
        // 64x48 into 96x64: scale min(1.5, 4/3), resized 85x64, left pad round(5.5 - 0.1) = 5.
        #expect(wide.scale == Float(64) / 48)
        #expect(wide.padX == 5 && wide.padY == 0)
        #expect(wide.image.count == 3 * 96 * 64)
        let pad = Float(114) / 255
        for plane in 0..<3 {
            #expect(wide.image[plane * 96 * 64 + 10 * 96 + 2] == pad)
            #expect(wide.image[plane * 96 * 64 + 10 * 96 + 93] == pad)
        }
        let point: (x: Float, y: Float) = (40, 30)
        let input = (x: point.x * wide.scale + wide.padX, y: point.y * wide.scale + wide.padY)
        #expect(abs((input.x - wide.padX) / wide.scale - point.x) < 1e-4)
        #expect(abs((input.y - wide.padY) / wide.scale - point.y) < 1e-4)

        let tall = try augmenter.letterboxed(index: 2, width: 64, height: 96)
        // 48x64 into 64x96: scale 4/3, resized 64x85, top pad 5.
        #expect(tall.padX == 0 && tall.padY == 5)
        #expect(tall.image[3 * 64] == pad)
    }

    @Test func mosaicGathersBoxesFromSeveralImages() throws {
        let dataset = try Self.makeDataset(count: 4)
        var config = AugmentationConfig.none
        config.mosaic = 1
        let augmenter = try Augmenter(dataset: dataset, imageSize: 64, config: config, seed: 2)
        let classCounts = (0..<8).map { epoch in
            Set(augmenter.trainingSample(index: 0, epoch: epoch).boxes.map(\.classID)).count
        }
        #expect(classCounts.max()! >= 3)
    }

    /// A target as numbers, for comparisons.
    static func numbers(_ box: (classID: Int, cx: Float, cy: Float, w: Float, h: Float)) -> [Float] {
        [Float(box.classID), box.cx, box.cy, box.w, box.h]
    }
}

/// Samples stored from several threads.
private final class ConcurrentResults: Sendable {
    private let samples: Mutex<[TrainingSample?]>

    init(count: Int) {
        samples = Mutex(Array(repeating: nil, count: count))
    }

    func store(_ sample: TrainingSample, at index: Int) {
        samples.withLock { $0[index] = sample }
    }

    func sample(at index: Int) -> TrainingSample? {
        samples.withLock { $0[index] }
    }
}
