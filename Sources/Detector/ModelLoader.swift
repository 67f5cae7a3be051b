import Foundation
import Torch

/// Loads a YOLOv7-family model from any weights file detectd reads: an upstream release `.pt` (a pickled
/// module), a plain `state_dict` `.pt`, or a detectd safetensors model file with its metadata.
///
/// The architecture, class count and anchors come from the file: metadata where present (detectd's own, or the
/// `yaml` that upstream pickles with its models), otherwise the tensors' names and shapes.
public enum ModelLoader {
    /// A model read from disk, with its description.
    public struct Loaded {
        /// The model in inference mode (BatchNorm uses running statistics).
        public let model: YOLOModel
        /// What the file says about it.
        public let info: ModelInfo
    }

    /// Reads `path` and builds the model it holds.
    ///
    /// - Parameter classNames: names to use instead of the file's (their count must match the head).
    public static func load(path: String, classNames: [String]? = nil) throws(DetectorError) -> Loaded {
        let file: WeightsFile
        do {
            file = try WeightsFile.read(path: path, halfToFloat: true)
        } catch {
            throw .weights(error)
        }
        return try load(file, classNames: classNames)
    }

    /// Builds the model held by an already-read weights file.
    public static func load(_ file: WeightsFile, classNames: [String]? = nil) throws(DetectorError) -> Loaded {
        let fail = { (reason: String) in DetectorError.incompatibleWeights(path: file.path, reason: reason) }
        var byName: [String: StoredTensor] = [:]
        for tensor in file.tensors {
            byName[tensor.name] = tensor
        }
        guard let first = byName["model.0.conv.weight"], first.shape.count == 4 else {
            throw fail("no 'model.0.conv.weight' of rank 4: this is not a YOLOv7-family state_dict")
        }
        let headIndex = file.tensors.compactMap { tensor -> Int? in
            guard tensor.name.hasSuffix(".m.0.weight") else { return nil }
            return Int(tensor.name.dropFirst("model.".count).prefix { $0 != "." })
        }.max()
        guard let headIndex, let headWeight = byName["model.\(headIndex).m.0.weight"], headWeight.shape.count == 4
        else {
            throw fail("no detection head ('model.N.m.0.weight') found")
        }
        let perLevel = headWeight.shape[0]
        guard perLevel % 3 == 0, perLevel / 3 > 5 else {
            throw fail("head 'model.\(headIndex).m.0.weight' has \(perLevel) outputs, not 3 x (5 + classes)")
        }
        let classCount = perLevel / 3 - 5

        let settings = Settings(metadata: file.metadata)
        let family: Architecture.Family =
            settings.family ?? (file.tensors.contains { $0.name.contains(".rbr_dense.") } ? .full : .tiny)
        let width = settings.width ?? Double(first.shape[0]) / 32
        let architecture = try architecture(family, width: width, depth: settings.depth, layerCount: headIndex + 1)
        guard let architecture else {
            throw fail("no \(family.rawValue) of width \(width) has its head at layer \(headIndex)")
        }
        let anchors = try anchors(in: byName, headIndex: headIndex, strides: architecture.strides) ?? settings.anchors
        let names = classNames ?? settings.names ?? (0..<classCount).map { "class\($0)" }
        guard names.count == classCount else {
            throw fail("\(names.count) class names given for a head of \(classCount) classes")
        }
        let info = ModelInfo(
            architecture: architecture, classNames: names, anchors: anchors ?? architecture.defaultAnchors,
            inputSize: settings.inputSize, provenance: settings.provenance ?? file.path)

        let model: YOLOModel
        do {
            model = try YOLOModel(architecture: architecture, classCount: classCount, anchors: info.anchorPairs)
            var tensors: [String: Tensor] = [:]
            for (name, stored) in byName {
                tensors[name] = try Tensor(stored)
            }
            try model.loadStateDict(tensors)
        } catch .invalidArgument(let reason) {
            throw fail(reason)
        } catch {
            throw .backend(error)
        }
        model.setTraining(false)
        return Loaded(model: model, info: info)
    }

    /// The architecture of `family` and `width` whose head sits at `layerCount - 1`, trying `depth` first.
    private static func architecture(_ family: Architecture.Family, width: Double, depth: Double?, layerCount: Int)
        throws(DetectorError) -> Architecture?
    {
        let preferred = depth ?? 1
        let candidates = [preferred] + [1, 0.5, 0.25, 0.75, 1.5, 2, 3].filter { $0 != preferred }
        return candidates.lazy.map { Architecture(family, width: width, depth: $0) }
            .first { $0.layers.count == layerCount }
    }

    /// The anchors stored in the head: `anchor_grid` in pixels, or `anchors` in strides.
    private static func anchors(in tensors: [String: StoredTensor], headIndex: Int, strides: [Int])
        throws(DetectorError) -> [[(Float, Float)]]?
    {
        do {
            if let grid = tensors["model.\(headIndex).anchor_grid"], grid.elementCount == strides.count * 3 * 2 {
                let values = try Tensor(grid).floats()
                return (0..<strides.count).map { level in
                    (0..<3).map { (values[level * 6 + $0 * 2], values[level * 6 + $0 * 2 + 1]) }
                }
            }
            if let scaled = tensors["model.\(headIndex).anchors"], scaled.elementCount == strides.count * 3 * 2 {
                let values = try Tensor(scaled).floats()
                return (0..<strides.count).map { level in
                    let stride = Float(strides[level])
                    return (0..<3).map {
                        (values[level * 6 + $0 * 2] * stride, values[level * 6 + $0 * 2 + 1] * stride)
                    }
                }
            }
        } catch {
            throw .backend(error)
        }
        return nil
    }
}

/// The model facts found in a file's metadata: detectd's own keys, or upstream's pickled `yaml`.
private struct Settings {
    var family: Architecture.Family?
    var width: Double?
    var depth: Double?
    var names: [String]?
    var anchors: [[(Float, Float)]]?
    var inputSize: Int?
    var provenance: String?

    init(metadata: [String: String]) {
        var source = metadata
        if let yaml = metadata["yaml"], let object = Self.json(yaml) as? [String: Any] {
            for (key, value) in object where source[key] == nil {
                if let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed]) {
                    source[key] = String(decoding: data, as: UTF8.self)
                }
            }
        }
        family = source["architecture"].flatMap(Architecture.Family.init(rawValue:))
        width = source["width_multiple"].flatMap(Double.init)
        depth = source["depth_multiple"].flatMap(Double.init)
        names = source["names"].flatMap { Self.json($0) as? [String] }
        if let rows = source["anchors"].flatMap({ Self.json($0) as? [[Double]] }) {
            anchors = rows.map { row in
                stride(from: 0, to: row.count - 1, by: 2).map { (Float(row[$0]), Float(row[$0 + 1])) }
            }
        }
        inputSize = source["imgsz"].flatMap { Int($0) }
        provenance = source["provenance"]
    }

    private static func json(_ text: String) -> Any? {
        try? JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
    }
}
