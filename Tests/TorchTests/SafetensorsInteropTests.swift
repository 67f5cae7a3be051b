import Foundation
import Testing
import Torch

/// The Python of the test venv (`DETECTD_PYTHON`, set by `./setup.sh test`), which has the reference
/// `safetensors` package and numpy.
private let python = ProcessInfo.processInfo.environment["DETECTD_PYTHON"]

private func runPython(_ script: String, _ arguments: [String]) throws -> String {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: try #require(python))
    process.arguments = ["-c", script] + arguments
    let output = Pipe()
    process.standardOutput = output
    try process.run()
    let data = output.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    try #require(process.terminationStatus == 0, "python failed")
    return String(decoding: data, as: UTF8.self)
}

@Suite(
    "safetensors files agree with the reference implementation",
    .enabled(if: python != nil, "DETECTD_PYTHON is not set: run through ./setup.sh test to get the venv"))
struct SafetensorsInteropTests {
    @Test func readsWhatTheReferenceWrites() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("reference.safetensors").path
        _ = try runPython(
            """
            import sys, numpy as np
            from safetensors.numpy import save_file
            save_file({
                "a": np.arange(6, dtype=np.float32).reshape(2, 3) / 4,
                "b": np.array([-1.5, 2.25], dtype=np.float16),
                "c": np.array([[1, -2], [3, 2**40]], dtype=np.int64),
                "d": np.array([True, False, True]),
                "e": np.zeros((0, 4), dtype=np.float32),
            }, sys.argv[1], metadata={"names": "rbc,wbc,platelets"})
            """, [path])
        let file = try SafetensorsFile(path: path)
        #expect(file.metadata == ["names": "rbc,wbc,platelets"])
        let a = try #require(file.tensor(named: "a"))
        #expect(a.shape == [2, 3])
        #expect(try Tensor(a).toArray(of: Float.self) == [0, 0.25, 0.5, 0.75, 1, 1.25])
        #expect(try Tensor(#require(file.tensor(named: "b"))).toArray(of: Float16.self) == [-1.5, 2.25])
        #expect(try Tensor(#require(file.tensor(named: "c"))).toArray(of: Int.self) == [1, -2, 3, 1 << 40])
        #expect(try Tensor(#require(file.tensor(named: "d"))).toArray(of: Bool.self) == [true, false, true])
        #expect(try #require(file.tensor(named: "e")).shape == [0, 4])
    }

    @Test func theReferenceReadsWhatWeWrite() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("st-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("ours.safetensors").path
        let weight = try Tensor.arange(0, 24).reshape([2, 3, 4]) * 0.5
        let counts = try Tensor([7, -8] as [Int])
        try SafetensorsFile.write(
            [try weight.stored(name: "model.0.conv.weight"), try counts.stored(name: "counts")],
            metadata: ["architecture": "yolov7-tiny"], to: path)
        let report = try runPython(
            """
            import sys, json
            from safetensors import safe_open
            with safe_open(sys.argv[1], framework="numpy") as f:
                w = f.get_tensor("model.0.conv.weight"); c = f.get_tensor("counts")
                print(json.dumps({"meta": f.metadata(), "shape": list(w.shape), "sum": float(w.sum()),
                                  "dtype": str(w.dtype), "counts": c.tolist()}))
            """, [path])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(report.utf8)) as? [String: Any])
        #expect(object["meta"] as? [String: String] == ["architecture": "yolov7-tiny"])
        #expect(object["shape"] as? [Int] == [2, 3, 4])
        #expect(object["sum"] as? Double == 138)
        #expect(object["dtype"] as? String == "float32")
        #expect(object["counts"] as? [Int] == [7, -8])
    }
}
