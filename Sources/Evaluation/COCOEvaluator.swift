/// COCO-style box evaluation in pure Swift, reproducing pycocotools' `COCOeval` with `iouType="bbox"` and default
/// parameters: IoU thresholds 0.50:0.05:0.95, 101 recall points, area range "all", at most 100 detections per
/// image and class.
///
/// For every class and image, detections are ranked by descending score (ties keep their input order) and cut
/// to `maximumDetections`; crowd ground truth is ranked after the rest. Each detection in turn, at each IoU
/// threshold, takes the free ground-truth box it overlaps most, preferring boxes that count over crowd boxes.
/// Overlap is COCO's: intersection over union of `w * h` areas, but intersection over the detection's area for a
/// crowd box. A detection matched to a crowd box is ignored, and a crowd box can absorb any number of
/// detections. Per class, the detections of all images (in ascending image order) are ranked again by score with
/// a stable sort, giving cumulative precision and recall; precision is made non-increasing from the right and
/// read at each recall threshold at the first rank that reaches it. A class without ground truth that counts
/// has no AP (COCO's -1) and is left out of the means.
///
/// The operating point, as YOLO training reports precision and recall: at IoU 0.5, for a score threshold `s`,
/// a class keeps its ranked detections with score >= `s` that are not ignored; its precision is true positives
/// over kept detections (0 when none is kept), its recall true positives over its ground-truth count, and its F1
/// `2PR / (P + R)` (0 when both are 0). The chosen `s` is the detection score that maximises the mean F1 over the
/// classes with ground truth, the highest such score on ties; overall precision and recall are the means over
/// the same classes at that `s`. Unlike upstream YOLO there is no interpolation on a confidence grid and no
/// smoothing of the F1 curve: the threshold is one of the detection scores and the numbers are exact counts.
///
/// Only images in `imageIDs` and classes in `classIDs` take part; boxes and detections of others are ignored.
public struct COCOEvaluator: Sendable {
    /// The IoU thresholds 0.50, 0.55, ..., 0.95, computed like numpy's `linspace` so that they equal
    /// pycocotools' bit for bit.
    public static let iouThresholds = evenlySpaced(from: 0.5, through: 0.95, count: 10)
    /// The recall points 0.00, 0.01, ..., 1.00 at which precision is read, bit for bit those of pycocotools.
    public static let recallThresholds = evenlySpaced(from: 0, through: 1, count: 101)
    /// The number of best-scored detections per image and class that are evaluated (COCO's `maxDets`).
    public static let maximumDetections = 100
    /// The index of IoU 0.75 in `iouThresholds`.
    static let iou75Index = 5

    /// The evaluated images, ascending and without repetition.
    public let imageIDs: [Int]
    /// The evaluated classes, ascending and without repetition.
    public let classIDs: [Int]
    /// The ground truth of the evaluated images and classes, in input order per image and class.
    private let groundTruth: [ImageClass: [TruthBox]]

    /// Prepares an evaluation against `groundTruth` on the images `imageIDs` for the classes `classIDs`.
    ///
    /// Images without any ground truth still count: detections on them are false positives.
    public init(groundTruth: [GroundTruthBox], imageIDs: [Int], classIDs: [Int]) {
        self.imageIDs = Array(Set(imageIDs)).sorted()
        self.classIDs = Array(Set(classIDs)).sorted()
        var grouped: [ImageClass: [TruthBox]] = [:]
        let isEvaluatedImage = Set(imageIDs)
        let isEvaluatedClass = Set(classIDs)
        for box in groundTruth where isEvaluatedImage.contains(box.imageID) && isEvaluatedClass.contains(box.classID) {
            grouped[ImageClass(imageID: box.imageID, classID: box.classID), default: []].append(TruthBox(box))
        }
        self.groundTruth = grouped
    }

    /// Evaluates `detections` against the ground truth.
    ///
    /// Detections on other images or classes than the evaluated ones are ignored. Equal scores are ranked in the
    /// order of `detections`, which is what pycocotools does with the same list as a results file.
    public func evaluate(_ detections: [ScoredDetection]) -> DetectionMetrics {
        var candidates: [ImageClass: [Candidate]] = [:]
        for detection in detections {
            candidates[ImageClass(imageID: detection.imageID, classID: detection.classID), default: []]
                .append(Candidate(detection))
        }

        let accumulations = classIDs.map { classID in
            let images = imageIDs.compactMap { imageID -> ImageEvaluation? in
                let key = ImageClass(imageID: imageID, classID: classID)
                let truth = groundTruth[key] ?? []
                let found = candidates[key] ?? []
                guard !truth.isEmpty || !found.isEmpty else { return nil }
                return Self.evaluateImage(groundTruth: truth, detections: found)
            }
            return ClassAccumulation(images)
        }
        let operatingPoint = OperatingPoint(best: accumulations)

        var classes: [ClassMetrics] = []
        for (slot, classID) in classIDs.enumerated() {
            guard let accumulation = accumulations[slot] else {
                classes.append(
                    ClassMetrics(
                        classID: classID, groundTruthCount: 0, ap50_95: nil, ap50: nil, ap75: nil, precision: nil,
                        recall: nil, f1: nil, interpolatedPrecision: nil))
                continue
            }
            let table = accumulation.interpolatedPrecision
            let counts = operatingPoint.counts[slot]
            classes.append(
                ClassMetrics(
                    classID: classID, groundTruthCount: accumulation.groundTruthCount,
                    ap50_95: mean(table.joined()), ap50: mean(table[0]), ap75: mean(table[Self.iou75Index]),
                    precision: counts.precision, recall: counts.recall, f1: counts.f1, interpolatedPrecision: table))
        }
        let counted = classes.filter { $0.interpolatedPrecision != nil }
        return DetectionMetrics(
            mAP50_95: mean(counted.compactMap(\.ap50_95)) ?? -1, mAP50: mean(counted.compactMap(\.ap50)) ?? -1,
            mAP75: mean(counted.compactMap(\.ap75)) ?? -1, precision: mean(counted.compactMap(\.precision)) ?? 0,
            recall: mean(counted.compactMap(\.recall)) ?? 0, f1: mean(counted.compactMap(\.f1)) ?? 0,
            scoreThreshold: operatingPoint.scoreThreshold, classes: classes)
    }

    /// `count` values from `start` through `end` with equal steps, rounded like numpy's `linspace`: the i-th is
    /// `i * step + start` and the last is exactly `end`.
    static func evenlySpaced(from start: Double, through end: Double, count: Int) -> [Double] {
        let step = (end - start) / Double(count - 1)
        return (0..<count).map { $0 == count - 1 ? end : Double($0) * step + start }
    }
}

/// The arithmetic mean of `values`, or nil when there are none.
func mean<Values: Collection<Double>>(_ values: Values) -> Double? {
    values.isEmpty ? nil : values.reduce(0, +) / Double(values.count)
}
