/// Everything that can go wrong in the Datasets library: finding, reading and validating a labelled dataset, and
/// decoding its images.
///
/// Cases name the file they concern, so that a training run stopped by bad data says where to look.
public enum DatasetError: Error, Equatable, Sendable {
    /// Nothing exists at `path`, the data description (a data.yaml, a VOC root or a COCO JSON file) given.
    case notFound(path: String)
    /// `path` exists but is none of the known layouts; `reason` says what was looked for.
    case unknownFormat(path: String, reason: String)
    /// A file exists but could not be read (permissions, not UTF-8, a directory where a file was expected).
    case unreadable(path: String, reason: String)
    /// The data description itself is malformed: a YAML line this reader does not understand, a missing key,
    /// JSON that does not parse, `nc` disagreeing with `names`. `line` is 1-based, nil when not line-based.
    case invalidDescription(path: String, line: Int?, reason: String)
    /// The requested split is not defined, or the directory or list file it names does not exist.
    case splitNotFound(split: String, path: String, reason: String)
    /// A label problem under ``BadLabelPolicy/fail``: the first issue found, with its file and 1-based line (nil
    /// for XML and JSON annotations).
    case badLabel(file: String, line: Int?, reason: String)
    /// An image that FFmpeg cannot decode, met after loading (when caching or letterboxing).
    case imageUnreadable(path: String, reason: String)
    /// No sample is left to train or evaluate on; `reason` says which dataset.
    case emptyDataset(reason: String)
}

extension DatasetError: CustomStringConvertible {
    /// A one-line message naming the file and the problem.
    public var description: String {
        switch self {
        case .notFound(let path):
            "no dataset at '\(path)': no such file or directory"
        case .unknownFormat(let path, let reason):
            "'\(path)' is not a dataset this library reads: \(reason)"
        case .unreadable(let path, let reason):
            "cannot read '\(path)': \(reason)"
        case .invalidDescription(let path, let line, let reason):
            "\(Self.location(path, line)): \(reason)"
        case .splitNotFound(let split, let path, let reason):
            "split '\(split)' of '\(path)': \(reason)"
        case .badLabel(let file, let line, let reason):
            "bad label at \(Self.location(file, line)): \(reason)"
        case .imageUnreadable(let path, let reason):
            "cannot decode image '\(path)': \(reason)"
        case .emptyDataset(let reason):
            "empty dataset: \(reason)"
        }
    }

    /// `file:line`, or the file alone without a line.
    static func location(_ file: String, _ line: Int?) -> String {
        line.map { "\(file):\($0)" } ?? file
    }
}
