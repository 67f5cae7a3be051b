/// A problem found while loading labels, and what loading did about it (under ``BadLabelPolicy/skip``).
public struct LabelIssue: Hashable, Sendable, CustomStringConvertible {
    /// What loading did about an issue.
    public enum Action: String, Hashable, Sendable {
        /// The box (or label line) was left out; the image stays.
        case droppedBox = "dropped the box"
        /// The image was kept with no boxes, as a background image.
        case keptAsBackground = "kept the image as background"
        /// The image was left out of the dataset.
        case droppedImage = "dropped the image"
        /// The annotation's image size disagreed with the decoded image; the decoded size was used.
        case usedDecodedSize = "used the decoded image size"
    }

    /// The file at fault: a label file, an XML or JSON annotation file, or an image.
    public var file: String
    /// The 1-based line in ``file``, nil when the file is not line-based (XML, JSON, images).
    public var line: Int?
    /// What is wrong, in words, naming the value at fault.
    public var reason: String
    /// What loading did about it.
    public var action: Action

    /// An issue from its parts.
    public init(file: String, line: Int?, reason: String, action: Action) {
        self.file = file
        self.line = line
        self.reason = reason
        self.action = action
    }

    /// `file:line: reason (action)`.
    public var description: String {
        "\(DatasetError.location(file, line)): \(reason) (\(action.rawValue))"
    }
}
