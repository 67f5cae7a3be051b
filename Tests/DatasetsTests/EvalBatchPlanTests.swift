import Testing

@testable import Datasets

struct EvalBatchPlanTests {
    @Test func rectangularPlanSortsByAspectAndRoundsShapesAsUpstream() {
        let sizes = [(640, 480), (480, 640), (100, 100), (640, 480), (480, 640)].map { (width: $0.0, height: $0.1) }
        let plan = EvalBatchPlan(sizes: sizes, imageSize: 320, batchSize: 2, isRectangular: true)
        // Aspect ratios h/w: 0.75, 1.33, 1, 0.75, 1.33; sorted (ties in index order): 0, 3, 2, 1, 4.
        #expect(plan.batches.map(\.indices) == [[0, 3], [2, 1], [4]])
        // Wide batch: h = ceil(0.75 * 10 + 0.5) * 32 = 256, w = ceil(10 + 0.5) * 32 = 352.
        #expect(plan.batches[0].width == 352 && plan.batches[0].height == 256)
        // Mixed batch (ratios 1 and 1.33): square, ceil(10.5) * 32 = 352.
        #expect(plan.batches[1].width == 352 && plan.batches[1].height == 352)
        // Tall batch: w = ceil(0.75 * 10 + 0.5) * 32 = 256.
        #expect(plan.batches[2].width == 256 && plan.batches[2].height == 352)
    }

    @Test func squarePlanKeepsDatasetOrder() {
        let sizes = Array(repeating: (width: 640, height: 480), count: 5)
        let plan = EvalBatchPlan(sizes: sizes, imageSize: 320, batchSize: 2, isRectangular: false)
        #expect(plan.batches.map(\.indices) == [[0, 1], [2, 3], [4]])
        #expect(plan.batches.allSatisfy { $0.width == 320 && $0.height == 320 })
    }
}
