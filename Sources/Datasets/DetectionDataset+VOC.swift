import Foundation

extension DetectionDataset {
    /// Loads one split of the Pascal VOC tree at `root`.
    static func loadVOC(
        root: String, split: String, classNames givenNames: [String]?, workers: Int,
        _ collector: inout LabelCollector
    ) throws(DatasetError) -> (classNames: [String], samples: [LabeledImage]) {
        let splitFile = PathNames.resolve("ImageSets/Main/\(split).txt", against: root)
        guard PathNames.isFile(splitFile) else {
            throw .splitNotFound(split: split, path: root, reason: "'\(splitFile)' does not exist")
        }
        let annotationDirectory = PathNames.resolve("Annotations", against: root)
        let imageDirectory = PathNames.resolve("JPEGImages", against: root)
        let ids = try PathNames.readText(splitFile).split(separator: "\n", omittingEmptySubsequences: false)
            .enumerated().compactMap { offset, line in
                line.split(whereSeparator: \.isWhitespace).first.map { (line: offset + 1, id: String($0)) }
            }

        // Class names come from every annotation of the tree, so that all splits agree on the indices.
        var annotations: [String: Result<VOCAnnotation, DatasetError>] = [:]
        let annotationNames: [String]
        if givenNames == nil {
            do {
                annotationNames = try FileManager.default.contentsOfDirectory(atPath: annotationDirectory)
                    .filter { $0.lowercased().hasSuffix(".xml") }.sorted()
            } catch {
                throw .unreadable(path: annotationDirectory, reason: "cannot list the directory")
            }
        } else {
            annotationNames = ids.map { $0.id + ".xml" }
        }
        for name in annotationNames {
            let path = PathNames.resolve(name, against: annotationDirectory)
            guard PathNames.isFile(path) else { continue }
            annotations[PathNames.stem(of: name)] = VOCAnnotation.read(path)
        }
        let classNames =
            givenNames
            ?? Set(annotations.values.flatMap { (try? $0.get().objects.compactMap(\.name)) ?? [] }).sorted()

        var entries: [(id: String, imagePath: String)] = []
        for (line, id) in ids {
            let filename = (try? annotations[id]?.get().filename) ?? nil
            let candidates = ["jpg", "jpeg", "png", "JPG"].map { "\(id).\($0)" } + (filename.map { [$0] } ?? [])
            guard
                let imagePath = candidates.lazy.map({ PathNames.resolve($0, against: imageDirectory) })
                    .first(where: PathNames.isFile)
            else {
                try collector.report(
                    splitFile, line: line, "no image for '\(id)' in '\(imageDirectory)'", .droppedImage)
                continue
            }
            entries.append((id, imagePath))
        }
        let sizes = try decodedSizes(of: entries.map(\.imagePath), workers: workers, &collector)

        var samples: [LabeledImage] = []
        for (entry, size) in zip(entries, sizes) {
            guard let size else { continue }
            let xmlPath = PathNames.resolve(entry.id + ".xml", against: annotationDirectory)
            guard let annotation = annotations[entry.id] else {
                try collector.report(xmlPath, "the annotation file does not exist", .keptAsBackground)
                samples.append(
                    LabeledImage(imagePath: entry.imagePath, width: size.width, height: size.height, boxes: []))
                continue
            }
            let parsed: VOCAnnotation
            switch annotation {
            case .success(let value):
                parsed = value
            case .failure(let error):
                try collector.report(xmlPath, "the annotation does not parse: \(error)", .droppedImage)
                continue
            }
            let boxes = try vocBoxes(parsed, file: xmlPath, size: size, classNames: classNames, &collector)
            samples.append(
                LabeledImage(imagePath: entry.imagePath, width: size.width, height: size.height, boxes: boxes))
        }
        return (classNames, samples)
    }

    /// Checks an annotation's size against the decoded one and converts its objects to boxes.
    private static func vocBoxes(
        _ annotation: VOCAnnotation, file: String, size: ImageProbe.Size, classNames: [String],
        _ collector: inout LabelCollector
    ) throws(DatasetError) -> [LabeledBox] {
        if let width = annotation.width.flatMap({ Int($0) }), let height = annotation.height.flatMap({ Int($0) }) {
            if width != size.width || height != size.height {
                try collector.report(
                    file, "the annotated size \(width)x\(height) differs from the image's \(size.width)x\(size.height)",
                    .usedDecodedSize)
            }
        } else {
            try collector.report(file, "the annotation has no usable <size>", .usedDecodedSize)
        }
        guard !annotation.objects.isEmpty else {
            try collector.report(file, "the annotation has no objects", .keptAsBackground)
            return []
        }

        let classIndex = Dictionary(classNames.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        var boxes: [LabeledBox] = []
        for (number, object) in annotation.objects.enumerated() {
            let label = "object \(number + 1) ('\(object.name ?? "")')"
            guard let name = object.name, let classID = classIndex[name] else {
                try collector.report(file, "\(label): the class is not one of \(classNames)", .droppedBox)
                continue
            }
            let corners = ["xmin", "ymin", "xmax", "ymax"].map { object.corners[$0].flatMap { Float($0) } }
            guard let xmin = corners[0], let ymin = corners[1], let xmax = corners[2], let ymax = corners[3] else {
                try collector.report(file, "\(label): <bndbox> lacks a numeric corner", .droppedBox)
                continue
            }
            // VOC corners are 1-based and inclusive: pixel column xmin spans [xmin - 1, xmin].
            let outcome = BoxCheck.check(
                x1: xmin - 1, y1: ymin - 1, x2: xmax, y2: ymax, width: Float(size.width),
                height: Float(size.height), slack: 1)
            switch outcome {
            case .valid(let x1, let y1, let x2, let y2):
                boxes.append(
                    LabeledBox(classID: classID, x1: x1, y1: y1, x2: x2, y2: y2, isDifficult: object.isDifficult))
            case .invalid(let reason):
                try collector.report(file, "\(label): \(reason)", .droppedBox)
            }
        }
        return boxes
    }
}
