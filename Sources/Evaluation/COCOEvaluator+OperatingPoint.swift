extension COCOEvaluator {
    /// The score threshold with the best mean F1 over classes at IoU 0.5, and each class's counts there; see
    /// `COCOEvaluator` for the definition.
    struct OperatingPoint {
        /// The chosen threshold, or nil when no threshold gives a positive mean F1.
        var scoreThreshold: Double?
        /// Per evaluated class, in `classIDs` order, the counts at the threshold (zero for classes without ground
        /// truth, whose metrics are not reported).
        var counts: [Counts]

        /// True and false positives of one class above a threshold.
        struct Counts {
            /// Kept detections that matched.
            var truePositives = 0
            /// Kept detections that did not match.
            var falsePositives = 0
            /// The ground-truth boxes that count.
            var groundTruthCount: Int

            /// True positives over kept detections, 0 when none is kept.
            var precision: Double {
                let kept = truePositives + falsePositives
                return kept == 0 ? 0 : Double(truePositives) / Double(kept)
            }

            /// True positives over the ground truth.
            var recall: Double { Double(truePositives) / Double(groundTruthCount) }

            /// The harmonic mean of precision and recall, 0 when both are 0.
            var f1: Double {
                let (p, r) = (precision, recall)
                return p + r == 0 ? 0 : 2 * p * r / (p + r)
            }
        }

        /// Sweeps every detection score from the highest down and keeps the first threshold of maximal mean F1.
        init(best accumulations: [ClassAccumulation?]) {
            var counts = accumulations.map { Counts(groundTruthCount: $0?.groundTruthCount ?? 0) }
            let slots = accumulations.indices.filter { accumulations[$0] != nil }
            // A NaN score cannot be thresholded, so such detections never count here.
            let events = accumulations.enumerated().flatMap { slot, accumulation in
                (accumulation?.rankedAt50 ?? []).filter { !$0.score.isNaN }.map { (slot: slot, detection: $0) }
            }.sorted { $0.detection.score > $1.detection.score }

            var best = (meanF1: 0.0, scoreThreshold: Double?.none, counts: counts)
            var next = 0
            while next < events.count {
                let score = events[next].detection.score
                repeat {
                    let event = events[next]
                    if event.detection.isTruePositive {
                        counts[event.slot].truePositives += 1
                    } else {
                        counts[event.slot].falsePositives += 1
                    }
                    next += 1
                } while next < events.count && events[next].detection.score == score
                let meanF1 = slots.reduce(0) { $0 + counts[$1].f1 } / Double(slots.count)
                if meanF1 > best.meanF1 {
                    best = (meanF1, score, counts)
                }
            }
            scoreThreshold = best.scoreThreshold
            self.counts = best.counts
        }
    }
}
