extension COCOEvaluator {
    /// The detections of one class over all images, ranked, and COCO's precision table for them (pycocotools'
    /// `accumulate` for one category, area range and `maxDets`).
    struct ClassAccumulation {
        /// The number of ground-truth boxes that count.
        var groundTruthCount: Int
        /// Per IoU threshold, the interpolated precision at each recall threshold.
        var interpolatedPrecision: [[Double]]
        /// The detections that count at IoU 0.5, ranked by descending score: their score and whether they matched.
        var rankedAt50: [(score: Double, isTruePositive: Bool)]

        /// Accumulates the per-image evaluations of one class, given in ascending image order; nil when no
        /// ground truth counts, which makes the class's AP COCO's -1.
        init?(_ images: [ImageEvaluation]) {
            let groundTruthCount = images.reduce(0) { $0 + $1.groundTruthCount }
            guard groundTruthCount > 0 else { return nil }

            // Concatenated image by image, then stably sorted: equal scores keep image order, then rank order.
            let entries = images.indices.flatMap { image in images[image].scores.indices.map { (image, $0) } }
            let ranked = descendingScoreOrder(entries.map { images[$0.0].scores[$0.1] }).map { entries[$0] }
            self.groundTruthCount = groundTruthCount
            interpolatedPrecision = iouThresholds.indices.map { t in
                let outcomes = ranked.map { image, rank in
                    (isMatched: images[image].isMatched[t][rank], isIgnored: images[image].isIgnored[t][rank])
                }
                return Self.interpolatedPrecision(outcomes, groundTruthCount: groundTruthCount)
            }
            rankedAt50 = ranked.filter { image, rank in !images[image].isIgnored[0][rank] }.map { image, rank in
                (score: images[image].scores[rank], isTruePositive: images[image].isMatched[0][rank])
            }
        }

        /// COCO's interpolated precision at each recall threshold for ranked detections: cumulative precision made
        /// non-increasing from the right, read at the first rank whose recall reaches the threshold, 0 beyond the
        /// last reachable recall. Ignored detections keep their rank but count neither way.
        static func interpolatedPrecision(
            _ outcomes: [(isMatched: Bool, isIgnored: Bool)], groundTruthCount: Int
        ) -> [Double] {
            var truePositives = 0.0
            var falsePositives = 0.0
            var recall: [Double] = []
            var precision: [Double] = []
            recall.reserveCapacity(outcomes.count)
            precision.reserveCapacity(outcomes.count)
            for outcome in outcomes {
                if !outcome.isIgnored {
                    if outcome.isMatched { truePositives += 1 } else { falsePositives += 1 }
                }
                recall.append(truePositives / Double(groundTruthCount))
                // The epsilon is numpy's spacing(1), which pycocotools adds against 0 / 0.
                precision.append(truePositives / (falsePositives + truePositives + Double.ulpOfOne))
            }
            for rank in stride(from: precision.count - 1, to: 0, by: -1) where precision[rank] > precision[rank - 1] {
                precision[rank - 1] = precision[rank]
            }

            var interpolated = [Double](repeating: 0, count: recallThresholds.count)
            var rank = 0
            for (slot, threshold) in recallThresholds.enumerated() {
                while rank < recall.count && recall[rank] < threshold { rank += 1 }
                guard rank < recall.count else { break }
                interpolated[slot] = precision[rank]
            }
            return interpolated
        }
    }
}
