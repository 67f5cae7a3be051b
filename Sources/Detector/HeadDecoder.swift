import Torch

/// Turns the head's raw logits into upstream's eval output: per row cx, cy, w, h (input pixels),
/// objectness and class probabilities, levels P3, P4, P5 in turn, each anchor-major then row-major.
public enum HeadDecoder {
    /// Decodes `raw` (per level [batch, anchors, ny, nx, 5 + classes]) into [batch, rows, 5 + classes].
    public static func decode(_ raw: [Tensor], anchors: [[(Float, Float)]], strides: [Int]) throws(TorchError)
        -> Tensor
    {
        var levels: [Tensor] = []
        for (level, logits) in raw.enumerated() {
            let shape = logits.shape
            let (batch, anchorCount, rows, columns, outputs) = (shape[0], shape[1], shape[2], shape[3], shape[4])
            let y = try logits.sigmoid()
            let grid = try makeGrid(rows: rows, columns: columns)
            let stride = Double(strides[level])
            let flat = anchors[level].flatMap { [$0.0, $0.1] }
            let anchorGrid = try Tensor(flat, shape: [1, anchorCount, 1, 1, 2])
            let xy = try (y.narrow(dim: 4, start: 0, length: 2) * 2 - 0.5 + grid) * stride
            let wh = try (y.narrow(dim: 4, start: 2, length: 2) * 2).pow(2) * anchorGrid
            let rest = try y.narrow(dim: 4, start: 4, length: outputs - 4)
            levels.append(try Tensor.cat([xy, wh, rest], dim: 4).reshape([batch, -1, outputs]))
        }
        return try Tensor.cat(levels, dim: 1)
    }

    /// The cell offsets [1, 1, ny, nx, 2] with x (the column) first.
    static func makeGrid(rows: Int, columns: Int) throws(TorchError) -> Tensor {
        let xs = try Tensor.arange(0, Double(columns)).reshape([1, columns]).expand([rows, columns])
        let ys = try Tensor.arange(0, Double(rows)).reshape([rows, 1]).expand([rows, columns])
        return try Tensor.stack([xs, ys], dim: 2).reshape([1, 1, rows, columns, 2])
    }
}
