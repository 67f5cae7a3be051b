import Detector
import TestSupport
import Testing

/// One randomised comparison of the suppressor with the reference.
struct RandomNMSCase: Sendable, CustomTestStringConvertible {
    let seed: UInt64
    let rowCount: Int
    let classCount: Int
    let options: NMSOptions

    var testDescription: String {
        let mode = "\(options.isMultiLabel ? "multi" : "single")-label"
        let classes = options.isClassAgnostic ? "agnostic" : "class-aware"
        let filter = options.classFilter.map { " classes \($0.sorted())" } ?? ""
        return "seed \(seed), nc \(classCount), \(mode), \(classes), conf \(options.confidenceThreshold), "
            + "max \(options.maxDetections)/\(options.maxCandidates)\(filter)"
    }

    static let all: [RandomNMSCase] = {
        var cases: [RandomNMSCase] = []
        for seed: UInt64 in 1...4 {
            for classCount in [1, 3, 80] {
                for isMultiLabel in [false, true] {
                    for isClassAgnostic in [false, true] {
                        for maxDetections in [300, 7] {
                            let options = NMSOptions(
                                maxDetections: maxDetections,
                                isMultiLabel: isMultiLabel,
                                isClassAgnostic: isClassAgnostic
                            )
                            let rowCount = classCount == 80 ? 120 : 300
                            cases.append(
                                RandomNMSCase(seed: seed, rowCount: rowCount, classCount: classCount, options: options))
                        }
                    }
                }
            }
        }
        let special = [
            NMSOptions.evaluation,
            NMSOptions(confidenceThreshold: 0.001, iouThreshold: 0.65, isMultiLabel: true, maxCandidates: 40),
            NMSOptions(maxCandidates: 10),
            NMSOptions(classFilter: [0, 2, 79, 500]),
            NMSOptions(isMultiLabel: true, classFilter: [1]),
            NMSOptions(iouThreshold: 0, isClassAgnostic: true),
            NMSOptions(confidenceThreshold: 0.6, iouThreshold: 0.9),
        ]
        for seed: UInt64 in 11...13 {
            for options in special {
                for classCount in [1, 3, 80] {
                    let rowCount = classCount == 80 ? 120 : 300
                    cases.append(
                        RandomNMSCase(seed: seed, rowCount: rowCount, classCount: classCount, options: options))
                }
            }
        }
        return cases
    }()
}

@Suite("Non-maximum suppression")
struct NonMaxSuppressionTests {
    @Test("Matches the brute-force reference on random rows", arguments: RandomNMSCase.all)
    func matchesReference(_ testCase: RandomNMSCase) {
        let rows = Self.randomRows(seed: testCase.seed, rowCount: testCase.rowCount, classCount: testCase.classCount)
        let expected = Self.reference(rows: rows, classCount: testCase.classCount, options: testCase.options)

        let suppressor = NonMaxSuppressor(options: testCase.options)
        let actual = suppressor.detections(fromRows: rows, classCount: testCase.classCount)
        #expect(actual == expected)
        #expect(actual.count <= testCase.options.maxDetections)

        let oneOff = NonMaxSuppressor.detections(
            fromRows: rows,
            classCount: testCase.classCount,
            options: testCase.options
        )
        #expect(oneOff == expected)
    }

    @Test func randomRowsExerciseSuppressionAndTies() {
        // The random comparisons only mean something if boxes get suppressed and scores tie.
        let rows = Self.randomRows(seed: 1, rowCount: 300, classCount: 3)
        let candidates = Self.referenceCandidates(rows: rows, classCount: 3, options: .detection)
        let kept = Self.reference(rows: rows, classCount: 3, options: .detection)
        #expect(candidates.count > 100)
        #expect(kept.count > 20 && kept.count < candidates.count - 20)
        #expect(Set(kept.map(\.classIndex)) == [0, 1, 2])
        let keptTies = zip(kept, kept.dropFirst()).filter { $0.score == $1.score }
        #expect(keptTies.count > 5)
    }

    @Test func overlappingBoxesOfOneClassKeepTheBest() {
        let rows =
            Self.row(50, 50, 20, 20, objectness: 0.8, classes: [0.1, 1.0, 0.1])
            + Self.row(52, 50, 20, 20, objectness: 0.9, classes: [0.1, 1.0, 0.1])
        let detections = NonMaxSuppressor.detections(fromRows: rows, classCount: 3)
        #expect(detections == [Detection(box: BoundingBox(x1: 42, y1: 40, x2: 62, y2: 60), score: 0.9, classIndex: 1)])
    }

    @Test func overlappingBoxesOfDifferentClassesAreBothKept() {
        let rows =
            Self.row(50, 50, 20, 20, objectness: 0.8, classes: [1.0, 0.1, 0.1])
            + Self.row(52, 50, 20, 20, objectness: 0.9, classes: [0.1, 1.0, 0.1])
        let detections = NonMaxSuppressor.detections(fromRows: rows, classCount: 3)
        #expect(detections.map(\.classIndex) == [1, 0])
        #expect(detections.map(\.score) == [0.9, 0.8])

        let agnostic = NonMaxSuppressor.detections(fromRows: rows, classCount: 3, options: .init(isClassAgnostic: true))
        #expect(agnostic.map(\.classIndex) == [1])
    }

    @Test func iouExactlyAtTheThresholdIsKept() throws {
        // [0, 0, 4, 4] and [0, 0, 4, 2]: intersection 8, union 16, IoU exactly 0.5.
        let rows =
            Self.row(2, 2, 4, 4, objectness: 0.9, classes: [1, 0])
            + Self.row(2, 1, 4, 2, objectness: 0.8, classes: [1, 0])
        let first = BoundingBox(x1: 0, y1: 0, x2: 4, y2: 4)
        let second = BoundingBox(x1: 0, y1: 0, x2: 4, y2: 2)
        try #require(first.iou(second) == 0.5)

        let atThreshold = NonMaxSuppressor.detections(fromRows: rows, classCount: 2, options: .init(iouThreshold: 0.5))
        #expect(atThreshold.map(\.box) == [first, second])
        let belowThreshold = NonMaxSuppressor.detections(
            fromRows: rows, classCount: 2, options: .init(iouThreshold: 0.49))
        #expect(belowThreshold.map(\.box) == [first])
    }

    @Test func lowObjectnessIsDropped() {
        let rows =
            Self.row(10, 10, 4, 4, objectness: 0.2, classes: [1, 1])
            + Self.row(30, 10, 4, 4, objectness: 0.25, classes: [1, 1])
            + Self.row(50, 10, 4, 4, objectness: 0.3, classes: [0.5, 0.9])
            + Self.row(70, 10, 4, 4, objectness: 0.5, classes: [0.4, 0.4])
        let detections = NonMaxSuppressor.detections(fromRows: rows, classCount: 2)
        // Objectness 0.2 and 0.25 (not strictly above) drop; 0.3 x 0.9 passes, 0.5 x 0.4 = 0.2 does not.
        #expect(detections.count == 1)
        #expect(detections.first?.box == BoundingBox(x1: 48, y1: 8, x2: 52, y2: 12))
        #expect(detections.first?.score == Float(0.3) * Float(0.9))
        #expect(detections.first?.classIndex == 1)
    }

    @Test func singleClassScoresAreTheObjectness() {
        let rows = Self.row(10, 10, 4, 4, objectness: 0.7, classes: [0.1])
        let detections = NonMaxSuppressor.detections(fromRows: rows, classCount: 1)
        #expect(detections == [Detection(box: BoundingBox(x1: 8, y1: 8, x2: 12, y2: 12), score: 0.7, classIndex: 0)])
    }

    @Test func multiLabelKeepsEveryClassAboveTheThreshold() {
        let rows = Self.row(10, 10, 4, 4, objectness: 0.8, classes: [0.5, 0.2, 0.9])
        let detections = NonMaxSuppressor.detections(fromRows: rows, classCount: 3, options: .init(isMultiLabel: true))
        #expect(detections.map(\.classIndex) == [2, 0])
        #expect(detections.map(\.score) == [Float(0.8) * 0.9, Float(0.8) * 0.5])
    }

    @Test func equalScoresKeepTheRowOrder() {
        let rows =
            Self.row(10, 10, 4, 4, objectness: 0.5, classes: [1, 0])
            + Self.row(30, 10, 4, 4, objectness: 0.5, classes: [0, 1])
            + Self.row(50, 10, 4, 4, objectness: 0.5, classes: [1, 0])
            + Self.row(70, 10, 4, 4, objectness: 0.6, classes: [1, 0])
        let detections = NonMaxSuppressor.detections(fromRows: rows, classCount: 2)
        #expect(detections.map(\.box.x1) == [68, 8, 28, 48])

        let limited = NonMaxSuppressor.detections(fromRows: rows, classCount: 2, options: .init(maxDetections: 2))
        #expect(limited.map(\.box.x1) == [68, 8])
    }

    @Test func presetsAreUpstreams() {
        #expect(NMSOptions.detection == NMSOptions())
        #expect(NMSOptions.detection.confidenceThreshold == 0.25)
        #expect(NMSOptions.detection.iouThreshold == 0.45)
        #expect(!NMSOptions.detection.isMultiLabel)
        #expect(NMSOptions.evaluation.confidenceThreshold == 0.001)
        #expect(NMSOptions.evaluation.iouThreshold == 0.65)
        #expect(NMSOptions.evaluation.isMultiLabel)
        #expect(NMSOptions.evaluation.maxDetections == 300)
        #expect(NMSOptions.evaluation.maxCandidates == 30_000)
        #expect(!NMSOptions.evaluation.isClassAgnostic)
        #expect(NMSOptions.evaluation.classFilter == nil)
    }

    @Test func emptyInputGivesNoDetections() {
        #expect(NonMaxSuppressor.detections(fromRows: [], classCount: 3).isEmpty)
        let rows = Self.row(10, 10, 4, 4, objectness: 0.9, classes: [1, 1])
        #expect(NonMaxSuppressor.detections(fromRows: rows, classCount: 2, options: .init(maxDetections: 0)).isEmpty)
    }

    @Test func reusedSuppressorGivesTheSameResults() {
        let suppressor = NonMaxSuppressor(options: .evaluation)
        let small = Self.randomRows(seed: 21, rowCount: 50, classCount: 3)
        let large = Self.randomRows(seed: 22, rowCount: 400, classCount: 80)
        let expectedSmall = Self.reference(rows: small, classCount: 3, options: .evaluation)
        let expectedLarge = Self.reference(rows: large, classCount: 80, options: .evaluation)

        var detections: [Detection] = []
        for _ in 0..<3 {
            small.withUnsafeBufferPointer { buffer in
                suppressor.detections(fromRows: buffer, rowCount: 50, classCount: 3, into: &detections)
            }
            #expect(detections == expectedSmall)
            large.withUnsafeBufferPointer { buffer in
                suppressor.detections(fromRows: buffer, rowCount: 400, classCount: 80, into: &detections)
            }
            #expect(detections == expectedLarge)
        }

        suppressor.options = .detection
        #expect(
            suppressor.detections(fromRows: small, classCount: 3)
                == Self.reference(rows: small, classCount: 3, options: .detection))
    }

    @Test func rowCountLimitsTheRowsRead() {
        let rows =
            Self.row(10, 10, 4, 4, objectness: 0.9, classes: [1, 0])
            + Self.row(30, 10, 4, 4, objectness: 0.95, classes: [1, 0])
        let detections = rows.withUnsafeBufferPointer { buffer in
            NonMaxSuppressor().detections(fromRows: buffer, rowCount: 1, classCount: 2)
        }
        #expect(detections.map(\.score) == [0.9])
    }

    // MARK: - Helpers

    /// One row: box centre and size, objectness, class probabilities.
    static func row(
        _ centerX: Float,
        _ centerY: Float,
        _ width: Float,
        _ height: Float,
        objectness: Float,
        classes: [Float]
    ) -> [Float] {
        [centerX, centerY, width, height, objectness] + classes
    }

    /// Random rows with plenty of overlap, repeated rows and equal scores.
    static func randomRows(seed: UInt64, rowCount: Int, classCount: Int) -> [Float] {
        var generator = SplitMix64(seed: seed)
        var rows: [Float] = []
        let rowLength = 5 + classCount
        for index in 0..<rowCount {
            // Some rows repeat an earlier one exactly: equal boxes and equal scores.
            if index > 0 && generator.nextInt(in: 0..<10) == 0 {
                let earlier = generator.nextInt(in: 0..<index)
                rows += rows[earlier * rowLength..<(earlier + 1) * rowLength]
                continue
            }
            // Half the probabilities are on a coarse grid, so different rows often score the same.
            func probability() -> Float {
                let value = generator.nextUnit()
                return generator.nextInt(in: 0..<2) == 0 ? (value * 8).rounded(.down) / 8 : value
            }
            let centerX = generator.nextUnit() * 160
            let centerY = generator.nextUnit() * 120
            let width = 4 + generator.nextUnit() * 60
            let height = 4 + generator.nextUnit() * 60
            rows += [centerX, centerY, width, height, probability()]
            for _ in 0..<classCount {
                rows.append(probability())
            }
        }
        return rows
    }

    /// The obvious O(n^2) implementation of the same semantics, written for clarity, not speed.
    static func reference(rows: [Float], classCount: Int, options: NMSOptions) -> [Detection] {
        var kept: [Detection] = []
        for candidate in referenceCandidates(rows: rows, classCount: classCount, options: options)
        where kept.count < options.maxDetections {
            let isSuppressed = kept.contains { other in
                (options.isClassAgnostic || other.classIndex == candidate.classIndex)
                    && other.box.iou(candidate.box) > options.iouThreshold
            }
            if !isSuppressed {
                kept.append(candidate)
            }
        }
        return kept
    }

    /// The reference's candidates, best first (ties in row, then class order), before suppression.
    static func referenceCandidates(rows: [Float], classCount: Int, options: NMSOptions) -> [Detection] {
        let rowLength = 5 + classCount
        let threshold = options.confidenceThreshold
        var candidates: [Detection] = []
        for start in stride(from: 0, to: rows.count, by: rowLength) {
            let values = Array(rows[start..<start + rowLength])
            let objectness = values[4]
            guard objectness > threshold else { continue }
            let box = BoundingBox(centerX: values[0], centerY: values[1], width: values[2], height: values[3])
            let scores = classCount == 1 ? [objectness] : values[5...].map { objectness * $0 }

            var chosen: [Int]
            if options.isMultiLabel {
                chosen = scores.indices.filter { scores[$0] > threshold }
            } else {
                let best = scores.firstIndex(of: scores.max()!)!
                chosen = scores[best] > threshold ? [best] : []
            }
            if let filter = options.classFilter {
                chosen = chosen.filter { filter.contains($0) }
            }
            candidates += chosen.map { Detection(box: box, score: scores[$0], classIndex: $0) }
        }

        let ordered = candidates.enumerated()
            .sorted {
                $0.element.score > $1.element.score || ($0.element.score == $1.element.score && $0.offset < $1.offset)
            }
            .map(\.element)
        return Array(ordered.prefix(options.maxCandidates))
    }
}
