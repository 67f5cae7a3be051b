extension COCOEvaluator {
    /// COCO's area range "all" as an upper bound: boxes with a larger `w * h` (or a negative one) are ignored.
    static let maximumArea = 1e10

    /// A pair of image and class, the unit in which COCO matches detections to ground truth.
    struct ImageClass: Hashable {
        /// The image.
        var imageID: Int
        /// The class.
        var classID: Int
    }

    /// A box as COCO stores it: corner, width and height, in pixels.
    struct Box {
        /// The left edge.
        var x: Double
        /// The top edge.
        var y: Double
        /// The width, `x2 - x1`.
        var width: Double
        /// The height, `y2 - y1`.
        var height: Double

        /// The box with corners `(x1, y1)` and `(x2, y2)`, converted as `COCOJSON` writes it.
        init(x1: Double, y1: Double, x2: Double, y2: Double) {
            x = x1
            y = y1
            width = x2 - x1
            height = y2 - y1
        }

        /// The area COCO uses, `w * h` (no +1 pixel).
        var area: Double { width * height }

        /// Whether COCO's area range "all", [0, 1e10], excludes this box.
        var isOutsideAreaRange: Bool { area < 0 || area > maximumArea }
    }

    /// A ground-truth box of one image and class.
    struct TruthBox {
        /// Where it is.
        var box: Box
        /// Whether it is a crowd region.
        var isCrowd: Bool

        /// Converts a caller's box.
        init(_ truth: GroundTruthBox) {
            box = Box(x1: truth.x1, y1: truth.y1, x2: truth.x2, y2: truth.y2)
            isCrowd = truth.isCrowd
        }

        /// Whether the box does not count as an object to find (COCO's `_ignore`).
        var isIgnored: Bool { isCrowd || box.isOutsideAreaRange }
    }

    /// A detection of one image and class.
    struct Candidate {
        /// Where it is.
        var box: Box
        /// Its confidence.
        var score: Double

        /// Converts a caller's detection.
        init(_ detection: ScoredDetection) {
            box = Box(x1: detection.x1, y1: detection.y1, x2: detection.x2, y2: detection.y2)
            score = detection.score
        }
    }

    /// The outcome of matching one image and class (COCO's `evaluateImg` for one area range).
    struct ImageEvaluation {
        /// The scores of the evaluated detections, descending.
        var scores: [Double]
        /// Per IoU threshold and detection: whether it matched a ground-truth box.
        var isMatched: [[Bool]]
        /// Per IoU threshold and detection: whether it counts neither as true nor as false positive.
        var isIgnored: [[Bool]]
        /// The number of ground-truth boxes that count.
        var groundTruthCount: Int
    }

    /// Matches the detections of one image and class to its ground truth at every IoU threshold.
    static func evaluateImage(groundTruth: [TruthBox], detections: [Candidate]) -> ImageEvaluation {
        let truth = groundTruth.filter { !$0.isIgnored } + groundTruth.filter(\.isIgnored)
        let found = descendingScoreOrder(detections.map(\.score)).prefix(maximumDetections).map { detections[$0] }
        let overlaps = found.map { detection in
            truth.map { overlap(of: detection.box, with: $0.box, isCrowd: $0.isCrowd) }
        }

        let unmatched = [[Bool]](repeating: [Bool](repeating: false, count: found.count), count: iouThresholds.count)
        var isMatched = unmatched
        var isIgnored = unmatched
        for (t, threshold) in iouThresholds.enumerated() {
            var isTaken = [Bool](repeating: false, count: truth.count)
            for d in found.indices {
                var match: Int?
                var bestOverlap = min(threshold, 1 - 1e-10)
                for g in truth.indices {
                    if isTaken[g] && !truth[g].isCrowd { continue }
                    // Once a box that counts is matched, crowd boxes (ranked last) cannot replace it.
                    if let match, !truth[match].isIgnored, truth[g].isIgnored { break }
                    if overlaps[d][g] < bestOverlap { continue }
                    bestOverlap = overlaps[d][g]
                    match = g
                }
                if let match {
                    isMatched[t][d] = true
                    isIgnored[t][d] = truth[match].isIgnored
                    isTaken[match] = true
                } else {
                    isIgnored[t][d] = found[d].box.isOutsideAreaRange
                }
            }
        }
        return ImageEvaluation(
            scores: found.map(\.score), isMatched: isMatched, isIgnored: isIgnored,
            groundTruthCount: truth.count { !$0.isIgnored })
    }

    /// COCO's box overlap: intersection over union, or over the detection's area when the ground truth is a crowd.
    static func overlap(of detection: Box, with truth: Box, isCrowd: Bool) -> Double {
        let width = min(detection.x + detection.width, truth.x + truth.width) - max(detection.x, truth.x)
        guard width > 0 else { return 0 }
        let height = min(detection.y + detection.height, truth.y + truth.height) - max(detection.y, truth.y)
        guard height > 0 else { return 0 }
        let intersection = width * height
        let union = isCrowd ? detection.area : detection.area + truth.area - intersection
        return intersection / union
    }

    /// The indices of `scores` by descending score, equal scores in index order and NaN last (numpy's stable
    /// `argsort` of the negated scores).
    static func descendingScoreOrder(_ scores: [Double]) -> [Int] {
        scores.indices.sorted { a, b in
            let (scoreA, scoreB) = (scores[a], scores[b])
            if scoreA.isNaN != scoreB.isNaN { return scoreB.isNaN }
            if scoreA != scoreB && !scoreA.isNaN { return scoreA > scoreB }
            return a < b
        }
    }
}
