/// Options of ``NonMaxSuppressor``: which rows of a YOLO head become candidates, and how candidates suppress
/// each other. The defaults are upstream YOLOv7's detection settings.
public struct NMSOptions: Sendable, Equatable {
    /// Rows need an objectness strictly above this, and candidates a score strictly above it.
    public var confidenceThreshold: Float
    /// A candidate is suppressed by a better kept one whose IoU with it is strictly greater than this.
    public var iouThreshold: Float
    /// Largest number of detections returned, best first.
    public var maxDetections: Int
    /// Whether every class of a row scoring above the threshold becomes a candidate, instead of only the best.
    public var isMultiLabel: Bool
    /// Whether boxes of different classes suppress each other.
    public var isClassAgnostic: Bool
    /// Largest number of candidates fed into the suppression, best first; the others are dropped.
    public var maxCandidates: Int
    /// The classes to keep, or `nil` for all. Applied after a row's class is chosen, as upstream does: in
    /// single-label mode a row whose best class is filtered out is dropped, whatever its other classes score.
    public var classFilter: Set<Int>?

    /// Creates options; every default is upstream YOLOv7's detection setting.
    public init(
        confidenceThreshold: Float = 0.25,
        iouThreshold: Float = 0.45,
        maxDetections: Int = 300,
        isMultiLabel: Bool = false,
        isClassAgnostic: Bool = false,
        maxCandidates: Int = 30_000,
        classFilter: Set<Int>? = nil
    ) {
        self.confidenceThreshold = confidenceThreshold
        self.iouThreshold = iouThreshold
        self.maxDetections = maxDetections
        self.isMultiLabel = isMultiLabel
        self.isClassAgnostic = isClassAgnostic
        self.maxCandidates = maxCandidates
        self.classFilter = classFilter
    }

    /// Upstream's detection setting: confidence 0.25, IoU 0.45, best class per row.
    public static let detection = NMSOptions()

    /// Upstream's evaluation (mAP) setting: confidence 0.001, IoU 0.65, every class above the threshold.
    public static let evaluation = NMSOptions(confidenceThreshold: 0.001, iouThreshold: 0.65, isMultiLabel: true)
}

/// Turns the decoded rows of a YOLO head into detections by greedy, class-aware non-maximum suppression,
/// with upstream YOLOv7's semantics.
///
/// A row holds `5 + classCount` floats: centre x, centre y, width, height (input pixels), objectness, then one
/// probability per class, all already passed through the sigmoid. Rows with objectness above the confidence
/// threshold become candidates scored objectness times class probability (objectness alone for single-class
/// models, whose class output upstream never trains). Candidates are visited best first (ties in row order),
/// and each is kept unless a kept box of the same class (of any class when class-agnostic) overlaps it with an
/// IoU strictly above the threshold. Results come sorted by score, best first, boxes as corners.
///
/// The scratch memory grows to the largest frame seen and is then reused: after warm-up a call that writes
/// into an array with enough capacity allocates nothing.
///
/// - Important: Not thread-safe: use one suppressor per inference queue.
public final class NonMaxSuppressor {
    /// The options used by every call.
    public var options: NMSOptions

    private var candidateScores = ScratchBuffer<Float>()
    private var candidateClasses = ScratchBuffer<Int>()
    private var candidateRows = ScratchBuffer<Int>()
    private var sortKeys = ScratchBuffer<UInt32>()
    private var sortKeysSpare = ScratchBuffer<UInt32>()
    private var order = ScratchBuffer<Int>()
    private var orderSpare = ScratchBuffer<Int>()
    private var histograms = ScratchBuffer<Int>()
    private var coarseHistogram = ScratchBuffer<UInt32>()
    private var isClassAllowed = ScratchBuffer<Bool>()
    private var bucketStarts = ScratchBuffer<Int>()
    private var bucketCounts = ScratchBuffer<Int>()
    private var keptX1 = ScratchBuffer<Float>()
    private var keptY1 = ScratchBuffer<Float>()
    private var keptX2 = ScratchBuffer<Float>()
    private var keptY2 = ScratchBuffer<Float>()
    private var keptAreas = ScratchBuffer<Float>()

    /// Creates a suppressor with empty scratch memory.
    public init(options: NMSOptions = .detection) {
        self.options = options
    }

    deinit {
        candidateScores.deallocate()
        candidateClasses.deallocate()
        candidateRows.deallocate()
        sortKeys.deallocate()
        sortKeysSpare.deallocate()
        order.deallocate()
        orderSpare.deallocate()
        histograms.deallocate()
        coarseHistogram.deallocate()
        isClassAllowed.deallocate()
        bucketStarts.deallocate()
        bucketCounts.deallocate()
        keptX1.deallocate()
        keptY1.deallocate()
        keptX2.deallocate()
        keptY2.deallocate()
        keptAreas.deallocate()
    }

    /// Replaces the contents of `detections` with the detections of `rowCount` rows of `5 + classCount` floats.
    ///
    /// Keeps the capacity of `detections`, so a caller reusing one array allocates nothing after warm-up.
    public func detections(
        fromRows rows: UnsafeBufferPointer<Float>,
        rowCount: Int,
        classCount: Int,
        into detections: inout [Detection]
    ) {
        precondition(classCount > 0, "A YOLO head has at least one class")
        precondition(rowCount >= 0 && rows.count >= rowCount * (5 + classCount), "Fewer floats than rows")
        detections.removeAll(keepingCapacity: true)
        guard options.maxDetections > 0, options.maxCandidates > 0, rowCount > 0,
            let base = rows.baseAddress
        else { return }

        let candidateCount = collectCandidates(base, rowCount: rowCount, classCount: classCount)
        guard candidateCount > 0 else { return }
        let (sorted, sortedCount) = sortCandidatesByScore(count: candidateCount, limit: options.maxCandidates)
        suppress(sorted, count: sortedCount, rows: base, classCount: classCount, into: &detections)
    }

    /// The detections of `rowCount` rows of `5 + classCount` floats, best first.
    public func detections(fromRows rows: UnsafeBufferPointer<Float>, rowCount: Int, classCount: Int) -> [Detection] {
        var result: [Detection] = []
        detections(fromRows: rows, rowCount: rowCount, classCount: classCount, into: &result)
        return result
    }

    /// The detections of `rows`, a whole number of rows of `5 + classCount` floats, best first.
    public func detections(fromRows rows: [Float], classCount: Int) -> [Detection] {
        precondition(classCount > 0, "A YOLO head has at least one class")
        precondition(rows.count % (5 + classCount) == 0, "Not a whole number of rows")
        return rows.withUnsafeBufferPointer { buffer in
            detections(fromRows: buffer, rowCount: rows.count / (5 + classCount), classCount: classCount)
        }
    }

    /// One-off suppression of `rows`, a whole number of rows of `5 + classCount` floats, best first.
    ///
    /// Allocates its scratch memory on every call: per-frame callers keep a ``NonMaxSuppressor`` instead.
    public static func detections(
        fromRows rows: [Float],
        classCount: Int,
        options: NMSOptions = .detection
    ) -> [Detection] {
        NonMaxSuppressor(options: options).detections(fromRows: rows, classCount: classCount)
    }

    // MARK: - Steps

    /// Stores the candidates in row order (then class order), returning how many there are.
    private func collectCandidates(_ rows: UnsafePointer<Float>, rowCount: Int, classCount: Int) -> Int {
        let threshold = options.confidenceThreshold
        let isMultiLabel = options.isMultiLabel && classCount > 1
        let rowLength = 5 + classCount
        let allowed = makeClassTable(classCount: classCount)
        var (scores, classes, sourceRows) = (candidateScores.base, candidateClasses.base, candidateRows.base)

        var count = 0
        for row in 0..<rowCount {
            let values = rows + row * rowLength
            let objectness = values[4]
            guard objectness > threshold else { continue }
            let needed = count + (isMultiLabel ? classCount : 1)
            if needed > candidateScores.capacity {
                reserveCandidates(needed, preserving: count)
                (scores, classes, sourceRows) = (candidateScores.base, candidateClasses.base, candidateRows.base)
            }

            if classCount == 1 {
                // Upstream trains no class loss for one class, so the score is the objectness alone.
                guard allowed?[0] ?? true else { continue }
                (scores[count], classes[count], sourceRows[count]) = (objectness, 0, row)
                count += 1
            } else if isMultiLabel {
                for classIndex in 0..<classCount {
                    let score = objectness * values[5 + classIndex]
                    guard score > threshold, allowed?[classIndex] ?? true else { continue }
                    (scores[count], classes[count], sourceRows[count]) = (score, classIndex, row)
                    count += 1
                }
            } else {
                // The first of equal best scores wins, as torch.max does.
                var bestScore = objectness * values[5]
                var bestClass = 0
                for classIndex in 1..<classCount {
                    let score = objectness * values[5 + classIndex]
                    if score > bestScore {
                        bestScore = score
                        bestClass = classIndex
                    }
                }
                guard bestScore > threshold, allowed?[bestClass] ?? true else { continue }
                (scores[count], classes[count], sourceRows[count]) = (bestScore, bestClass, row)
                count += 1
            }
        }
        return count
    }

    /// A table of allowed classes built from the class filter, or `nil` when every class is allowed.
    private func makeClassTable(classCount: Int) -> UnsafeMutablePointer<Bool>? {
        guard let filter = options.classFilter else { return nil }
        isClassAllowed.reserve(classCount)
        let table = isClassAllowed.base
        table.update(repeating: false, count: classCount)
        for classIndex in filter where classIndex >= 0 && classIndex < classCount {
            table[classIndex] = true
        }
        return table
    }

    /// Sorts the candidates by descending score, ties in candidate order, returning the indices of the best
    /// `limit` (or fewer) in that order.
    ///
    /// An LSD radix sort on the score bits: stable, linear, and free of the allocations of the standard sort.
    private func sortCandidatesByScore(count: Int, limit: Int) -> (order: UnsafeMutablePointer<Int>, count: Int) {
        sortKeys.reserve(count)
        order.reserve(count)
        let scores = candidateScores.base
        var keys = sortKeys.base
        var indices = order.base
        for index in 0..<count {
            keys[index] = Self.descendingKey(scores[index])
            indices[index] = index
        }
        let selectedCount = count > limit ? selectBest(limit, keys: keys, indices: indices, count: count) : count

        histograms.reserve(4 * 256)
        let histogram = histograms.base
        histogram.update(repeating: 0, count: 4 * 256)
        for position in 0..<selectedCount {
            let key = keys[position]
            for digit in 0..<4 {
                histogram[digit * 256 + Int((key >> UInt32(digit * 8)) & 0xFF)] += 1
            }
        }

        sortKeysSpare.reserve(selectedCount)
        orderSpare.reserve(selectedCount)
        var spareKeys = sortKeysSpare.base
        var spareIndices = orderSpare.base
        for digit in 0..<4 {
            let offsets = histogram + digit * 256
            let shift = UInt32(digit * 8)
            // A digit shared by every key would leave the order as it is.
            guard offsets[Int((keys[0] >> shift) & 0xFF)] != selectedCount else { continue }
            var total = 0
            for bucket in 0..<256 {
                let bucketCount = offsets[bucket]
                offsets[bucket] = total
                total += bucketCount
            }
            for position in 0..<selectedCount {
                let key = keys[position]
                let bucket = Int((key >> shift) & 0xFF)
                let slot = offsets[bucket]
                offsets[bucket] = slot + 1
                spareKeys[slot] = key
                spareIndices[slot] = indices[position]
            }
            swap(&keys, &spareKeys)
            swap(&indices, &spareIndices)
        }
        return (indices, Swift.min(selectedCount, limit))
    }

    /// Drops, in place and keeping the order, candidates that cannot be among the best `limit`, returning how
    /// many remain (at least `limit`).
    ///
    /// Bins the keys by their top 16 bits (sign, exponent and 7 mantissa bits of the score) and keeps whole
    /// bins up to the one reaching `limit`, so the sort only sees about `limit` keys when there are far more
    /// candidates, as in evaluation at confidence 0.001.
    private func selectBest(
        _ limit: Int,
        keys: UnsafeMutablePointer<UInt32>,
        indices: UnsafeMutablePointer<Int>,
        count: Int
    ) -> Int {
        let binCount = 1 << 16
        coarseHistogram.reserve(binCount)
        let bins = coarseHistogram.base
        bins.update(repeating: 0, count: binCount)
        for position in 0..<count {
            bins[Int(keys[position] >> 16)] += 1
        }

        var lastBin = binCount - 1
        var total = 0
        for bin in 0..<binCount {
            total += Int(bins[bin])
            if total >= limit {
                lastBin = bin
                break
            }
        }

        var selectedCount = 0
        for position in 0..<count where Int(keys[position] >> 16) <= lastBin {
            keys[selectedCount] = keys[position]
            indices[selectedCount] = indices[position]
            selectedCount += 1
        }
        return selectedCount
    }

    /// Greedy suppression over the first `count` sorted candidates, appending the kept ones to `detections`.
    ///
    /// Kept boxes are stored per class bucket, so a candidate is only compared with kept boxes of its class.
    private func suppress(
        _ sorted: UnsafeMutablePointer<Int>,
        count: Int,
        rows: UnsafePointer<Float>,
        classCount: Int,
        into detections: inout [Detection]
    ) {
        let isClassAgnostic = options.isClassAgnostic
        let bucketCount = isClassAgnostic ? 1 : classCount
        let (scores, classes, sourceRows) = (candidateScores.base, candidateClasses.base, candidateRows.base)
        let starts = prepareBuckets(sorted, count: count, bucketCount: bucketCount)
        bucketCounts.reserve(bucketCount)
        let keptCounts = bucketCounts.base
        keptCounts.update(repeating: 0, count: bucketCount)
        keptX1.reserve(count)
        keptY1.reserve(count)
        keptX2.reserve(count)
        keptY2.reserve(count)
        keptAreas.reserve(count)
        let (x1s, y1s, x2s, y2s, areas) = (keptX1.base, keptY1.base, keptX2.base, keptY2.base, keptAreas.base)

        let rowLength = 5 + classCount
        let iouThreshold = options.iouThreshold
        let maxDetections = options.maxDetections
        for position in 0..<count {
            let candidate = sorted[position]
            let classIndex = classes[candidate]
            let values = rows + sourceRows[candidate] * rowLength
            let box = BoundingBox(centerX: values[0], centerY: values[1], width: values[2], height: values[3])
            let area = box.area
            let bucket = isClassAgnostic ? 0 : classIndex
            let first = starts[bucket]
            let end = first + keptCounts[bucket]

            var isSuppressed = false
            for kept in first..<end {
                // The arithmetic of BoundingBox.iou, so that results match it bit for bit.
                let width = Swift.min(box.x2, x2s[kept]) - Swift.max(box.x1, x1s[kept])
                let height = Swift.min(box.y2, y2s[kept]) - Swift.max(box.y1, y1s[kept])
                var iou: Float = 0
                if width > 0, height > 0 {
                    let intersection = width * height
                    let union = area + areas[kept] - intersection
                    iou = union > 0 ? intersection / union : 0
                }
                if iou > iouThreshold {
                    isSuppressed = true
                    break
                }
            }
            guard !isSuppressed else { continue }

            (x1s[end], y1s[end], x2s[end], y2s[end], areas[end]) = (box.x1, box.y1, box.x2, box.y2, area)
            keptCounts[bucket] += 1
            detections.append(Detection(box: box, score: scores[candidate], classIndex: classIndex))
            if detections.count == maxDetections { break }
        }
    }

    /// Gives each bucket (class, or one for all when class-agnostic) room for all its candidates, returning
    /// where each bucket starts in the kept-box arrays.
    private func prepareBuckets(
        _ sorted: UnsafeMutablePointer<Int>,
        count: Int,
        bucketCount: Int
    ) -> UnsafeMutablePointer<Int> {
        bucketStarts.reserve(bucketCount)
        let starts = bucketStarts.base
        starts.update(repeating: 0, count: bucketCount)
        guard bucketCount > 1 else { return starts }

        let classes = candidateClasses.base
        for position in 0..<count {
            starts[classes[sorted[position]]] += 1
        }
        var total = 0
        for bucket in 0..<bucketCount {
            let size = starts[bucket]
            starts[bucket] = total
            total += size
        }
        return starts
    }

    private func reserveCandidates(_ count: Int, preserving preservedCount: Int) {
        candidateScores.reserve(count, preserving: preservedCount)
        candidateClasses.reserve(count, preserving: preservedCount)
        candidateRows.reserve(count, preserving: preservedCount)
    }

    /// A key whose ascending order is the descending order of `score` (any non-NaN float).
    private static func descendingKey(_ score: Float) -> UInt32 {
        // Adding zero turns -0 into +0, which compares equal to it and must get the same key.
        let bits = (score + 0).bitPattern
        let ascending = bits & 0x8000_0000 != 0 ? ~bits : bits | 0x8000_0000
        return ~ascending
    }
}

/// Growable scratch memory of trivial values, owned by ``NonMaxSuppressor``, which frees it in its `deinit`.
// TODO: Scratch memory never shrinks: after one frame with millions of candidates (multi-label at confidence
// 0.001 on a poorly trained model) about 60 bytes per candidate stay allocated until the suppressor is released.
private struct ScratchBuffer<Element: BitwiseCopyable> {
    private(set) var base = UnsafeMutablePointer<Element>.allocate(capacity: 1)
    private(set) var capacity = 1

    /// Makes room for `count` elements, keeping the first `preservedCount`; growth at least doubles.
    mutating func reserve(_ count: Int, preserving preservedCount: Int = 0) {
        guard count > capacity else { return }
        let newCapacity = Swift.max(count, 2 * capacity)
        let newBase = UnsafeMutablePointer<Element>.allocate(capacity: newCapacity)
        newBase.initialize(from: base, count: preservedCount)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    func deallocate() {
        base.deallocate()
    }
}
