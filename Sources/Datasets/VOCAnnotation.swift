import Foundation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The parts of a Pascal VOC annotation file that describe boxes, read with Foundation's `XMLParser`.
///
/// Only direct children are read (`annotation/object/name`, `annotation/object/bndbox/xmin`, ...), so that the
/// `<part>` boxes of VOC's person layout are not mistaken for objects. Values are kept as text; the loader checks
/// them and reports what is wrong.
struct VOCAnnotation: Sendable {
    /// One `<object>`.
    struct Object: Sendable {
        /// The class name, trimmed; nil when missing.
        var name: String?
        /// Whether `<difficult>` is 1.
        var isDifficult = false
        /// The `<bndbox>` corners as text (`xmin`, `ymin`, `xmax`, `ymax`); a missing one is absent.
        var corners: [String: String] = [:]
    }

    /// The `<filename>`, when given.
    var filename: String?
    /// `<size><width>` as text, when given.
    var width: String?
    /// `<size><height>` as text, when given.
    var height: String?
    /// The objects in file order.
    var objects: [Object] = []

    /// Parses the file at `path`; the error is the parser's message with its line.
    static func read(_ path: String) -> Result<VOCAnnotation, DatasetError> {
        guard let data = FileManager.default.contents(atPath: path) else {
            return .failure(.unreadable(path: path, reason: "cannot open the file"))
        }
        let parser = XMLParser(data: data)
        let reader = Reader()
        parser.delegate = reader
        guard parser.parse() else {
            let reason = parser.parserError.map { "\($0.localizedDescription)" } ?? "malformed XML"
            return .failure(.invalidDescription(path: path, line: parser.lineNumber, reason: reason))
        }
        return .success(reader.annotation)
    }

    /// The `XMLParser` delegate that fills an annotation from the element path and text.
    private final class Reader: NSObject, XMLParserDelegate {
        /// The annotation read so far.
        var annotation = VOCAnnotation()
        /// The open elements, outermost first.
        private var path: [String] = []
        /// The text of the innermost open element.
        private var text = ""

        func parser(
            _ parser: XMLParser, didStartElement elementName: String, namespaceURI: String?,
            qualifiedName: String?, attributes: [String: String] = [:]
        ) {
            path.append(elementName)
            text = ""
            if path == ["annotation", "object"] { annotation.objects.append(Object()) }
        }

        func parser(_ parser: XMLParser, foundCharacters string: String) {
            text += string
        }

        func parser(
            _ parser: XMLParser, didEndElement elementName: String, namespaceURI: String?, qualifiedName: String?
        ) {
            let value = text.trimmingWhitespace()
            switch path {
            case ["annotation", "filename"]:
                annotation.filename = value
            case ["annotation", "size", "width"]:
                annotation.width = value
            case ["annotation", "size", "height"]:
                annotation.height = value
            case ["annotation", "object", "name"]:
                annotation.objects[annotation.objects.count - 1].name = value
            case ["annotation", "object", "difficult"]:
                annotation.objects[annotation.objects.count - 1].isDifficult = value == "1"
            case ["annotation", "object", "bndbox", path.last ?? ""]:
                annotation.objects[annotation.objects.count - 1].corners[elementName] = value
            default:
                break
            }
            path.removeLast()
            text = ""
        }
    }
}
