/// Writers of the two COCO JSON files that pycocotools and other COCO tools read: detection results and
/// ground truth.
///
/// Boxes are written as COCO's `[x, y, w, h]` with `w = x2 - x1` and `h = y2 - y1`, the conversion
/// `COCOEvaluator` makes too. Numbers are written with Swift's shortest round-tripping representation, so a
/// reader gets back exactly the `Double`s given here. Files are replaced atomically.
public enum COCOJSON {
    /// The text of a COCO results file: an array of `{"image_id", "category_id", "bbox", "score"}` objects in the
    /// order of `detections`, one per line, with the class index as `category_id`.
    ///
    /// - Parameter imageID: the file's `image_id` for a detection's `imageID`; the number itself by default.
    /// - Throws: `EvaluationError.nonFiniteNumber` when a score or coordinate is NaN or infinite.
    public static func resultsText(
        _ detections: [ScoredDetection], imageID: (Int) -> COCOImageID = { .number($0) }
    ) throws(EvaluationError) -> String {
        var lines: [String] = []
        lines.reserveCapacity(detections.count)
        for detection in detections {
            let box = try bboxText(x1: detection.x1, y1: detection.y1, x2: detection.x2, y2: detection.y2)
            lines.append(
                "{\"image_id\":\(idText(imageID(detection.imageID))),\"category_id\":\(detection.classID),"
                    + "\"bbox\":\(box),\"score\":\(try numberText(detection.score, field: "score"))}")
        }
        return lines.isEmpty ? "[]\n" : "[\n" + lines.joined(separator: ",\n") + "\n]\n"
    }

    /// Writes `resultsText(detections, imageID:)` to `path`, atomically.
    ///
    /// - Throws: `EvaluationError.nonFiniteNumber` as `resultsText`, `.unwritableFile` when the file cannot be
    ///   written.
    public static func writeResults(
        _ detections: [ScoredDetection], imageID: (Int) -> COCOImageID = { .number($0) }, to path: String
    ) throws(EvaluationError) {
        try AtomicFile.write(try resultsText(detections, imageID: imageID), to: path)
    }

    /// The text of a COCO ground-truth file with `images`, one annotation per box of `boxes` and one category per
    /// name of `classNames` (the class index is the category `id`).
    ///
    /// Annotations get the ids 1, 2, ... in the order of `boxes` (pycocotools treats id 0 as "no match"), an
    /// `area` of `w * h` and `iscrowd` 0 or 1.
    ///
    /// - Throws: `EvaluationError.unknownImage` or `.unknownClass` when a box refers to an image not in `images`
    ///   or to a class without a name, `.nonFiniteNumber` when a coordinate is NaN or infinite.
    public static func groundTruthText(
        images: [COCOImage], boxes: [GroundTruthBox], classNames: [String]
    ) throws(EvaluationError) -> String {
        var cocoIDs: [Int: COCOImageID] = [:]
        for image in images { cocoIDs[image.imageID] = image.cocoID }

        let imageLines = images.map { image in
            "{\"id\":\(idText(image.cocoID)),\"width\":\(image.width),\"height\":\(image.height),"
                + "\"file_name\":\(quoted(image.fileName))}"
        }
        var annotationLines: [String] = []
        annotationLines.reserveCapacity(boxes.count)
        for (index, box) in boxes.enumerated() {
            guard let cocoID = cocoIDs[box.imageID] else { throw .unknownImage(imageID: box.imageID) }
            guard classNames.indices.contains(box.classID) else { throw .unknownClass(classID: box.classID) }
            let area = (box.x2 - box.x1) * (box.y2 - box.y1)
            annotationLines.append(
                "{\"id\":\(index + 1),\"image_id\":\(idText(cocoID)),\"category_id\":\(box.classID),"
                    + "\"bbox\":\(try bboxText(x1: box.x1, y1: box.y1, x2: box.x2, y2: box.y2)),"
                    + "\"area\":\(try numberText(area, field: "area")),\"iscrowd\":\(box.isCrowd ? 1 : 0)}")
        }
        let categoryLines = classNames.enumerated().map { "{\"id\":\($0),\"name\":\(quoted($1))}" }
        return "{\n\"images\":" + array(imageLines) + ",\n\"annotations\":" + array(annotationLines)
            + ",\n\"categories\":" + array(categoryLines) + "\n}\n"
    }

    /// Writes `groundTruthText(images:boxes:classNames:)` to `path`, atomically.
    ///
    /// - Throws: the errors of `groundTruthText`, and `EvaluationError.unwritableFile` when the file cannot be
    ///   written.
    public static func writeGroundTruth(
        images: [COCOImage], boxes: [GroundTruthBox], classNames: [String], to path: String
    ) throws(EvaluationError) {
        try AtomicFile.write(try groundTruthText(images: images, boxes: boxes, classNames: classNames), to: path)
    }

    /// A JSON array of already formatted elements, one per line.
    private static func array(_ elements: [String]) -> String {
        elements.isEmpty ? "[]" : "[\n" + elements.joined(separator: ",\n") + "\n]"
    }

    /// COCO's `[x, y, w, h]` for a box given by its corners.
    private static func bboxText(x1: Double, y1: Double, x2: Double, y2: Double) throws(EvaluationError) -> String {
        let values = [x1, y1, x2 - x1, y2 - y1]
        var parts: [String] = []
        for value in values { parts.append(try numberText(value, field: "bbox")) }
        return "[" + parts.joined(separator: ",") + "]"
    }

    /// `value` in its shortest form that reads back as the same `Double` (Swift's `description`, which is valid
    /// JSON for every finite value).
    private static func numberText(_ value: Double, field: String) throws(EvaluationError) -> String {
        guard value.isFinite else { throw .nonFiniteNumber(field: field) }
        return value.description
    }

    /// An image id as a JSON number or string.
    private static func idText(_ id: COCOImageID) -> String {
        switch id {
        case .number(let number): "\(number)"
        case .name(let name): quoted(name)
        }
    }

    /// `text` as a JSON string literal.
    static func quoted(_ text: String) -> String {
        var output = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output + "\""
    }
}
