import Testing

@testable import Evaluation

/// A ground-truth box of image 1.
private func truth(_ classID: Int, _ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double, isCrowd: Bool = false)
    -> GroundTruthBox
{
    GroundTruthBox(imageID: 1, classID: classID, x1: x1, y1: y1, x2: x2, y2: y2, isCrowd: isCrowd)
}

/// A detection on image 1.
private func detection(_ classID: Int, _ score: Double, _ x1: Double, _ y1: Double, _ x2: Double, _ y2: Double)
    -> ScoredDetection
{
    ScoredDetection(imageID: 1, classID: classID, score: score, x1: x1, y1: y1, x2: x2, y2: y2)
}

/// Hand-computed COCO evaluations of a few boxes.
struct COCOEvaluatorTests {
    /// The precision pycocotools computes for `truePositives` among `count` ranked detections.
    private func precision(_ truePositives: Double, of count: Double) -> Double {
        truePositives / (count + .ulpOfOne)
    }

    /// Whether `value` is `expected` up to the rounding of a mean of 101 values.
    private func isClose(_ value: Double?, _ expected: Double) -> Bool {
        value.map { abs($0 - expected) < 1e-12 } ?? false
    }

    @Test func thresholdsAreCOCOs() {
        #expect(COCOEvaluator.iouThresholds.count == 10)
        #expect(COCOEvaluator.iouThresholds[0] == 0.5)
        #expect(COCOEvaluator.iouThresholds[COCOEvaluator.iou75Index] == 0.75)
        #expect(COCOEvaluator.iouThresholds[9] == 0.95)
        #expect(COCOEvaluator.recallThresholds.count == 101)
        #expect(COCOEvaluator.recallThresholds[50] == 0.5)
        #expect(COCOEvaluator.recallThresholds[100] == 1)
    }

    @Test func overlapIsCOCOs() {
        let detection = COCOEvaluator.Box(x1: 0, y1: 0, x2: 10, y2: 10)
        let truth = COCOEvaluator.Box(x1: 5, y1: 0, x2: 105, y2: 10)
        #expect(COCOEvaluator.overlap(of: detection, with: truth, isCrowd: false) == 50.0 / 1050)
        #expect(COCOEvaluator.overlap(of: detection, with: truth, isCrowd: true) == 0.5)
        let touching = COCOEvaluator.Box(x1: 10, y1: 0, x2: 20, y2: 10)
        #expect(COCOEvaluator.overlap(of: detection, with: touching, isCrowd: false) == 0)
    }

    /// Two objects; a hit, a miss, and a hit with IoU 0.72 that fails the thresholds from 0.75 on.
    @Test func oneImageByHand() throws {
        let evaluator = COCOEvaluator(
            groundTruth: [truth(0, 0, 0, 10, 10), truth(0, 20, 0, 30, 10)], imageIDs: [1], classIDs: [0])
        let metrics = evaluator.evaluate([
            detection(0, 0.9, 0, 0, 10, 10), detection(0, 0.8, 50, 50, 60, 60), detection(0, 0.7, 20, 0, 30, 7.2),
        ])

        // Recall reaches 0.5 at precision 1 (51 recall points), then 1 at precision 2/3 (50 more points).
        let ap50 = (51 + 50 * precision(2, of: 3)) / 101
        let ap75 = 51.0 / 101
        let expected = (5 * ap50 + 5 * ap75) / 10
        let cell = try #require(metrics.classMetrics(for: 0))
        #expect(isClose(cell.ap50, ap50))
        #expect(isClose(cell.ap75, ap75))
        #expect(isClose(cell.ap50_95, expected))
        #expect(isClose(metrics.mAP50_95, expected))
        #expect(metrics.mAP50 == cell.ap50)

        // The best F1 (0.8) keeps all three detections.
        #expect(metrics.scoreThreshold == 0.7)
        #expect(isClose(metrics.precision, 2.0 / 3))
        #expect(metrics.recall == 1)
        #expect(isClose(metrics.f1, 0.8))
        #expect(cell.groundTruthCount == 2)
        let curve = try #require(cell.precisionRecallCurve)
        #expect(curve.count == 101)
        #expect(curve[50] == (recall: 0.5, precision: precision(1, of: 1)))
        #expect(curve[51].precision == precision(2, of: 3))
    }

    /// Detections on a crowd region are neither hits nor misses, however many there are.
    @Test func crowdBoxAbsorbsDetections() throws {
        let evaluator = COCOEvaluator(
            groundTruth: [truth(0, 0, 0, 10, 10), truth(0, 100, 100, 200, 200, isCrowd: true)], imageIDs: [1],
            classIDs: [0])
        let metrics = evaluator.evaluate([
            detection(0, 0.95, 120, 120, 140, 140), detection(0, 0.93, 150, 150, 170, 170),
            detection(0, 0.9, 0, 0, 10, 10), detection(0, 0.5, 300, 300, 310, 310),
        ])
        let cell = try #require(metrics.classMetrics(for: 0))
        #expect(cell.groundTruthCount == 1)
        // pycocotools' precision of a perfect ranking is 1 / (1 + epsilon), a hair below 1.
        #expect(isClose(cell.ap50_95, precision(1, of: 1)))
        #expect(metrics.scoreThreshold == 0.9)
        #expect(metrics.precision == 1 && metrics.recall == 1)
    }

    /// Classes without ground truth that counts have no AP and stay out of the means; with none at all the means
    /// are COCO's -1.
    @Test func classWithoutGroundTruthIsExcluded() throws {
        let groundTruth = [truth(0, 0, 0, 10, 10), truth(2, 0, 0, 50, 50, isCrowd: true)]
        let evaluator = COCOEvaluator(groundTruth: groundTruth, imageIDs: [1], classIDs: [0, 1, 2, 3])
        let metrics = evaluator.evaluate([
            detection(0, 0.9, 0, 0, 10, 10), detection(1, 0.8, 0, 0, 10, 10), detection(2, 0.7, 0, 0, 10, 10),
        ])
        #expect(isClose(metrics.mAP50_95, precision(1, of: 1)))
        #expect(metrics.classes.map(\.classID) == [0, 1, 2, 3])
        for classID in 1...3 {
            let other = try #require(metrics.classMetrics(for: classID))
            #expect(other.ap50_95 == nil && other.ap50 == nil && other.precision == nil)
        }
        #expect(metrics.precision == 1 && metrics.recall == 1)

        let empty = COCOEvaluator(groundTruth: [], imageIDs: [1], classIDs: [0]).evaluate([
            detection(0, 0.9, 0, 0, 10, 10)
        ])
        #expect(empty.mAP50_95 == -1 && empty.mAP50 == -1 && empty.mAP75 == -1)
        #expect(empty.scoreThreshold == nil && empty.precision == 0 && empty.recall == 0)
    }

    /// Only the 100 best-scored detections of an image and class count.
    @Test(arguments: [(misses: 99, ap: 0.01), (misses: 100, ap: 0)])
    func detectionsBeyondMaximumAreIgnored(misses: Int, ap: Double) throws {
        let evaluator = COCOEvaluator(groundTruth: [truth(0, 0, 0, 10, 10)], imageIDs: [1], classIDs: [0])
        var detections = (0..<misses).map { detection(0, 1 - Double($0) / 1000, 100, 100, 110, 110) }
        detections.append(detection(0, 0.5, 0, 0, 10, 10))
        // Detections of another class do not take places of this one.
        detections += (0..<50).map { _ in detection(1, 1, 0, 0, 10, 10) }
        let metrics = evaluator.evaluate(detections)
        #expect(isClose(metrics.classMetrics(for: 0)?.ap50_95, ap))
    }

    /// Equal scores rank in input order, as pycocotools' stable sort does.
    @Test func equalScoresKeepInputOrder() throws {
        let evaluator = COCOEvaluator(groundTruth: [truth(0, 0, 0, 10, 10)], imageIDs: [1], classIDs: [0])
        let hit = detection(0, 0.5, 0, 0, 10, 10)
        let miss = detection(0, 0.5, 50, 50, 60, 60)
        #expect(isClose(evaluator.evaluate([hit, miss]).mAP50, precision(1, of: 1)))
        #expect(isClose(evaluator.evaluate([miss, hit]).mAP50, precision(1, of: 2)))
    }

    /// Boxes and detections outside the evaluated images and classes change nothing.
    @Test func otherImagesAndClassesAreIgnored() {
        let evaluator = COCOEvaluator(
            groundTruth: [truth(0, 0, 0, 10, 10), truth(5, 0, 0, 10, 10)], imageIDs: [1, 2], classIDs: [0])
        var stray = detection(0, 0.99, 50, 50, 60, 60)
        stray.imageID = 3
        let metrics = evaluator.evaluate([stray, detection(0, 0.9, 0, 0, 10, 10), detection(5, 0.95, 0, 0, 5, 5)])
        #expect(isClose(metrics.mAP50_95, precision(1, of: 1)))
        #expect(metrics.classes.map(\.classID) == [0])
    }
}
