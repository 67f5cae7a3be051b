import Foundation
import Testing

/// The shared YOLOv7 fixtures: `DETECTD_FIXTURES`, or `../shared/yolov7` beside the repository.
enum Fixtures {
    static var folder: URL {
        if let path = ProcessInfo.processInfo.environment["DETECTD_FIXTURES"] {
            return URL(fileURLWithPath: path)
        }
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return repository.deletingLastPathComponent().appendingPathComponent("shared/yolov7")
    }

    /// A fixture that must exist. A small text file holding another fixture's name (a symbolic link checked
    /// out as a file) resolves to that fixture.
    static func file(_ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> URL {
        let url = folder.appendingPathComponent(name)
        try #require(
            FileManager.default.fileExists(atPath: url.path), "missing fixture \(url.path)",
            sourceLocation: sourceLocation)
        let size = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        if size < 256, let target = try? String(contentsOf: url, encoding: .utf8) {
            let linked = folder.appendingPathComponent(target.trimmingCharacters(in: .whitespacesAndNewlines))
            if FileManager.default.fileExists(atPath: linked.path) { return linked }
        }
        return url
    }

    /// The keys and shapes of a `keys_*.tsv` table, with head rows scaled from nc=80 to `classCount`.
    static func keys(_ name: String, classCount: Int = 80) throws -> [(name: String, shape: [Int])] {
        let text = try String(contentsOf: try file(name), encoding: .utf8)
        return text.split(separator: "\n").filter { !$0.hasPrefix("#") }.map { line in
            let fields = line.split(separator: "\t")
            let shape = fields[1].dropFirst().dropLast().split(separator: ",").map {
                Int($0.trimmingCharacters(in: .whitespaces)) ?? -1
            }
            return (String(fields[0]), shape.map { $0 == 3 * 85 ? 3 * (5 + classCount) : $0 })
        }
    }
}
