import Foundation
import Testing

/// The keys and shapes of `keys_yolov7_tiny_training.tsv`, with the head rows scaled from nc=80 to nc=3.
private func expectedTinyKeys() throws -> [(name: String, shape: [Int])] {
    let text = try String(contentsOf: try Fixtures.yolov7("keys_yolov7_tiny_training.tsv"), encoding: .utf8)
    return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
        let fields = line.split(separator: "\t")
        let shape = fields[1].dropFirst().dropLast().split(separator: ",").map {
            Int($0.trimmingCharacters(in: .whitespaces)) ?? -1
        }
        return (String(fields[0]), shape.map { $0 == 3 * (5 + 80) ? 3 * (5 + 3) : $0 })
    }
}

@Suite("detectd inspect, end to end")
struct InspectCommandTests {
    @Test(arguments: ["yolov7-tiny-nc3.pt", "yolov7-tiny-nc3.state_dict.pt"])
    func jsonListsEveryUpstreamKey(fixture: String) throws {
        let result = try DetectdProcess.run(["inspect", "--json", try Fixtures.yolov7(fixture).path])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        let lines = try result.jsonLines()
        try #require(lines.count == 1)
        let object = lines[0]
        #expect(object["format"] as? String == "pytorch")
        let metadata = try #require(object["metadata"] as? [String: String])
        #expect(metadata["kind"] == (fixture.hasSuffix("state_dict.pt") ? "state_dict" : "module"))
        let tensors = try #require(object["tensors"] as? [[String: Any]])
        let keys = try expectedTinyKeys()
        #expect(tensors.count == keys.count)
        for (tensor, key) in zip(tensors, keys) {
            #expect(tensor["name"] as? String == key.name)
            #expect(tensor["shape"] as? [Int] == key.shape, "\(key.name)")
        }
        let expectedType = fixture.hasSuffix("state_dict.pt") ? "float32" : "float16"
        #expect(tensors.first?["dtype"] as? String == expectedType)
    }

    @Test func textListsMetadataAndTensors() throws {
        let path = Fixtures.repository.appendingPathComponent("Models/example.safetensors").path
        let result = try DetectdProcess.run(["inspect", path])
        #expect(result.status == 0)
        #expect(result.stdout.contains("format: safetensors"))
        #expect(result.stdout.contains("provenance: random normal weights, numpy seed 0"))
        #expect(result.stdout.contains("tensors: 6 (497 elements)"))
        #expect(result.stdout.contains("model.0.conv.weight             float32   [16, 3, 3, 3]"))
    }

    @Test func usageMistakesExit64() throws {
        for arguments in [[], ["inspect"], ["inspect", "--bogus", "x"], ["nonsense"], ["inspect", "a", "b"]] {
            let result = try DetectdProcess.run(arguments)
            #expect(result.status == 64, "\(arguments): \(result.stderr)")
            #expect(result.stdout.isEmpty)
        }
        let help = try DetectdProcess.run(["--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("inspect [--json] FILE"))
    }
}
