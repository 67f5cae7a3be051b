import Foundation

extension DetectionDataset {
    /// The parts of a COCO `instances` file that describe boxes.
    private struct COCOFile: Decodable {
        /// One entry of `images`.
        struct Image: Decodable {
            var id: Int
            var fileName: String
            var width: Int?
            var height: Int?
        }

        /// One entry of `annotations`.
        struct Annotation: Decodable {
            var id: Int?
            var imageId: Int
            var categoryId: Int
            var bbox: [Double]
            var iscrowd: Int?
        }

        /// One entry of `categories`.
        struct Category: Decodable {
            var id: Int
            var name: String
        }

        var images: [Image]
        var annotations: [Annotation]?
        var categories: [Category]
    }

    /// Loads the COCO JSON file `json` (one split; there is no split argument to honour).
    static func loadCOCO(
        json: String, classNames givenNames: [String]?, workers: Int, _ collector: inout LabelCollector
    ) throws(DatasetError) -> (classNames: [String], samples: [LabeledImage]) {
        guard let data = FileManager.default.contents(atPath: json) else {
            throw .unreadable(path: json, reason: "cannot open the file")
        }
        let file: COCOFile
        do {
            let decoder = JSONDecoder()
            decoder.keyDecodingStrategy = .convertFromSnakeCase
            file = try decoder.decode(COCOFile.self, from: data)
        } catch {
            throw .invalidDescription(path: json, line: nil, reason: "not a COCO instances file: \(error)")
        }

        let categories = file.categories.sorted { $0.id < $1.id }
        let classNames = givenNames ?? categories.map(\.name)
        let nameIndex = Dictionary(classNames.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
        var classOfCategory: [Int: Int] = [:]
        for category in categories {
            classOfCategory[category.id] = nameIndex[category.name]
        }

        let directory = PathNames.directory(of: json)
        let searchDirectories = [directory, directory + "/images", directory + "/..", directory + "/../images"]
        var entries: [(image: COCOFile.Image, path: String)] = []
        for image in file.images {
            let candidates = searchDirectories.map { PathNames.resolve(image.fileName, against: $0) }
            guard let path = candidates.first(where: PathNames.isFile) else {
                try collector.report(
                    json, "image id \(image.id): '\(image.fileName)' is in none of \(searchDirectories)", .droppedImage)
                continue
            }
            entries.append((image, path))
        }
        let sizes = try decodedSizes(of: entries.map(\.path), workers: workers, &collector)

        var annotationsByImage: [Int: [COCOFile.Annotation]] = [:]
        let knownImages = Set(file.images.map(\.id))
        for annotation in file.annotations ?? [] {
            guard knownImages.contains(annotation.imageId) else {
                try collector.report(
                    json,
                    "annotation \(annotation.id.map(String.init) ?? "?"): image id \(annotation.imageId) is not "
                        + "in 'images'", .droppedBox)
                continue
            }
            annotationsByImage[annotation.imageId, default: []].append(annotation)
        }

        var samples: [LabeledImage] = []
        for (entry, size) in zip(entries, sizes) {
            guard let size else { continue }
            if let width = entry.image.width, let height = entry.image.height,
                width != size.width || height != size.height
            {
                try collector.report(
                    json,
                    "image id \(entry.image.id): the listed size \(width)x\(height) differs from the image's "
                        + "\(size.width)x\(size.height)", .usedDecodedSize)
            }
            var boxes: [LabeledBox] = []
            for annotation in annotationsByImage[entry.image.id] ?? [] {
                let label = "annotation \(annotation.id.map(String.init) ?? "?") ('\(entry.image.fileName)')"
                guard let classID = classOfCategory[annotation.categoryId] else {
                    try collector.report(json, "\(label): category \(annotation.categoryId) is unknown", .droppedBox)
                    continue
                }
                guard annotation.bbox.count == 4 else {
                    try collector.report(
                        json, "\(label): bbox has \(annotation.bbox.count) numbers, not 4", .droppedBox)
                    continue
                }
                let bbox = annotation.bbox.map { Float($0) }
                guard bbox[2] > 0, bbox[3] > 0 else {
                    try collector.report(
                        json, "\(label): the box size \(bbox[2]) x \(bbox[3]) is not positive", .droppedBox)
                    continue
                }
                let outcome = BoxCheck.check(
                    x1: bbox[0], y1: bbox[1], x2: bbox[0] + bbox[2], y2: bbox[1] + bbox[3], width: Float(size.width),
                    height: Float(size.height), slack: 1)
                switch outcome {
                case .valid(let x1, let y1, let x2, let y2):
                    boxes.append(
                        LabeledBox(
                            classID: classID, x1: x1, y1: y1, x2: x2, y2: y2, isDifficult: annotation.iscrowd == 1))
                case .invalid(let reason):
                    try collector.report(json, "\(label): \(reason)", .droppedBox)
                }
            }
            samples.append(LabeledImage(imagePath: entry.path, width: size.width, height: size.height, boxes: boxes))
        }
        return (classNames, samples)
    }
}
