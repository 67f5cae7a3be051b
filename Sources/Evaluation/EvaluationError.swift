/// The errors of the Evaluation library.
public enum EvaluationError: Error, Sendable, Hashable {
    /// A number to write as JSON is NaN or infinite, which JSON cannot represent; `field` names it.
    case nonFiniteNumber(field: String)
    /// A ground-truth box refers to an image that is not in the list of images being written.
    case unknownImage(imageID: Int)
    /// A ground-truth box refers to a class that has no name in the list of class names being written.
    case unknownClass(classID: Int)
    /// A file could not be written; `reason` is the failing step with the system's error text.
    case unwritableFile(path: String, reason: String)
}
