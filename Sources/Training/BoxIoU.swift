import Foundation
import Torch

/// Differentiable IoU variants between boxes given as tensors.
public enum BoxIoU {
    /// The complete IoU (Zheng et al., 2020) of paired boxes `a` and `b`, both [n, 4] as (cx, cy, w, h).
    ///
    /// CIoU = IoU - centre distance^2 / enclosing diagonal^2 - alpha v, where v measures the difference of the
    /// aspect ratios and alpha = v / (1 - IoU + v) is held constant (no gradient), as upstream computes it.
    /// - Returns: [n] values in [-1, 1].
    public static func complete(_ a: Tensor, _ b: Tensor, eps: Double = 1e-7) throws(TorchError) -> Tensor {
        let (ax, ay, aw, ah) = try columns(a)
        let (bx, by, bw, bh) = try columns(b)
        let ax1 = try ax - aw / 2
        let ax2 = try ax + aw / 2
        let ay1 = try ay - ah / 2
        let ay2 = try ay + ah / 2
        let bx1 = try bx - bw / 2
        let bx2 = try bx + bw / 2
        let by1 = try by - bh / 2
        let by2 = try by + bh / 2

        let interWidth = try (ax2.minimum(bx2) - ax1.maximum(bx1)).clamp(min: 0)
        let interHeight = try (ay2.minimum(by2) - ay1.maximum(by1)).clamp(min: 0)
        let intersection = try interWidth * interHeight
        let union = try aw * (ah + eps) + bw * (bh + eps) - intersection + eps
        let iou = try intersection / union

        let enclosingWidth = try ax2.maximum(bx2) - ax1.minimum(bx1)
        let enclosingHeight = try ay2.maximum(by2) - ay1.minimum(by1)
        let diagonal = try enclosingWidth.pow(2) + enclosingHeight.pow(2) + eps
        let distance = try (bx - ax).pow(2) + (by - ay).pow(2)
        let aspect = try (bw / (bh + eps)).atan() - (aw / (ah + eps)).atan()
        let v = try aspect.pow(2) * (4 / (Double.pi * Double.pi))
        let alpha = try withNoGrad { () throws(TorchError) in try v / (v - iou + (1 + eps)) }
        return try iou - (distance / diagonal + v * alpha)
    }

    private static func columns(_ boxes: Tensor) throws(TorchError) -> (Tensor, Tensor, Tensor, Tensor) {
        (
            try boxes.select(column: 0), try boxes.select(column: 1), try boxes.select(column: 2),
            try boxes.select(column: 3)
        )
    }
}

extension Tensor {
    /// Column `column` of a [n, k] tensor as [n].
    func select(column: Int) throws(TorchError) -> Tensor {
        try narrow(dim: 1, start: column, length: 1).squeeze(1)
    }
}
