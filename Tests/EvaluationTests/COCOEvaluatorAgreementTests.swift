import Evaluation
import Foundation
import Testing

/// The Python of the test venv (`DETECTD_PYTHON`, set by `./setup.sh test`), which has numpy and pycocotools.
private let python = ProcessInfo.processInfo.environment["DETECTD_PYTHON"]

/// What Tests/Support/coco_eval.py prints: pycocotools' results for one ground-truth and results file.
private struct Reference: Decodable {
    /// One category's APs (nil where pycocotools has -1) and its precision table at area "all", maxDets 100.
    struct Category: Decodable {
        var id: Int
        var ap50_95: Double?
        var ap50: Double?
        var ap75: Double?
        var precision: [[Double]]
    }

    /// `COCOeval.stats`.
    var stats: [Double]
    /// The categories in ascending id order.
    var categories: [Category]
}

@Suite(
    "COCOEvaluator agrees with pycocotools",
    .enabled(if: python != nil, "DETECTD_PYTHON is not set: run through ./setup.sh test"))
struct COCOEvaluatorAgreementTests {
    /// The largest difference accepted; the evaluations differ only in the order of floating-point sums.
    static let tolerance = 1e-9

    @Test("random datasets", arguments: [1, 2, 3, 4, 5, 20_240_611] as [UInt64])
    func randomDataset(seed: UInt64) throws {
        let dataset = RandomDataset(seed: seed)
        let imageIDs = dataset.images.map(\.imageID)
        let classIDs = Array(RandomDataset.classNames.indices)
        let withoutTruth = Set(imageIDs).subtracting(dataset.groundTruth.map(\.imageID))
        try #require(dataset.detections.contains { withoutTruth.contains($0.imageID) })
        try #require(!dataset.detections.contains { $0.classID == 2 })
        try #require(dataset.groundTruth.contains { $0.isCrowd })

        let metrics = COCOEvaluator(groundTruth: dataset.groundTruth, imageIDs: imageIDs, classIDs: classIDs)
            .evaluate(dataset.detections)
        let reference = try runReference(
            images: dataset.images, groundTruth: dataset.groundTruth, detections: dataset.detections)

        var largestDifference = 0.0
        func compare(_ ours: Double?, _ theirs: Double?, _ what: String) {
            guard let ours, let theirs else {
                #expect(
                    ours == nil && theirs == nil,
                    "\(what): \(String(describing: ours)) vs \(String(describing: theirs))")
                return
            }
            largestDifference = max(largestDifference, abs(ours - theirs))
            #expect(abs(ours - theirs) <= Self.tolerance, "\(what): \(ours) vs pycocotools \(theirs)")
        }
        compare(metrics.mAP50_95, reference.stats[0], "mAP50-95")
        compare(metrics.mAP50, reference.stats[1], "mAP50")
        compare(metrics.mAP75, reference.stats[2], "mAP75")
        try #require(reference.categories.map(\.id) == metrics.classes.map(\.classID))
        for (ours, theirs) in zip(metrics.classes, reference.categories) {
            compare(ours.ap50_95, theirs.ap50_95, "class \(theirs.id) AP50-95")
            compare(ours.ap50, theirs.ap50, "class \(theirs.id) AP50")
            compare(ours.ap75, theirs.ap75, "class \(theirs.id) AP75")
            guard let table = ours.interpolatedPrecision else {
                #expect(theirs.precision.joined().allSatisfy { $0 == -1 }, "class \(theirs.id) has no AP here")
                continue
            }
            for (row, (ourRow, theirRow)) in zip(table, theirs.precision).enumerated() {
                for (column, (value, expected)) in zip(ourRow, theirRow).enumerated() {
                    compare(value, expected, "class \(theirs.id) precision[\(row)][\(column)]")
                }
            }
        }
        #expect(metrics.classMetrics(for: 2)?.ap50 == 0, "class 2 has ground truth but no detections")
        #expect(metrics.classMetrics(for: 3)?.ap50 == nil, "class 3 has detections but no ground truth")
        print("seed \(seed): mAP50-95 \(metrics.mAP50_95), largest difference from pycocotools \(largestDifference)")
    }

    /// Writes the data with `COCOJSON`, runs Tests/Support/coco_eval.py on it and decodes what it prints.
    private func runReference(
        images: [COCOImage], groundTruth: [GroundTruthBox], detections: [ScoredDetection]
    ) throws -> Reference {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("coco-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let groundTruthPath = directory.appendingPathComponent("ground-truth.json").path
        let resultsPath = directory.appendingPathComponent("results.json").path
        try COCOJSON.writeGroundTruth(
            images: images, boxes: groundTruth, classNames: RandomDataset.classNames, to: groundTruthPath)
        try COCOJSON.writeResults(detections, to: resultsPath)

        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Support/coco_eval.py")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(python))
        process.arguments = [script.path, groundTruthPath, resultsPath]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        try #require(process.terminationStatus == 0, "coco_eval.py failed")
        return try JSONDecoder().decode(Reference.self, from: data)
    }
}
