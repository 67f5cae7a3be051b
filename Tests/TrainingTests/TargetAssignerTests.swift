import Testing

@testable import Training

@Suite struct TargetAssignerTests {
    let assigner = TargetAssigner(
        anchors: [
            [(10, 13), (16, 30), (33, 23)], [(30, 61), (62, 45), (59, 119)], [(116, 90), (156, 198), (373, 326)],
        ],
        strides: [8, 16, 32])

    @Test func centreCellAndTwoNearestNeighbours() {
        // Centre (8.25, 10.75) in grid units of stride 8: left half in x, lower half in y.
        let target = TargetBox(image: 1, classID: 2, centerX: 66, centerY: 86, width: 16, height: 24)
        let assignment = assigner.assign([target], level: 0, batch: 2, rows: 40, columns: 40)

        // Anchor 0 (10x13): ratios 1.6 and 1.85; anchor 1 (16x30): 1 and 1.25; anchor 2 (33x23): 2.06 -> all match.
        #expect(assignment.count == 9)
        let cells = Set(assignment.rows.map { Int($0) })
        for anchor in 0..<3 {
            let base = (1 * 3 + anchor) * 40 * 40
            #expect(cells.contains(base + 10 * 40 + 8))
            #expect(cells.contains(base + 10 * 40 + 7))
            #expect(cells.contains(base + 11 * 40 + 8))
        }
        #expect(Array(assignment.boxes[0..<4]) == [0.25, 0.75, 2, 3])
        #expect(Array(assignment.boxes[4..<8]) == [1.25, 0.75, 2, 3])
        #expect(Array(assignment.boxes[8..<12]) == [0.25, -0.25, 2, 3])
        #expect(assignment.classIDs.allSatisfy { $0 == 2 })
        #expect(Array(assignment.anchorSizes[0..<2]) == [1.25, 1.625])
    }

    @Test func anchorRatioLimitRejectsMismatchedShapes() {
        // 8x200 px: far too thin for every P3 anchor (ratio > 4 on one side).
        let target = TargetBox(image: 0, classID: 0, centerX: 100, centerY: 100, width: 8, height: 200)
        #expect(assigner.assign([target], level: 0, batch: 1, rows: 40, columns: 40).count == 0)
        // On P5 the 116x90 anchor is 14.5 times wider: rejected too; 156x198 is 19.5 times wider: rejected.
        #expect(assigner.assign([target], level: 2, batch: 1, rows: 10, columns: 10).count == 0)
    }

    @Test func bordersAddNoNeighbourOutsideTheGrid() {
        let cells = TargetAssigner.cells(x: 0.3, y: 39.8, columns: 40, rows: 40)
        #expect(cells.map { [$0.0, $0.1] } == [[0, 39]])
        let inner = TargetAssigner.cells(x: 5.7, y: 5.2, columns: 40, rows: 40)
        #expect(inner.map { [$0.0, $0.1] } == [[5, 5], [5, 4], [6, 5]])
    }
}
