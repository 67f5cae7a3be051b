/// The positive cells of one detection level: which prediction each target trains, and towards what.
public struct LevelAssignment: Sendable, Equatable {
    /// Row of each positive in the level's logits viewed as [batch x anchors x ny x nx, 5 + classes].
    public var rows: [Int64] = []
    /// The class of each positive.
    public var classIDs: [Int64] = []
    /// Target box per positive as (x, y) relative to the cell's corner and (w, h), in grid units; 4 values each.
    public var boxes: [Float] = []
    /// The anchor's (w, h) in grid units per positive; 2 values each.
    public var anchorSizes: [Float] = []

    /// The number of positives.
    public var count: Int { rows.count }
}

// TODO: upstream follows this assignment with OTA (dynamic-k matching by IoU and class cost); without it a
// crowded cell's positives are all kept, which trains a little less sharply than upstream's recipe.
/// Upstream YOLOv7's plain target assignment (the one before its OTA step).
///
/// On each level an anchor takes a target when neither side ratio between them exceeds `anchorRatioLimit`;
/// the target then trains the cell holding its centre and the two neighbouring cells nearest to the centre
/// (left or right, above or below), so every matched target has up to three positives per anchor.
public struct TargetAssigner: Sendable {
    /// Anchors per level as (width, height) in input pixels.
    public let anchors: [[(Float, Float)]]
    /// The stride of each level, in input pixels.
    public let strides: [Int]
    /// The largest allowed width or height ratio between a target and an anchor (upstream's `anchor_t`).
    public var anchorRatioLimit: Float = 4

    /// Creates an assigner for a model's anchors and strides.
    public init(anchors: [[(Float, Float)]], strides: [Int]) {
        self.anchors = anchors
        self.strides = strides
    }

    /// Assigns `targets` to the cells of level `level`, whose grid is `rows` x `columns` for `batch` images.
    public func assign(_ targets: [TargetBox], level: Int, batch: Int, rows: Int, columns: Int) -> LevelAssignment {
        let stride = Float(strides[level])
        let levelAnchors = anchors[level]
        var result = LevelAssignment()
        for target in targets {
            let gx = target.centerX / stride
            let gy = target.centerY / stride
            let gw = target.width / stride
            let gh = target.height / stride
            guard gw > 0, gh > 0 else { continue }
            let cells = Self.cells(x: gx, y: gy, columns: columns, rows: rows)
            for (anchorIndex, anchor) in levelAnchors.enumerated() {
                let aw = anchor.0 / stride
                let ah = anchor.1 / stride
                let ratio = max(gw / aw, aw / gw, gh / ah, ah / gh)
                guard ratio < anchorRatioLimit else { continue }
                for (cx, cy) in cells {
                    let column = min(max(cx, 0), columns - 1)
                    let row = min(max(cy, 0), rows - 1)
                    let flat = ((target.image * levelAnchors.count + anchorIndex) * rows + row) * columns + column
                    result.rows.append(Int64(flat))
                    result.classIDs.append(Int64(target.classID))
                    // A neighbour's offset lies in [-0.5, 1.5], which the 2 sigmoid - 0.5 decoding reaches.
                    result.boxes += [gx - Float(column), gy - Float(row), gw, gh]
                    result.anchorSizes += [aw, ah]
                }
            }
        }
        return result
    }

    /// The centre cell and the nearest horizontal and vertical neighbours of a centre at (x, y) grid units.
    ///
    /// A neighbour counts only when the centre is in the matching half of its cell and more than one cell from
    /// the border on that side, as upstream decides it.
    static func cells(x: Float, y: Float, columns: Int, rows: Int) -> [(Int, Int)] {
        let column = Int(x.rounded(.down))
        let row = Int(y.rounded(.down))
        var cells = [(column, row)]
        let fractionX = x - Float(column)
        let fractionY = y - Float(row)
        let inverseX = Float(columns) - x
        let inverseY = Float(rows) - y
        if fractionX < 0.5, x > 1 { cells.append((column - 1, row)) }
        if fractionY < 0.5, y > 1 { cells.append((column, row - 1)) }
        if inverseX - inverseX.rounded(.down) < 0.5, inverseX > 1 { cells.append((column + 1, row)) }
        if inverseY - inverseY.rounded(.down) < 0.5, inverseY > 1 { cells.append((column, row + 1)) }
        return cells
    }
}
