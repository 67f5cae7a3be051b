import Foundation

/// Decodes the head's raw logits into rows of upstream's eval output (cx, cy, w, h in input pixels,
/// objectness, class probabilities), in Swift, skipping cells whose objectness cannot pass a threshold.
///
/// Reading the logits with explicit strides lets it take either layout: the training layout
/// [anchor, y, x, output] or the convolution's own [anchor * outputs, y, x].
/// - Important: Not thread-safe: it reuses its row buffer. One per inference queue.
public final class RawDecoder {
    /// Where each logit of one level lies in its buffer, in elements.
    public struct Layout: Sendable, Equatable {
        /// Distance between anchors.
        public var anchorStride: Int
        /// Distance between rows of the grid.
        public var rowStride: Int
        /// Distance between columns of the grid.
        public var columnStride: Int
        /// Distance between outputs of one anchor (box, objectness, classes).
        public var outputStride: Int

        /// The training layout [anchors, ny, nx, outputs], contiguous.
        public static func anchorMajor(rows: Int, columns: Int, outputs: Int) -> Layout {
            Layout(
                anchorStride: rows * columns * outputs, rowStride: columns * outputs, columnStride: outputs,
                outputStride: 1)
        }

        /// The convolution's layout [anchors * outputs, ny, nx], contiguous (NCHW).
        public static func channelMajor(rows: Int, columns: Int, outputs: Int) -> Layout {
            Layout(
                anchorStride: outputs * rows * columns, rowStride: columns, columnStride: 1,
                outputStride: rows * columns)
        }
    }

    /// The decoded rows of the last call, `5 + classCount` floats each.
    public private(set) var rows: [Float] = []
    /// How many rows the last call produced.
    public private(set) var rowCount = 0

    /// Creates a decoder.
    public init() {}

    /// Clears the rows before decoding a new image.
    public func reset() {
        rows.removeAll(keepingCapacity: true)
        rowCount = 0
    }

    /// Appends the rows of one level whose objectness exceeds `objectnessThreshold`.
    ///
    /// - Parameters:
    ///   - logits: the level's raw logits for one image.
    ///   - anchors: the level's anchors, (width, height) in input pixels.
    public func appendLevel(
        _ logits: UnsafeBufferPointer<Float>,
        layout: Layout,
        rows gridRows: Int,
        columns: Int,
        classCount: Int,
        anchors: [(Float, Float)],
        stride: Int,
        objectnessThreshold: Float
    ) {
        let outputs = 5 + classCount
        let stride = Float(stride)
        // sigmoid(z) > t  <=>  z > logit(t): one comparison per cell instead of an exponential.
        let threshold =
            objectnessThreshold <= 0 ? -Float.infinity : Foundation.log(objectnessThreshold / (1 - objectnessThreshold))
        for (anchorIndex, anchor) in anchors.enumerated() {
            for y in 0..<gridRows {
                for x in 0..<columns {
                    let base = anchorIndex * layout.anchorStride + y * layout.rowStride + x * layout.columnStride
                    let objectness = logits[base + 4 * layout.outputStride]
                    guard objectness > threshold else { continue }
                    let sx = Self.sigmoid(logits[base])
                    let sy = Self.sigmoid(logits[base + layout.outputStride])
                    let sw = Self.sigmoid(logits[base + 2 * layout.outputStride])
                    let sh = Self.sigmoid(logits[base + 3 * layout.outputStride])
                    rows.append((sx * 2 - 0.5 + Float(x)) * stride)
                    rows.append((sy * 2 - 0.5 + Float(y)) * stride)
                    rows.append(4 * sw * sw * anchor.0)
                    rows.append(4 * sh * sh * anchor.1)
                    rows.append(Self.sigmoid(objectness))
                    for k in 5..<outputs {
                        rows.append(Self.sigmoid(logits[base + k * layout.outputStride]))
                    }
                    rowCount += 1
                }
            }
        }
    }

    @inline(__always)
    static func sigmoid(_ x: Float) -> Float {
        1 / (1 + Foundation.exp(-x))
    }
}
