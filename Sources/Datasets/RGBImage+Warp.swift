extension RGBImage {
    /// The `size` square picture whose pixel `(x, y)` shows this picture's point
    /// `((x - to.x) / gain + from.x, (y - to.y) / gain + from.y)`, interpolated bilinearly, with grey 114 for
    /// points outside (as `cv2.warpAffine` with a constant border; pixel centres at integer coordinates).
    func warped(gain: Double, fromCentre from: (x: Double, y: Double), toCentre to: (x: Double, y: Double), size: Int)
        -> RGBImage
    {
        // A one-pixel border of 114 around the source lets every tap read memory: a clamped tap outside the
        // picture lands on the border.
        let bordered = RGBImage(width: width + 2, height: height + 2, filledWith: 114).pasting(self, x: 1, y: 1)
        let columns = Self.bilinearTaps(count: size, origin: to.x, gain: gain, centre: from.x, limit: width)
        let rows = Self.bilinearTaps(count: size, origin: to.y, gain: gain, centre: from.y, limit: height)
        var output = [UInt8](repeating: 0, count: size * size * 3)
        let stride = bordered.width * 3
        bordered.pixels.withUnsafeBufferPointer { source in
            output.withUnsafeMutableBufferPointer { target in
                for y in 0..<size {
                    let (top, bottom, fy) = rows[y]
                    let topRow = top * stride
                    let bottomRow = bottom * stride
                    for x in 0..<size {
                        let (left, right, fx) = columns[x]
                        let (l, r) = (left * 3, right * 3)
                        let out = (y * size + x) * 3
                        for channel in 0..<3 {
                            let upper =
                                Float(source[topRow + l + channel]) * (1 - fx)
                                + Float(source[topRow + r + channel]) * fx
                            let lower =
                                Float(source[bottomRow + l + channel]) * (1 - fx)
                                + Float(source[bottomRow + r + channel]) * fx
                            target[out + channel] = UInt8(upper * (1 - fy) + lower * fy + 0.5)
                        }
                    }
                }
            }
        }
        return RGBImage(width: size, height: size, pixels: output)
    }

    /// A copy of this picture with `other` pasted whole at (`x`, `y`).
    func pasting(_ other: RGBImage, x: Int, y: Int) -> RGBImage {
        var copy = self
        copy.paste(other, sourceX: 0, sourceY: 0, width: other.width, height: other.height, x: x, y: y)
        return copy
    }

    /// For each output position along an axis, the two bordered-source indices to interpolate between and the
    /// weight of the second: the source coordinate is `(position - origin) / gain + centre`, clamped so that taps
    /// outside `0..<limit` read the border (index 0 or `limit + 1`).
    private static func bilinearTaps(
        count: Int, origin: Double, gain: Double, centre: Double, limit: Int
    ) -> [(Int, Int, Float)] {
        (0..<count).map { position in
            let coordinate = (Double(position) - origin) / gain + centre
            let floor = coordinate.rounded(.down)
            let fraction = Float(coordinate - floor)
            // Indices in bordered pixels: source pixel i is bordered pixel i + 1; both taps of a coordinate wholly
            // outside the picture read the border.
            if floor < -1 { return (0, 0, fraction) }
            if floor >= Double(limit) { return (limit + 1, limit + 1, fraction) }
            let first = Int(floor) + 1
            return (first, first + 1, fraction)
        }
    }

    /// Blends `other` into this picture as `self * ratio + other * (1 - ratio)`, truncated to bytes (upstream's
    /// mixup arithmetic). Both must have the same size.
    mutating func blend(with other: RGBImage, ratio: Float) {
        precondition(other.width == width && other.height == height, "blending pictures of different sizes")
        other.pixels.withUnsafeBufferPointer { second in
            pixels.withUnsafeMutableBufferPointer { first in
                for index in first.indices {
                    first[index] = UInt8(Float(first[index]) * ratio + Float(second[index]) * (1 - ratio))
                }
            }
        }
    }
}
