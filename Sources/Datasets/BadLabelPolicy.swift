/// What loading does with a label it cannot use: a malformed line, a box outside the image, an unknown class, a
/// missing label file or image.
public enum BadLabelPolicy: Sendable, Hashable {
    /// Records a ``LabelIssue``, drops the bad box (or image) and goes on. An image whose label file is missing or
    /// empty stays as a background image; an image that cannot be read is dropped.
    case skip
    /// Throws ``DatasetError/badLabel(file:line:reason:)`` for the first issue.
    case fail
}
