import Evaluation
import Foundation
import Testing

/// The COCO JSON writers: exact text, ids, numbers that read back unchanged, and atomic files.
struct COCOJSONTests {
    /// A fresh empty directory under the system's temporary directory.
    private func makeDirectory() throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cocojson-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    @Test func resultsTextIsExact() throws {
        let detections = [
            ScoredDetection(imageID: 3, classID: 1, score: 0.5, x1: 1.5, y1: 2, x2: 11.5, y2: 22),
            ScoredDetection(imageID: 4, classID: 0, score: 1e-5, x1: 0, y1: 0, x2: 0.1 + 0.2, y2: 1),
        ]
        #expect(
            try COCOJSON.resultsText(detections) == """
                [
                {"image_id":3,"category_id":1,"bbox":[1.5,2.0,10.0,20.0],"score":0.5},
                {"image_id":4,"category_id":0,"bbox":[0.0,0.0,0.30000000000000004,1.0],"score":1e-05}
                ]

                """)
        let named = try COCOJSON.resultsText(detections) { .name("frame \"\($0)\"") }
        #expect(named.contains(#"{"image_id":"frame \"3\"","category_id":1"#))
        #expect(try COCOJSON.resultsText([]) == "[]\n")
    }

    @Test(arguments: [
        ("000123", COCOImageID.number(123)), ("42", .number(42)), ("img_01", .name("img_01")), ("", .name("")),
        ("12a", .name("12a")), ("-5", .name("-5")), ("99999999999999999999", .name("99999999999999999999")),
        ("\u{0661}\u{0662}", .name("\u{0661}\u{0662}")),
    ])
    func imageIDFromStem(stem: String, expected: COCOImageID) {
        #expect(COCOImageID(stem: stem) == expected)
    }

    @Test func groundTruthReadsBack() throws {
        let images = [
            COCOImage(imageID: 7, width: 640, height: 480, fileName: "7.jpg"),
            COCOImage(imageID: 8, cocoID: .name("b"), width: 320, height: 240, fileName: "b.png"),
        ]
        let boxes = [
            GroundTruthBox(imageID: 8, classID: 1, x1: 0.1, y1: 0.2, x2: 10.7, y2: 20.3),
            GroundTruthBox(imageID: 7, classID: 0, x1: 5, y1: 5, x2: 105, y2: 55, isCrowd: true),
        ]
        let text = try COCOJSON.groundTruthText(images: images, boxes: boxes, classNames: ["rbc", "w\"bc"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])

        let imageEntries = try #require(object["images"] as? [[String: Any]])
        #expect(imageEntries.map { $0["id"] as? Int } == [7, nil])
        #expect(imageEntries.map { "\($0["id"]!)" } == ["7", "b"])
        #expect(imageEntries.map { $0["file_name"] as? String } == ["7.jpg", "b.png"])
        #expect(imageEntries.map { $0["width"] as? Int } == [640, 320])

        let annotations = try #require(object["annotations"] as? [[String: Any]])
        #expect(annotations.map { $0["id"] as? Int } == [1, 2])
        #expect(annotations.map { $0["iscrowd"] as? Int } == [0, 1])
        #expect(annotations.map { $0["category_id"] as? Int } == [1, 0])
        #expect(annotations[0]["image_id"] as? String == "b")
        let bbox = try #require(annotations[0]["bbox"] as? [Double])
        #expect(bbox == [0.1, 0.2, 10.7 - 0.1, 20.3 - 0.2])
        #expect(annotations[0]["area"] as? Double == (10.7 - 0.1) * (20.3 - 0.2))
        #expect(annotations[1]["area"] as? Double == 5000)

        let categories = try #require(object["categories"] as? [[String: Any]])
        #expect(categories.map { $0["name"] as? String } == ["rbc", "w\"bc"])
        #expect(categories.map { $0["id"] as? Int } == [0, 1])
    }

    @Test func badInputIsRejected() {
        let image = COCOImage(imageID: 1, width: 10, height: 10, fileName: "1.jpg")
        let box = GroundTruthBox(imageID: 1, classID: 0, x1: 0, y1: 0, x2: 1, y2: 1)
        #expect(throws: EvaluationError.unknownImage(imageID: 1)) {
            try COCOJSON.groundTruthText(images: [], boxes: [box], classNames: ["a"])
        }
        #expect(throws: EvaluationError.unknownClass(classID: 0)) {
            try COCOJSON.groundTruthText(images: [image], boxes: [box], classNames: [])
        }
        let broken = ScoredDetection(imageID: 1, classID: 0, score: .nan, x1: 0, y1: 0, x2: 1, y2: 1)
        #expect(throws: EvaluationError.nonFiniteNumber(field: "score")) {
            try COCOJSON.resultsText([broken])
        }
    }

    @Test func filesAreReplacedAtomically() throws {
        let directory = try makeDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let path = directory.appendingPathComponent("results.json").path
        let first = [ScoredDetection(imageID: 1, classID: 0, score: 0.9, x1: 0, y1: 0, x2: 1, y2: 1)]
        try COCOJSON.writeResults(first, to: path)
        try COCOJSON.writeResults([], to: path)

        #expect(try String(contentsOfFile: path, encoding: .utf8) == "[]\n")
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["results.json"])
        let missing = directory.appendingPathComponent("no/such/dir/results.json").path
        #expect {
            try COCOJSON.writeResults(first, to: missing)
        } throws: { error in
            guard case .unwritableFile(let failedPath, let reason)? = error as? EvaluationError else { return false }
            return failedPath == missing && reason.contains("No such file")
        }
    }
}
