import Foundation
import Testing
import Torch

/// Every `*.reference.safetensors` in the fixture folder.
private func referenceFixtures() -> [String] {
    let names = (try? FileManager.default.contentsOfDirectory(atPath: Fixtures.yolov7.path)) ?? []
    return names.filter { $0.hasSuffix(".reference.safetensors") }.sorted()
}

/// A fixture path, following a small text file that names another fixture (a symlink checked out as a file).
private func resolvedFixture(_ name: String) throws -> String {
    let url = try Fixtures.yolov7(name)
    let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
    if size < 256, let target = try? String(contentsOf: url, encoding: .utf8) {
        let linked = Fixtures.yolov7.appendingPathComponent(target.trimmingCharacters(in: .whitespacesAndNewlines))
        if FileManager.default.fileExists(atPath: linked.path) { return linked.path }
    }
    return url.path
}

@Suite("detectd forward, convert, create-model and bench, end to end")
struct ModelCommandTests {
    let directory: URL

    init() throws {
        directory = try Fixtures.temporaryDirectory()
    }

    @Test(arguments: referenceFixtures())
    func forwardMatchesEveryReference(reference: String) throws {
        let base = String(reference.dropLast(".reference.safetensors".count))
        let expected = try SafetensorsFile(path: try Fixtures.yolov7(reference).path)
        for weights in ["\(base).pt", "\(base).state_dict.pt"] {
            let output = directory.appendingPathComponent("\(weights).out.safetensors").path
            let result = try DetectdProcess.run([
                "forward", "--weights", try resolvedFixture(weights), "--input", try Fixtures.yolov7(reference).path,
                "--output", output,
            ])
            #expect(result.status == 0, "\(result.stderr)")
            #expect(result.stdout.isEmpty)
            let actual = try SafetensorsFile(path: output)
            for name in ["raw.0", "raw.1", "raw.2", "decoded"] {
                let a = try Tensor(try #require(actual.tensor(named: name)))
                let b = try Tensor(try #require(expected.tensor(named: name)))
                #expect(a.shape == b.shape)
                #expect(try (a - b).abs().max().item() < 2e-3, "\(weights) \(name)")
            }
        }
    }

    /// The release checkpoint holds float16 values, so storing them as float16 again loses nothing.
    @Test(arguments: [false, true])
    func convertWritesAModelFileThatLoadsAgain(isHalf: Bool) throws {
        let output = directory.appendingPathComponent("tiny.safetensors").path
        let converted = try DetectdProcess.run(
            [
                "convert", try Fixtures.yolov7("yolov7-tiny-nc3.pt").path, output, "--names", "rbc,wbc,platelets",
            ] + (isHalf ? ["--half"] : []))
        #expect(converted.status == 0, "\(converted.stderr)")
        let size = try #require(try FileManager.default.attributesOfItem(atPath: output)[.size] as? Int)
        // 6.0 M parameters: about 24 MB as float32, 12 MB as float16.
        #expect(isHalf ? size < 13_000_000 : size > 24_000_000)
        let inspected = try DetectdProcess.run(["inspect", "--json", output])
        let object = try #require(try inspected.jsonLines().first)
        let metadata = try #require(object["metadata"] as? [String: String])
        #expect(metadata["architecture"] == "yolov7-tiny")
        #expect(metadata["names"] == #"["rbc","wbc","platelets"]"#)
        #expect(metadata["provenance"]?.hasPrefix("converted from ") == true)
        #expect((object["tensors"] as? [[String: Any]])?.count == 344)

        let reference = try Fixtures.yolov7("yolov7-tiny-nc3.reference.safetensors").path
        let forwarded = directory.appendingPathComponent("out.safetensors").path
        let result = try DetectdProcess.run([
            "forward", "--weights", output, "--input", reference, "--output", forwarded,
        ])
        #expect(result.status == 0, "\(result.stderr)")
        let decoded = try Tensor(try #require(try SafetensorsFile(path: forwarded).tensor(named: "decoded")))
        let expected = try Tensor(try #require(try SafetensorsFile(path: reference).tensor(named: "decoded")))
        #expect(try (decoded - expected).abs().max().item() < 2e-3)
    }

    @Test func badWeightsExit65NamingTheProblem() throws {
        let wrongNames = try DetectdProcess.run([
            "convert", try Fixtures.yolov7("yolov7-tiny-nc3.pt").path, directory.appendingPathComponent("x").path,
            "--names", "a,b",
        ])
        #expect(wrongNames.status == 65)
        #expect(wrongNames.stderr.contains("2 class names given for a head of 3 classes"))

        let example = Fixtures.repository.appendingPathComponent("Models/example.safetensors").path
        let notAModel = try DetectdProcess.run([
            "forward", "--weights", example, "--input", example, "--output", directory.appendingPathComponent("y").path,
        ])
        #expect(notAModel.status == 65)
        #expect(notAModel.stderr.contains("no detection head"))
        #expect(!notAModel.isSignalled)
    }

    @Test func createModelThenBench() throws {
        let output = directory.appendingPathComponent("v7.safetensors").path
        let created = try DetectdProcess.run([
            "create-model", "--arch", "yolov7", "--width", "0.25", "--names", "a,b", "--seed", "1", output,
        ])
        #expect(created.status == 0, "\(created.stderr)")
        let bench = try DetectdProcess.run([
            "bench", "--weights", output, "--imgsz", "64", "--threads", "1", "--iterations", "3", "--json",
        ])
        #expect(bench.status == 0, "\(bench.stderr)")
        let object = try #require(try bench.jsonLines().first)
        #expect(object["model"] as? String == "yolov7-w0.25")
        #expect(object["imgsz"] as? Int == 64)
        let times = try #require(object["forward_ms"] as? [String: Double])
        let (minimum, median, maximum) = (times["min"] ?? -1, times["median"] ?? -1, times["max"] ?? -1)
        #expect(minimum > 0 && minimum <= median && median <= maximum)
        #expect((object["peak_rss_mb"] as? Double ?? 0) > 10)
    }
}
