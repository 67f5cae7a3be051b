/// An 8-bit RGB picture in memory: rows top to bottom, pixels left to right, R G B per pixel, no padding.
///
/// The working format of augmentation; upstream does the same steps on 8-bit OpenCV images, so rounding happens
/// where it happens there.
struct RGBImage: Sendable, Equatable {
    /// Width in pixels.
    let width: Int
    /// Height in pixels.
    let height: Int
    /// `width * height * 3` bytes.
    var pixels: [UInt8]

    /// A picture from its packed bytes.
    init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(pixels.count == width * height * 3, "\(pixels.count) bytes for \(width)x\(height) RGB")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// A picture of one colour (upstream fills canvases with grey 114).
    init(width: Int, height: Int, filledWith value: UInt8) {
        self.init(width: width, height: height, pixels: Array(repeating: value, count: width * height * 3))
    }

    /// Copies the `width` x `height` rectangle at (`sourceX`, `sourceY`) of `source` to (`x`, `y`) in this picture.
    /// The rectangle must lie inside both.
    mutating func paste(
        _ source: RGBImage, sourceX: Int, sourceY: Int, width: Int, height: Int, x: Int, y: Int
    ) {
        guard width > 0, height > 0 else { return }
        precondition(
            sourceX >= 0 && sourceY >= 0 && sourceX + width <= source.width && sourceY + height <= source.height)
        precondition(x >= 0 && y >= 0 && x + width <= self.width && y + height <= self.height)
        let rowBytes = width * 3
        let targetWidth = self.width
        source.pixels.withUnsafeBufferPointer { from in
            pixels.withUnsafeMutableBufferPointer { to in
                for row in 0..<height {
                    let fromStart = ((sourceY + row) * source.width + sourceX) * 3
                    let toStart = ((y + row) * targetWidth + x) * 3
                    for offset in 0..<rowBytes {
                        to[toStart + offset] = from[fromStart + offset]
                    }
                }
            }
        }
    }

    /// The picture mirrored left to right.
    func flippedHorizontally() -> RGBImage {
        var flipped = self
        pixels.withUnsafeBufferPointer { from in
            flipped.pixels.withUnsafeMutableBufferPointer { to in
                for y in 0..<height {
                    let row = y * width * 3
                    for x in 0..<width {
                        let source = row + x * 3
                        let target = row + (width - 1 - x) * 3
                        to[target] = from[source]
                        to[target + 1] = from[source + 1]
                        to[target + 2] = from[source + 2]
                    }
                }
            }
        }
        return flipped
    }

    /// Writes the picture as planar float32 `[3, height, width]` (R plane first), each value `byte / 255`, into
    /// `planes`, which must hold `3 * width * height` floats.
    func writePlanes(into planes: UnsafeMutablePointer<Float>) {
        let planeSize = width * height
        pixels.withUnsafeBufferPointer { bytes in
            for index in 0..<planeSize {
                // Division, not multiplication by 1/255, to equal upstream's `img / 255.0` to the bit.
                planes[index] = Float(bytes[index * 3]) / 255
                planes[planeSize + index] = Float(bytes[index * 3 + 1]) / 255
                planes[2 * planeSize + index] = Float(bytes[index * 3 + 2]) / 255
            }
        }
    }
}
