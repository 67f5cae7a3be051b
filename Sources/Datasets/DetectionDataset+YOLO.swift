import Foundation

extension DetectionDataset {
    /// Loads one split of a YOLO dataset described by the YAML file `yaml`.
    static func loadYOLO(
        yaml: String, split: String, classNames overridingNames: [String]?, workers: Int,
        _ collector: inout LabelCollector
    ) throws(DatasetError) -> (classNames: [String], samples: [LabeledImage]) {
        let config = try DataConfig(contentsOf: yaml)
        let configuredNames = try config.classNames()
        let classNames = overridingNames ?? configuredNames
        let yamlDirectory = PathNames.directory(of: yaml)
        let root = config.scalar("path").map { PathNames.resolve($0, against: yamlDirectory) } ?? yamlDirectory
        guard let entries = config.paths(split) else {
            throw .splitNotFound(split: split, path: yaml, reason: "the file has no '\(split)' key")
        }

        var imagePaths: [String] = []
        for entry in entries {
            imagePaths += try imageList(PathNames.resolve(entry, against: root), split: split, yaml: yaml, &collector)
        }
        let sizes = try decodedSizes(of: imagePaths, workers: workers, &collector)

        var samples: [LabeledImage] = []
        for (imagePath, size) in zip(imagePaths, sizes) {
            guard let size else { continue }
            let labelPath = Self.labelPath(forImage: imagePath)
            let boxes = try readYOLOLabels(labelPath, size: size, classCount: classNames.count, &collector)
            samples.append(LabeledImage(imagePath: imagePath, width: size.width, height: size.height, boxes: boxes))
        }
        return (classNames, samples)
    }

    /// The label file of a YOLO image: the last `/images/` of the path replaced by `/labels/`, and the extension
    /// by `.txt` (upstream's rule).
    public static func labelPath(forImage imagePath: String) -> String {
        var path = imagePath
        if let range = path.range(of: "/images/", options: .backwards) {
            path.replaceSubrange(range, with: "/labels/")
        }
        let directory = PathNames.directory(of: path)
        let name = PathNames.stem(of: path)
        return (directory == "." && !path.hasPrefix("./") ? "" : directory + "/") + name + ".txt"
    }

    /// The images of one split entry: a directory (searched recursively, sorted) or a list file. A listed image
    /// that does not exist is an issue.
    private static func imageList(
        _ path: String, split: String, yaml: String, _ collector: inout LabelCollector
    ) throws(DatasetError) -> [String] {
        if PathNames.isDirectory(path) {
            guard let enumerator = FileManager.default.enumerator(atPath: path) else {
                throw .unreadable(path: path, reason: "cannot list the directory")
            }
            var found: [String] = []
            while let relative = enumerator.nextObject() as? String {
                if PathNames.isImage(relative) { found.append(PathNames.resolve(relative, against: path)) }
            }
            return found.sorted()
        }
        guard PathNames.isFile(path) else {
            throw .splitNotFound(split: split, path: yaml, reason: "'\(path)' does not exist")
        }
        let listDirectory = PathNames.directory(of: path)
        var images: [String] = []
        let lines = try PathNames.readText(path).split(separator: "\n", omittingEmptySubsequences: false)
        for (offset, rawLine) in lines.enumerated() {
            let line = String(rawLine).trimmingWhitespace()
            guard !line.isEmpty else { continue }
            let image = PathNames.resolve(line, against: listDirectory)
            guard PathNames.isFile(image) else {
                try collector.report(path, line: offset + 1, "the image '\(image)' does not exist", .droppedImage)
                continue
            }
            images.append(image)
        }
        return images
    }

    /// Reads and checks the YOLO label file of an image of `size`; a missing or empty file is an issue and gives
    /// no boxes.
    private static func readYOLOLabels(
        _ labelPath: String, size: ImageProbe.Size, classCount: Int, _ collector: inout LabelCollector
    ) throws(DatasetError) -> [LabeledBox] {
        guard PathNames.isFile(labelPath) else {
            try collector.report(labelPath, "the label file does not exist", .keptAsBackground)
            return []
        }
        let text = try PathNames.readText(labelPath)
        guard text.contains(where: { !$0.isWhitespace }) else {
            try collector.report(labelPath, "the label file is empty", .keptAsBackground)
            return []
        }

        var boxes: [LabeledBox] = []
        var seen: Set<[Float]> = []
        for (offset, rawLine) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let fields = rawLine.split(whereSeparator: \.isWhitespace)
            guard !fields.isEmpty else { continue }
            let line = offset + 1
            guard fields.count == 5 else {
                try collector.report(labelPath, line: line, "expected 5 fields, found \(fields.count)", .droppedBox)
                continue
            }
            let numbers = fields.map { Float($0) }
            guard let cls = numbers[0], let cx = numbers[1], let cy = numbers[2], let w = numbers[3],
                let h = numbers[4]
            else {
                let bad = fields[numbers.firstIndex(of: nil)!]
                try collector.report(labelPath, line: line, "'\(bad)' is not a number", .droppedBox)
                continue
            }
            if let bad = numbers.firstIndex(where: { !$0!.isFinite }) {
                try collector.report(labelPath, line: line, "'\(fields[bad])' is not a finite number", .droppedBox)
                continue
            }
            guard cls == cls.rounded(), cls >= 0 else {
                try collector.report(labelPath, line: line, "class '\(fields[0])' is not an index", .droppedBox)
                continue
            }
            guard Int(cls) < classCount else {
                try collector.report(
                    labelPath, line: line, "class \(Int(cls)) is unknown (nc is \(classCount))", .droppedBox)
                continue
            }
            guard w > 0, h > 0 else {
                try collector.report(labelPath, line: line, "the box size \(w) x \(h) is not positive", .droppedBox)
                continue
            }
            let outcome = BoxCheck.check(
                x1: cx - w / 2, y1: cy - h / 2, x2: cx + w / 2, y2: cy + h / 2, width: 1, height: 1, slack: 1e-3)
            guard case .valid(let x1, let y1, let x2, let y2) = outcome else {
                if case .invalid(let reason) = outcome {
                    try collector.report(labelPath, line: line, reason + " (normalised)", .droppedBox)
                }
                continue
            }
            // Upstream drops repeated rows too; a duplicate box would count twice in the loss and in evaluation.
            guard seen.insert([cls, cx, cy, w, h]).inserted else {
                try collector.report(labelPath, line: line, "the line repeats an earlier box", .droppedBox)
                continue
            }
            let width = Float(size.width)
            let height = Float(size.height)
            boxes.append(
                LabeledBox(classID: Int(cls), x1: x1 * width, y1: y1 * height, x2: x2 * width, y2: y2 * height))
        }
        return boxes
    }
}
