import Foundation
import Testing

/// BCCD beside the repository (`../shared/datasets/bccd/BCCD`).
enum BCCD {
    static let root = Fixtures.repository.deletingLastPathComponent().appendingPathComponent(
        "shared/datasets/bccd/BCCD")

    /// Copies the first `count` images of `split` into a YOLO layout under `directory` (images/, labels/ and a
    /// data.yaml whose train and val are the same folder), converting the VOC boxes to normalised centres.
    static func makeYOLOSubset(in directory: URL, split: String = "train", count: Int) throws -> URL {
        let list = try String(
            contentsOf: root.appendingPathComponent("ImageSets/Main/\(split).txt"), encoding: .utf8)
        let stems = list.split(separator: "\n").map(String.init).filter { !$0.isEmpty }.prefix(count)
        let images = directory.appendingPathComponent("images")
        let labels = directory.appendingPathComponent("labels")
        try FileManager.default.createDirectory(at: images, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: labels, withIntermediateDirectories: true)
        let names = ["Platelets", "RBC", "WBC"]
        for stem in stems {
            try FileManager.default.copyItem(
                at: root.appendingPathComponent("JPEGImages/\(stem).jpg"),
                to: images.appendingPathComponent("\(stem).jpg"))
            let xml = try String(contentsOf: root.appendingPathComponent("Annotations/\(stem).xml"), encoding: .utf8)
            var lines: [String] = []
            for object in xml.components(separatedBy: "<object>").dropFirst() {
                let value = { (tag: String) -> Double in
                    let start = object.range(of: "<\(tag)>")!.upperBound
                    let end = object.range(of: "</\(tag)>")!.lowerBound
                    return Double(object[start..<end].trimmingCharacters(in: .whitespaces))!
                }
                let nameStart = object.range(of: "<name>")!.upperBound
                let name = String(object[nameStart..<object.range(of: "</name>")!.lowerBound])
                let (x1, y1, x2, y2) = (value("xmin") - 1, value("ymin") - 1, value("xmax"), value("ymax"))
                let classID = try #require(names.firstIndex(of: name))
                lines.append(
                    "\(classID) \((x1 + x2) / 1280) \((y1 + y2) / 960) \((x2 - x1) / 640) \((y2 - y1) / 480)")
            }
            try lines.joined(separator: "\n").write(
                to: labels.appendingPathComponent("\(stem).txt"), atomically: true, encoding: .utf8)
        }
        let yaml = directory.appendingPathComponent("data.yaml")
        try "path: \(directory.path)\ntrain: images\nval: images\nnc: 3\nnames: [Platelets, RBC, WBC]\n".write(
            to: yaml, atomically: true, encoding: .utf8)
        return yaml
    }
}

@Suite("detectd train, distill and eval, end to end")
struct TrainCommandTests {
    let directory: URL
    let data: URL

    init() throws {
        directory = try Fixtures.temporaryDirectory()
        data = try BCCD.makeYOLOSubset(in: directory.appendingPathComponent("data"), count: 6)
    }

    private func trainOptions(_ run: URL, epochs: Int) -> [String] {
        [
            "--data", data.path, "--out", run.path, "--split", "train", "--val-split", "val", "--width", "0.25",
            "--epochs", "\(epochs)", "--batch", "3", "--nominal-batch", "3", "--imgsz", "96", "--workers", "2",
        ]
    }

    private func csvRows(_ run: URL) throws -> [[String]] {
        let text = try String(contentsOf: run.appendingPathComponent("results.csv"), encoding: .utf8)
        return text.split(separator: "\n").dropFirst().map {
            $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        }
    }

    @Test func trainWritesTheRunFolderAndResumes() throws {
        let run = directory.appendingPathComponent("run")
        let first = try DetectdProcess.run(["train"] + trainOptions(run, epochs: 1))
        #expect(first.status == 0, "\(first.stderr)")
        let summary = try #require(try first.jsonLines().last)
        #expect(summary["type"] as? String == "training")
        #expect(summary["epochs"] as? Int == 1)
        #expect(summary["params"] as? Int == 383_544)
        for file in ["checkpoint", "last", "best"] {
            #expect(FileManager.default.fileExists(atPath: run.appendingPathComponent("\(file).safetensors").path))
        }
        for file in ["losses.svg", "metrics.svg"] {
            let svg = try String(contentsOf: run.appendingPathComponent(file), encoding: .utf8)
            #expect(svg.hasPrefix("<svg") || svg.hasPrefix("<?xml"))
        }
        #expect(try csvRows(run).map(\.first) == ["1"])

        let resumed = try DetectdProcess.run(["train", "--resume", run.path, "--epochs", "2"])
        #expect(resumed.status == 0, "\(resumed.stderr)")
        #expect(resumed.stderr.contains("resuming"))
        let rows = try csvRows(run)
        #expect(rows.map(\.first) == ["1", "2"])
        // Every row has finite losses and, evaluated each epoch, a mAP in [0, 1].
        for row in rows {
            let box = try #require(Double(row[2]))
            let map = try #require(Double(row[10]))
            #expect(box.isFinite && box > 0)
            #expect((0...1).contains(map))
        }

        // The model file is a detectd model with the dataset's class names, usable by eval.
        let evaluation = try DetectdProcess.run([
            "eval", "--weights", run.appendingPathComponent("best.safetensors").path, "--data", data.path, "--split",
            "val", "--json",
        ])
        #expect(evaluation.status == 0, "\(evaluation.stderr)")
        let report = try #require(try evaluation.jsonLines().first)
        #expect(report["names"] as? [String] == ["Platelets", "RBC", "WBC"])
        #expect(report["images"] as? Int == 6)
        #expect(report["imgsz"] as? Int == 96)
        #expect(report["shapes"] as? [String: Int] == ["96x96": 6])
    }

    @Test(arguments: ["ema", "file"])
    func distillAddsASoftLoss(teacher: String) throws {
        var teacherArgument = "ema"
        if teacher == "file" {
            let teacherRun = directory.appendingPathComponent("teacher")
            let trained = try DetectdProcess.run(["train"] + trainOptions(teacherRun, epochs: 1))
            #expect(trained.status == 0, "\(trained.stderr)")
            teacherArgument = teacherRun.appendingPathComponent("best.safetensors").path
        }
        let run = directory.appendingPathComponent("distilled-\(teacher)")
        let result = try DetectdProcess.run(
            ["distill", "--teacher", teacherArgument, "--beta", "0.5", "--temperature", "3"]
                + trainOptions(run, epochs: 1))
        #expect(result.status == 0, "\(result.stderr)")
        let row = try #require(try csvRows(run).first)
        let soft = try #require(Double(row[5]))
        #expect(soft > 0 && soft.isFinite)
        let total = try #require(Double(row[6]))
        let hard = try #require(Double(row[2])) + Double(row[3])! + Double(row[4])!
        #expect(abs(total - (hard + 0.5 * soft)) < 1e-3 * max(total, 1))
    }

    @Test func badInputGetsClearErrorsAndExitCodes() throws {
        let run = directory.appendingPathComponent("bad")
        let missing = try DetectdProcess.run(["train", "--data", "/nonexistent/data.yaml", "--out", run.path])
        #expect(missing.status == 66)
        #expect(missing.stderr.contains("/nonexistent/data.yaml"))

        let noCheckpoint = try DetectdProcess.run(["train", "--resume", directory.path])
        #expect(noCheckpoint.status == 66)
        #expect(noCheckpoint.stderr.contains("checkpoint"))

        let label = data.deletingLastPathComponent().appendingPathComponent("labels")
        let first = try #require(try FileManager.default.contentsOfDirectory(atPath: label.path).sorted().first)
        let file = label.appendingPathComponent(first)
        try "0 0.5 0.5 0.1\n".write(to: file, atomically: true, encoding: .utf8)
        let strict = try DetectdProcess.run(["train", "--bad-labels", "fail"] + trainOptions(run, epochs: 1))
        #expect(strict.status == 65)
        #expect(strict.stderr.contains(first))
        #expect(strict.stderr.contains(":1") || strict.stderr.contains("line 1"))

        let wrongTeacher = directory.appendingPathComponent("one-class.safetensors").path
        let created = try DetectdProcess.run([
            "create-model", "--arch", "yolov7-tiny", "--width", "0.25", "--names", "cell", wrongTeacher,
        ])
        #expect(created.status == 0, "\(created.stderr)")
        let mismatch = try DetectdProcess.run(["distill", "--teacher", wrongTeacher] + trainOptions(run, epochs: 1))
        #expect(mismatch.status == 65)
        #expect(mismatch.stderr.contains("classes"))

        let usage = try DetectdProcess.run(["distill"] + trainOptions(run, epochs: 1))
        #expect(usage.status == 64)
        for result in [missing, noCheckpoint, strict, mismatch, usage] {
            #expect(!result.isSignalled)
            #expect(result.stdout.isEmpty)
        }
    }
}
