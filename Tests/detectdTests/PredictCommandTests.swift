import Foundation
import Testing

@Suite(
    "detectd predict, end to end",
    .enabled(if: OutputSchema.python != nil, "DETECTD_PYTHON is not set: run through ./setup.sh test"))
struct PredictCommandTests {
    static let bccd = Fixtures.repository.deletingLastPathComponent()
        .appendingPathComponent("shared/datasets/bccd/BCCD/JPEGImages")

    @Test func realImageGivesOneValidLine() throws {
        let image = Self.bccd.appendingPathComponent("BloodImage_00000.jpg").path
        let result = try DetectdProcess.run([
            "predict", "--weights", try Fixtures.yolov7("yolov7-tiny-nc3.pt").path, "--imgsz", "320", "--conf", "0.003",
            image, image,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let lines = try result.jsonLines()
        try #require(lines.count == 2)
        let line = lines[0]
        #expect(line["type"] as? String == "detections")
        #expect(line["source"] as? String == image)
        #expect(line["frame"] as? Int == 0)
        #expect(line["width"] as? Int == 640)
        #expect(line["height"] as? Int == 480)
        #expect(line["model"] as? String == "yolov7-tiny")
        #expect((line["infer_ms"] as? Double ?? 0) > 0)
        #expect((line["time"] as? String)?.hasSuffix("Z") == true)
        let detections = try #require(line["detections"] as? [[String: Any]])
        #expect(!detections.isEmpty, "random weights still score above 0.003 somewhere")
        for detection in detections {
            let box = try #require(detection["box"] as? [Double])
            #expect(box.count == 4)
            #expect(box[0] >= 0 && box[1] >= 0 && box[2] <= 640 && box[3] <= 480)
            #expect(box[0] <= box[2] && box[1] <= box[3])
            let score = try #require(detection["score"] as? Double)
            #expect(score >= 0.003 && score <= 1)
            #expect(["class0", "class1", "class2"].contains(detection["class"] as? String ?? ""))
        }
        #expect(try OutputSchema.problems(in: result.stdout) == [])
        // The same image twice gives the same detections.
        #expect(NSArray(array: detections).isEqual(to: lines[1]["detections"] as? [Any] ?? []))
    }

    @Test func unreadableImagesAreSkippedWithTheirReason() throws {
        let directory = try Fixtures.temporaryDirectory()
        let corrupt = directory.appendingPathComponent("corrupt.jpg")
        try Data((0..<2000).map { UInt8(truncatingIfNeeded: $0 * 7) }).write(to: corrupt)
        let good = Self.bccd.appendingPathComponent("BloodImage_00001.jpg").path
        let result = try DetectdProcess.run([
            "predict", "--weights", try Fixtures.yolov7("yolov7-tiny-nc3.pt").path, "--imgsz", "256", corrupt.path,
            good,
        ])
        #expect(result.status == 65, "\(result.stderr)")
        #expect(!result.isSignalled)
        #expect(try result.jsonLines().count == 1)
        #expect(result.stderr.contains(corrupt.path))

        let missing = try DetectdProcess.run([
            "predict", "--weights", try Fixtures.yolov7("yolov7-tiny-nc3.pt").path, "/nonexistent/x.jpg",
        ])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("No such file"))
    }
}
