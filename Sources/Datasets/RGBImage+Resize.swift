extension RGBImage {
    /// The picture resampled to `newWidth` x `newHeight`: each axis by area averaging when it shrinks (every
    /// source pixel weighs by how much of it a target pixel covers, as OpenCV's `INTER_AREA`) and by bilinear
    /// interpolation when it grows (pixel centres aligned, as `INTER_LINEAR`). Rounds to the nearest byte.
    func resized(width newWidth: Int, height newHeight: Int) -> RGBImage {
        precondition(newWidth > 0 && newHeight > 0, "empty resize target")
        if newWidth == width && newHeight == height { return self }
        let columns = Self.taps(from: width, to: newWidth)
        let rows = Self.taps(from: height, to: newHeight)

        // Horizontal pass into floats (height x newWidth x 3), then the vertical pass into bytes.
        var horizontal = [Float](repeating: 0, count: height * newWidth * 3)
        pixels.withUnsafeBufferPointer { source in
            horizontal.withUnsafeMutableBufferPointer { target in
                for y in 0..<height {
                    let sourceRow = y * width * 3
                    let targetRow = y * newWidth * 3
                    for x in 0..<newWidth {
                        var sum: (Float, Float, Float) = (0, 0, 0)
                        for (index, weight) in columns[x] {
                            let pixel = sourceRow + index * 3
                            sum.0 += Float(source[pixel]) * weight
                            sum.1 += Float(source[pixel + 1]) * weight
                            sum.2 += Float(source[pixel + 2]) * weight
                        }
                        target[targetRow + x * 3] = sum.0
                        target[targetRow + x * 3 + 1] = sum.1
                        target[targetRow + x * 3 + 2] = sum.2
                    }
                }
            }
        }
        var result = [UInt8](repeating: 0, count: newWidth * newHeight * 3)
        let rowFloats = newWidth * 3
        horizontal.withUnsafeBufferPointer { source in
            result.withUnsafeMutableBufferPointer { target in
                for y in 0..<newHeight {
                    let targetRow = y * rowFloats
                    for offset in 0..<rowFloats {
                        var sum: Float = 0
                        for (index, weight) in rows[y] {
                            sum += source[index * rowFloats + offset] * weight
                        }
                        target[targetRow + offset] = UInt8(min(max(sum + 0.5, 0), 255))
                    }
                }
            }
        }
        return RGBImage(width: newWidth, height: newHeight, pixels: result)
    }

    /// For each of `target` positions along an axis of `source` pixels, the source pixels it reads and their
    /// weights (summing to 1): area coverage when shrinking, two bilinear taps otherwise.
    static func taps(from source: Int, to target: Int) -> [[(index: Int, weight: Float)]] {
        let scale = Double(source) / Double(target)
        if target < source {
            return (0..<target).map { position in
                let start = Double(position) * scale
                let end = Double(position + 1) * scale
                var taps: [(index: Int, weight: Float)] = []
                var pixel = Int(start)
                while Double(pixel) < end && pixel < source {
                    let covered = min(end, Double(pixel + 1)) - max(start, Double(pixel))
                    if covered > 1e-9 { taps.append((pixel, Float(covered / scale))) }
                    pixel += 1
                }
                return taps
            }
        }
        return (0..<target).map { position in
            let centre = min(max((Double(position) + 0.5) * scale - 0.5, 0), Double(source - 1))
            let left = Int(centre)
            let fraction = Float(centre - Double(left))
            guard left + 1 < source, fraction > 0 else { return [(left, 1)] }
            return [(left, 1 - fraction), (left + 1, fraction)]
        }
    }
}
