import Foundation
import Torch

/// What a model file says about its model beyond the tensors: the architecture, classes, head geometry and
/// where it came from. Stored as safetensors metadata (all values text, JSON where structured).
public struct ModelInfo: Sendable, Equatable {
    /// The layer graph (family, width, depth).
    public var architecture: Architecture
    /// One name per class.
    public var classNames: [String]
    /// Anchors per level, (width, height) in input pixels.
    public var anchors: [[Anchor]]
    /// The input size the model was trained at (the long side), if known.
    public var inputSize: Int?
    /// Free text: where the weights came from (a file, a training run).
    public var provenance: String

    /// An anchor's size in input pixels.
    public struct Anchor: Sendable, Equatable {
        /// Width in pixels.
        public var width: Float
        /// Height in pixels.
        public var height: Float

        /// Creates an anchor.
        public init(width: Float, height: Float) {
            self.width = width
            self.height = height
        }
    }

    /// The number of classes.
    public var classCount: Int { classNames.count }

    /// Anchors as tuples, as `YOLOModel` takes them.
    public var anchorPairs: [[(Float, Float)]] { anchors.map { $0.map { ($0.width, $0.height) } } }

    /// Creates a description.
    public init(
        architecture: Architecture, classNames: [String], anchors: [[(Float, Float)]], inputSize: Int?,
        provenance: String
    ) {
        self.architecture = architecture
        self.classNames = classNames
        self.anchors = anchors.map { $0.map { Anchor(width: $0.0, height: $0.1) } }
        self.inputSize = inputSize
        self.provenance = provenance
    }

    /// The safetensors metadata that records this description.
    public var metadata: [String: String] {
        var result = [
            "format": "detectd-model",
            "format_version": "1",
            "architecture": architecture.family.rawValue,
            "width_multiple": String(architecture.width),
            "depth_multiple": String(architecture.depth),
            "nc": String(classCount),
            "names": Self.json(classNames),
            "anchors": Self.json(anchors.map { $0.flatMap { [Double($0.width), Double($0.height)] } }),
            "strides": Self.json(architecture.strides),
            "provenance": provenance,
        ]
        if let inputSize { result["imgsz"] = String(inputSize) }
        return result
    }

    private static func json(_ value: Any) -> String {
        guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.withoutEscapingSlashes]) else {
            return "[]"
        }
        return String(decoding: data, as: UTF8.self)
    }
}
