import Foundation
import Testing

@Suite("detectd eval against pycocotools, end to end")
struct EvalCommandTests {
    /// The distilled student the repository ships: real detections on real images.
    static let student = Fixtures.repository.appendingPathComponent("Models/bccd-student.safetensors")

    /// `detectd eval` on the BCCD test split must report what pycocotools computes from the files it writes (its
    /// own detections and the split as COCO ground truth), to 1e-4.
    @Test(
        .enabled(if: OutputSchema.python != nil, "DETECTD_PYTHON is not set: run through ./setup.sh test"),
        arguments: [true, false])
    func agreesWithPycocotoolsOnRealDetections(isRectangular: Bool) throws {
        try #require(FileManager.default.fileExists(atPath: Self.student.path), "missing \(Self.student.path)")
        let directory = try Fixtures.temporaryDirectory()
        let results = directory.appendingPathComponent("results.json").path
        let groundTruth = directory.appendingPathComponent("ground-truth.json").path
        let result = try DetectdProcess.run(
            [
                "eval", "--weights", Self.student.path, "--data", BCCD.root.path, "--split", "test", "--json",
                "--save-json", results, "--save-ground-truth", groundTruth, "--plots", directory.path,
            ] + (isRectangular ? [] : ["--no-rect"]))
        #expect(result.status == 0, "\(result.stderr)")
        let report = try #require(try result.jsonLines().first)
        #expect(report["images"] as? Int == 72)
        #expect(report["rect"] as? Bool == isRectangular)
        let shapes = try #require(report["shapes"] as? [String: Int])
        #expect(shapes == (isRectangular ? ["320x256": 72] : ["320x320": 72]))
        let ours = try #require(report["map50_95"] as? Double)
        #expect(ours > 0.2, "the shipped student should detect blood cells")

        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(OutputSchema.python))
        process.arguments = [
            Fixtures.repository.appendingPathComponent("Tests/Support/coco_eval.py").path, groundTruth, results,
        ]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let reference = try #require(try JSONSerialization.jsonObject(with: output) as? [String: Any])
        let stats = try #require(reference["stats"] as? [Double])
        #expect(abs(stats[0] - ours) < 1e-4)
        #expect(abs(stats[1] - (report["map50"] as? Double ?? -1)) < 1e-4)
        #expect(abs(stats[2] - (report["map75"] as? Double ?? -1)) < 1e-4)

        let categories = try #require(reference["categories"] as? [[String: Any]])
        let classes = try #require(report["classes"] as? [[String: Any]])
        #expect(categories.count == 3 && classes.count == 3)
        for (category, entry) in zip(categories, classes) {
            #expect(category["id"] as? Int == entry["class_id"] as? Int)
            #expect(abs((category["ap50_95"] as? Double ?? -1) - (entry["ap50_95"] as? Double ?? -2)) < 1e-4)
            #expect(abs((category["ap50"] as? Double ?? -1) - (entry["ap50"] as? Double ?? -2)) < 1e-4)
        }
        let svg = try String(contentsOf: directory.appendingPathComponent("pr_curves.svg"), encoding: .utf8)
        for name in ["Platelets", "RBC", "WBC"] {
            #expect(svg.contains(name))
        }
    }

    @Test func missingWeightsAndDataExitCleanly() throws {
        let missing = try DetectdProcess.run([
            "eval", "--weights", "/nonexistent.safetensors", "--data", BCCD.root.path,
        ])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("/nonexistent.safetensors"))
        let directory = try Fixtures.temporaryDirectory()
        let model = directory.appendingPathComponent("m.safetensors").path
        let created = try DetectdProcess.run([
            "create-model", "--arch", "yolov7-tiny", "--width", "0.25", "--names", "a,b,c", model,
        ])
        #expect(created.status == 0)
        let noSplit = try DetectdProcess.run(["eval", "--weights", model, "--data", BCCD.root.path, "--split", "nope"])
        #expect(noSplit.status == 66)
        #expect(noSplit.stderr.contains("nope"))
        #expect(!noSplit.isSignalled && noSplit.stdout.isEmpty)
    }
}
