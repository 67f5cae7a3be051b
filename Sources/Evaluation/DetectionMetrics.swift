/// The result of a `COCOEvaluator` run: COCO average precision and the precision and recall of the best
/// operating point, overall and per class.
///
/// The AP numbers are those of pycocotools' `COCOeval` for boxes with default parameters. Precision, recall and
/// F1 describe the single score threshold that maximises the mean F1 over classes at IoU 0.5, the way YOLO
/// training reports them; `COCOEvaluator` documents the exact definition.
public struct DetectionMetrics: Sendable, Hashable {
    /// AP averaged over IoU 0.50:0.05:0.95 and the classes with ground truth (COCO's `stats[0]`);
    /// -1 when no class has ground truth, as in pycocotools.
    public var mAP50_95: Double
    /// AP at IoU 0.5 averaged over the classes with ground truth (COCO's `stats[1]`); -1 when there are none.
    public var mAP50: Double
    /// AP at IoU 0.75 averaged over the classes with ground truth (COCO's `stats[2]`); -1 when there are none.
    public var mAP75: Double
    /// The mean over classes with ground truth of their precision at `scoreThreshold`; 0 without detections.
    public var precision: Double
    /// The mean over classes with ground truth of their recall at `scoreThreshold`; 0 without detections.
    public var recall: Double
    /// The mean over classes with ground truth of their F1 at `scoreThreshold`, the maximised quantity.
    public var f1: Double
    /// The score threshold of the best operating point (detections with at least this score are kept), or nil
    /// when no threshold gives a positive mean F1 (no detection matches at IoU 0.5).
    public var scoreThreshold: Double?
    /// The metrics of every evaluated class, in ascending class order.
    public var classes: [ClassMetrics]

    /// Bundles already computed metrics.
    public init(
        mAP50_95: Double, mAP50: Double, mAP75: Double, precision: Double, recall: Double, f1: Double,
        scoreThreshold: Double?, classes: [ClassMetrics]
    ) {
        self.mAP50_95 = mAP50_95
        self.mAP50 = mAP50
        self.mAP75 = mAP75
        self.precision = precision
        self.recall = recall
        self.f1 = f1
        self.scoreThreshold = scoreThreshold
        self.classes = classes
    }

    /// The metrics of class `classID`, or nil when it was not evaluated.
    public func classMetrics(for classID: Int) -> ClassMetrics? {
        classes.first { $0.classID == classID }
    }
}

/// The metrics of one class. Every optional is nil when the class has no ground truth that counts (none at all,
/// or only crowd boxes), which is COCO's -1.
public struct ClassMetrics: Sendable, Hashable {
    /// The class index.
    public var classID: Int
    /// The number of ground-truth boxes that count (crowd boxes do not).
    public var groundTruthCount: Int
    /// AP averaged over IoU 0.50:0.05:0.95.
    public var ap50_95: Double?
    /// AP at IoU 0.5.
    public var ap50: Double?
    /// AP at IoU 0.75.
    public var ap75: Double?
    /// The precision at the overall best score threshold, at IoU 0.5.
    public var precision: Double?
    /// The recall at the overall best score threshold, at IoU 0.5.
    public var recall: Double?
    /// The F1 at the overall best score threshold, at IoU 0.5.
    public var f1: Double?
    /// COCO's interpolated precision: one row per IoU threshold of `COCOEvaluator.iouThresholds`, one value per
    /// recall of `COCOEvaluator.recallThresholds` (pycocotools' `eval["precision"][:, :, k, 0, -1]`).
    public var interpolatedPrecision: [[Double]]?

    /// Bundles already computed metrics.
    public init(
        classID: Int, groundTruthCount: Int, ap50_95: Double?, ap50: Double?, ap75: Double?, precision: Double?,
        recall: Double?, f1: Double?, interpolatedPrecision: [[Double]]?
    ) {
        self.classID = classID
        self.groundTruthCount = groundTruthCount
        self.ap50_95 = ap50_95
        self.ap50 = ap50
        self.ap75 = ap75
        self.precision = precision
        self.recall = recall
        self.f1 = f1
        self.interpolatedPrecision = interpolatedPrecision
    }

    /// The interpolated precision-recall curve at IoU 0.5 (101 points, recall ascending), for plotting.
    public var precisionRecallCurve: [(recall: Double, precision: Double)]? {
        guard let precision = interpolatedPrecision?.first else { return nil }
        return Array(zip(COCOEvaluator.recallThresholds, precision))
    }
}
