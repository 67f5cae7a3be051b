/// A labelled detection dataset split: images with boxes in source pixels, class names, and the label issues met
/// while loading.
///
/// ```swift
/// let train = try DetectionDataset.load(data: "/data/BCCD", split: "train")
/// print(train.summary)  // voc 'train' of /data/BCCD: 205 images (0 background), 3 classes, ...
/// for issue in train.issues { print(issue) }
/// ```
///
/// Three layouts are read, recognised from `data`:
/// - a YOLO (Ultralytics/YOLOv7) `data.yaml`, or a directory holding one;
/// - a Pascal VOC root: a directory with `Annotations/`, `JPEGImages/` and `ImageSets/Main/<split>.txt`;
/// - a COCO JSON file (`.json`).
///
/// ``load(data:split:badLabels:classNames:workers:)`` documents each layout's rules.
///
/// Every image is decoded once while loading (with ``Stream/ImageLoader``, the daemon's FFmpeg code): YOLO labels
/// need the size to become pixels, and an image that does not decode is better found now than mid-training.
public struct DetectionDataset: Sendable {
    /// The layout a dataset was read from.
    public enum Format: String, Hashable, Sendable {
        /// An Ultralytics/YOLOv7 `data.yaml` with `images/` and `labels/` trees.
        case yolo
        /// A Pascal VOC directory tree with XML annotations.
        case voc
        /// A COCO `instances` JSON file.
        case coco
    }

    /// The layout the dataset was read from.
    public let format: Format
    /// The `data` argument the dataset was loaded from.
    public let source: String
    /// The split loaded ("train", "val", ...); for COCO, the argument as given (it is not used).
    public let split: String
    /// The class names; a box's ``LabeledBox/classID`` indexes this array.
    public let classNames: [String]
    /// The usable images, in split order (list file, sorted directory listing, VOC split file or COCO `images`).
    public let samples: [LabeledImage]
    /// The problems met while loading, in the order found; empty under ``BadLabelPolicy/fail``.
    public let issues: [LabelIssue]

    /// A dataset from its parts, for tools and tests that build one in memory.
    public init(
        format: Format, source: String, split: String, classNames: [String], samples: [LabeledImage],
        issues: [LabelIssue] = []
    ) {
        self.format = format
        self.source = source
        self.split = split
        self.classNames = classNames
        self.samples = samples
        self.issues = issues
    }

    /// One line describing the dataset: layout, split, source, counts of images, background images, classes,
    /// boxes, difficult boxes and issues.
    public var summary: String {
        let boxes = samples.reduce(0) { $0 + $1.boxes.count }
        let difficult = samples.reduce(0) { $0 + $1.boxes.filter(\.isDifficult).count }
        let background = samples.filter(\.boxes.isEmpty).count
        return "\(format.rawValue) '\(split)' of \(source): \(samples.count) images (\(background) background), "
            + "\(classNames.count) classes, \(boxes) boxes (\(difficult) difficult), \(issues.count) issues"
    }

    /// Loads split `split` of the dataset described by `data`, recognising its layout.
    ///
    /// - `data` ending in `.yaml`/`.yml`, or a directory holding `data.yaml`: a YOLO dataset. Keys: `path`
    ///   (optional root, relative to the YAML's directory), `train`/`val`/`test` (each a directory searched
    ///   recursively for images, a `.txt` list of image paths relative to the list's directory, or a list of
    ///   either; relative to `path`, else to the YAML's directory), `nc` and `names` (flow list, block list or
    ///   map `0: name`). The label of `.../images/x.jpg` is `.../labels/x.txt` (the last `/images/` replaced),
    ///   with lines `class cx cy w h` normalised to 0...1.
    /// - A directory with `Annotations/`, `JPEGImages/` and `ImageSets/Main/`: Pascal VOC. The split lists ids;
    ///   `Annotations/<id>.xml` describes `JPEGImages/<id>.jpg` (or the XML's `<filename>`). Class names are every
    ///   `<name>` in every XML of `Annotations/`, sorted, unless `classNames` is given. VOC corners are 1-based
    ///   inclusive pixel indices; a box becomes `[xmin - 1, xmax] x [ymin - 1, ymax]` in continuous pixels (as
    ///   Detectron2 reads VOC). `<difficult>1` marks the box ``LabeledBox/isDifficult``.
    /// - A `.json` file: COCO. `split` is ignored (a COCO file is one split). Categories become class indices in
    ///   ascending id order (or, with `classNames`, are looked up by name); `bbox` is `[x, y, w, h]` in pixels;
    ///   `iscrowd` 1 marks the box difficult. `file_name` is looked up in the JSON's directory, its `images/`, its
    ///   parent and the parent's `images/`, in that order. Images without annotations are background images and
    ///   not issues.
    ///
    /// Each label is checked: a malformed line or box (field count, a non-number, NaN, a size <= 0), a box
    /// outside the image by more than 1 pixel (1e-3 normalised; within that slack it is clipped), an unknown
    /// class, a missing or empty label file, a missing or undecodable image, an XML without a size, an
    /// annotated size that differs from the decoded one. See ``BadLabelPolicy`` for what happens then.
    ///
    /// - Parameters:
    ///   - data: the data description: a YAML file or a directory holding `data.yaml`, a VOC root, a COCO JSON.
    ///   - split: the split to load.
    ///   - badLabels: whether bad labels are recorded and skipped or stop the load.
    ///   - classNames: the class list to use instead of the one derived from the data (VOC, COCO: looked up by
    ///     name; YOLO: replaces `names`, and ids must be below its count).
    ///   - workers: how many threads decode images.
    /// - Throws: ``DatasetError/notFound(path:)``, ``DatasetError/unknownFormat(path:reason:)``,
    ///   ``DatasetError/splitNotFound(split:path:reason:)``, ``DatasetError/invalidDescription(path:line:reason:)``,
    ///   ``DatasetError/unreadable(path:reason:)``, or ``DatasetError/badLabel(file:line:reason:)`` under
    ///   ``BadLabelPolicy/fail``.
    public static func load(
        data: String, split: String, badLabels: BadLabelPolicy = .skip, classNames: [String]? = nil,
        workers: Int = 2
    ) throws(DatasetError) -> DetectionDataset {
        var collector = LabelCollector(policy: badLabels)
        let format = try detectFormat(data)
        let loaded: (classNames: [String], samples: [LabeledImage])
        switch format {
        case .yolo(let yaml):
            loaded = try loadYOLO(yaml: yaml, split: split, classNames: classNames, workers: workers, &collector)
        case .voc:
            loaded = try loadVOC(root: data, split: split, classNames: classNames, workers: workers, &collector)
        case .coco:
            loaded = try loadCOCO(json: data, classNames: classNames, workers: workers, &collector)
        }
        return DetectionDataset(
            format: format.format, source: data, split: split, classNames: loaded.classNames,
            samples: loaded.samples, issues: collector.issues)
    }

    /// The layout of `data`, found from what is on disk.
    private enum DetectedFormat {
        /// A YOLO dataset described by the YAML file at the associated path.
        case yolo(String)
        /// A Pascal VOC root.
        case voc
        /// A COCO JSON file.
        case coco

        /// The public format.
        var format: Format {
            switch self {
            case .yolo: .yolo
            case .voc: .voc
            case .coco: .coco
            }
        }
    }

    /// Recognises the layout of `data`.
    private static func detectFormat(_ data: String) throws(DatasetError) -> DetectedFormat {
        if PathNames.isDirectory(data) {
            let voc = ["Annotations", "JPEGImages", "ImageSets/Main"]
            if voc.allSatisfy({ PathNames.isDirectory(PathNames.resolve($0, against: data)) }) {
                return .voc
            }
            for name in ["data.yaml", "data.yml"] where PathNames.isFile(PathNames.resolve(name, against: data)) {
                return .yolo(PathNames.resolve(name, against: data))
            }
            throw .unknownFormat(
                path: data,
                reason: "a directory with neither Annotations/, JPEGImages/ and ImageSets/Main/ (Pascal VOC) "
                    + "nor data.yaml (YOLO)")
        }
        guard PathNames.isFile(data) else { throw .notFound(path: data) }
        let lowercased = data.lowercased()
        if lowercased.hasSuffix(".yaml") || lowercased.hasSuffix(".yml") { return .yolo(data) }
        if lowercased.hasSuffix(".json") { return .coco }
        throw .unknownFormat(path: data, reason: "a file that is neither .yaml/.yml (YOLO) nor .json (COCO)")
    }

    /// Records an issue for each image that failed to decode and returns the sizes by image (nil for those).
    static func decodedSizes(
        of paths: [String], workers: Int, _ collector: inout LabelCollector
    ) throws(DatasetError) -> [ImageProbe.Size?] {
        var sizes: [ImageProbe.Size?] = []
        for (path, result) in zip(paths, ImageProbe.sizes(of: paths, workers: workers)) {
            switch result {
            case .success(let size):
                sizes.append(size)
            case .failure(let error):
                try collector.report(path, "the image does not decode: \(error)", .droppedImage)
                sizes.append(nil)
            }
        }
        return sizes
    }
}
