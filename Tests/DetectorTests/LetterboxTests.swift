import Detector
import TestSupport
import Testing

@Suite("Letterbox geometry and preprocessing")
struct LetterboxTests {
    @Test func wideFrameIntoSquareInput() {
        let letterbox = Letterbox(sourceWidth: 1280, sourceHeight: 720, targetWidth: 320, targetHeight: 320)
        #expect(letterbox.scale == 0.25)
        #expect(letterbox.resizedWidth == 320)
        #expect(letterbox.resizedHeight == 180)
        #expect(letterbox.padLeft == 0)
        #expect(letterbox.padRight == 0)
        #expect(letterbox.padTop == 70)
        #expect(letterbox.padBottom == 70)
    }

    @Test func wideFrameIntoRectangularInput() {
        let letterbox = Letterbox(sourceWidth: 1280, sourceHeight: 720, targetWidth: 320, targetHeight: 192)
        #expect(letterbox.scale == 0.25)
        #expect(letterbox.resizedWidth == 320)
        #expect(letterbox.resizedHeight == 180)
        #expect(letterbox.padLeft == 0)
        #expect(letterbox.padRight == 0)
        #expect(letterbox.padTop == 6)
        #expect(letterbox.padBottom == 6)
        #expect(letterbox.targetWidth == 320)
        #expect(letterbox.targetHeight == 192)
        #expect(letterbox.sourceWidth == 1280)
        #expect(letterbox.sourceHeight == 720)
    }

    @Test func oddPaddingGoesMostlyRightAndBelow() {
        // 61 x 0.64 = 39.04 -> 39 columns, 25 free: 12 left (round(12.5 - 0.1)), 13 right.
        let letterbox = Letterbox(sourceWidth: 61, sourceHeight: 100, targetWidth: 64, targetHeight: 64)
        #expect(letterbox.resizedWidth == 39)
        #expect(letterbox.resizedHeight == 64)
        #expect(letterbox.padLeft == 12)
        #expect(letterbox.padRight == 13)
        #expect(letterbox.padTop == 0)
        #expect(letterbox.padBottom == 0)
    }

    @Test(
        "Input size: long side at the image size, short side up to a stride multiple",
        arguments: [
            (1280, 720, 320, 320, 192),
            (640, 480, 320, 320, 256),
            (720, 1280, 320, 192, 320),
            (640, 640, 320, 320, 320),
            (1920, 1080, 640, 640, 384),
            (1, 1000, 320, 32, 320),
            (1000, 1, 320, 320, 32),
            (641, 479, 300, 320, 256),
        ] as [(Int, Int, Int, Int, Int)]
    )
    func rectangularInputSize(sourceWidth: Int, sourceHeight: Int, imageSize: Int, width: Int, height: Int) {
        let size = Letterbox.inputSize(forSourceWidth: sourceWidth, height: sourceHeight, imageSize: imageSize)
        #expect(size.width == width)
        #expect(size.height == height)

        // The scaled source fills the long side and fits the short one.
        let letterbox = Letterbox(
            sourceWidth: sourceWidth,
            sourceHeight: sourceHeight,
            targetWidth: size.width,
            targetHeight: size.height
        )
        #expect(letterbox.padLeft + letterbox.resizedWidth + letterbox.padRight == width)
        #expect(letterbox.padTop + letterbox.resizedHeight + letterbox.padBottom == height)
        #expect(Swift.min(letterbox.padLeft, letterbox.padTop) >= 0)
        #expect(Swift.min(letterbox.padRight, letterbox.padBottom) >= 0)
        #expect(Swift.max(letterbox.resizedWidth, letterbox.resizedHeight) == Swift.max(width, height))
    }

    @Test func squareInputSize() {
        let size = Letterbox.inputSize(forSourceWidth: 1280, height: 720, imageSize: 320, isRectangular: false)
        #expect(size.width == 320)
        #expect(size.height == 320)
        let rounded = Letterbox.inputSize(forSourceWidth: 1280, height: 720, imageSize: 300, stride: 64)
        #expect(rounded.width == 320)
        #expect(rounded.height == 192)
    }

    @Test(
        "Boxes survive a round trip through the input",
        arguments: [
            (width: 641, height: 479), (width: 479, height: 641), (width: 1, height: 1000),
            (width: 1000, height: 1), (width: 1280, height: 720),
        ],
        [320, 640]
    )
    func roundTrip(source: (width: Int, height: Int), imageSize: Int) {
        let rectangular = Letterbox.inputSize(forSourceWidth: source.width, height: source.height, imageSize: imageSize)
        let targets = [rectangular, (width: imageSize, height: imageSize)]
        var generator = SplitMix64(seed: UInt64(source.width * 7919 + source.height * 31 + imageSize))
        for target in targets {
            let letterbox = Letterbox(
                sourceWidth: source.width,
                sourceHeight: source.height,
                targetWidth: target.width,
                targetHeight: target.height
            )
            for _ in 0..<50 {
                let box = Self.randomBox(&generator, width: Float(source.width), height: Float(source.height))
                let back = letterbox.toSource(letterbox.toInput(box))
                #expect(Self.distance(back, box) < 1, "Source box mapped in and out moved")

                let input = letterbox.toInput(box)
                #expect(Self.distance(letterbox.toInput(letterbox.toSource(input)), input) < 1)
                #expect(input.x2 <= Float(target.width) + 1 && input.y2 <= Float(target.height) + 1)
            }
        }
    }

    @Test func toSourceClipsToTheImage() {
        let letterbox = Letterbox(sourceWidth: 1280, sourceHeight: 720, targetWidth: 320, targetHeight: 320)
        let inPadding = BoundingBox(x1: -10, y1: 20, x2: 330, y2: 300)
        #expect(letterbox.toSource(inPadding) == BoundingBox(x1: 0, y1: 0, x2: 1280, y2: 720))

        let inside = BoundingBox(x1: 10, y1: 80, x2: 30, y2: 100)
        #expect(letterbox.toSource(inside) == BoundingBox(x1: 40, y1: 40, x2: 120, y2: 120))
        #expect(letterbox.toInput(BoundingBox(x1: 40, y1: 40, x2: 120, y2: 120)) == inside)
        let outside = BoundingBox(x1: -100, y1: -100, x2: 2000, y2: 1000)
        #expect(letterbox.toInput(outside) == BoundingBox(x1: -25, y1: 45, x2: 500, y2: 320))

        var detections = [
            Detection(box: inside, score: 0.5, classIndex: 2), Detection(box: inPadding, score: 0.4, classIndex: 0),
        ]
        letterbox.mapToSource(&detections)
        #expect(
            detections.map(\.box) == [
                BoundingBox(x1: 40, y1: 40, x2: 120, y2: 120), BoundingBox(x1: 0, y1: 0, x2: 1280, y2: 720),
            ])
        #expect(detections.map(\.score) == [0.5, 0.4])
        #expect(detections.map(\.classIndex) == [2, 0])
    }

    // MARK: - Preprocessing

    @Test(
        "Constant colour inside, grey padding",
        arguments: [(width: 100, height: 60), (width: 61, height: 100), (width: 33, height: 17)]
    )
    func constantColour(source: (width: Int, height: Int)) {
        let colour: [UInt8] = [10, 200, 77]
        let bytesPerRow = 3 * source.width + 3
        let pixels = (0..<bytesPerRow * source.height).map { colour[$0 % bytesPerRow % 3] }
        let letterbox = Letterbox(
            sourceWidth: source.width, sourceHeight: source.height, targetWidth: 64, targetHeight: 64)
        let input = Self.fill(letterbox, pixels: pixels, bytesPerRow: bytesPerRow)

        let grey = Float(114) / 255
        let columns = letterbox.padLeft..<(64 - letterbox.padRight)
        let rows = letterbox.padTop..<(64 - letterbox.padBottom)
        #expect(columns.count == letterbox.resizedWidth && rows.count == letterbox.resizedHeight)
        for channel in 0..<3 {
            let value = Float(colour[channel]) / 255
            for y in 0..<64 {
                for x in 0..<64 {
                    let actual = input[(channel * 64 + y) * 64 + x]
                    if rows.contains(y) && columns.contains(x) {
                        #expect(actual == value, "Inside the image the colour stays")
                    } else {
                        #expect(actual == grey, "Padding is grey 114")
                    }
                }
            }
        }
    }

    @Test func paddingRowsAndColumnsAreExact() {
        // 100x60 into 64x64: scale 0.64, 64x38 (38.4), 26 rows free: 13 above, 13 below.
        let letterbox = Letterbox(sourceWidth: 100, sourceHeight: 60, targetWidth: 64, targetHeight: 64)
        #expect((letterbox.padTop, letterbox.resizedHeight, letterbox.padBottom) == (13, 38, 13))
        let pixels = [UInt8](repeating: 255, count: 3 * 100 * 60)
        let input = Self.fill(letterbox, pixels: pixels, bytesPerRow: 300)
        let greenColumn = (0..<64).map { input[(64 + $0) * 64 + 5] }
        let grey = Float(114) / 255
        #expect(
            greenColumn == Array(repeating: grey, count: 13) + Array(repeating: 1, count: 38)
                + Array(repeating: grey, count: 13))

        // 61x100 into 64x64: 39 columns, 12 left, 13 right.
        let tall = Letterbox(sourceWidth: 61, sourceHeight: 100, targetWidth: 64, targetHeight: 64)
        let tallInput = Self.fill(tall, pixels: [UInt8](repeating: 255, count: 3 * 61 * 100), bytesPerRow: 183)
        let blueRow = Array(tallInput[(128 + 40) * 64..<(128 + 41) * 64])
        #expect(
            blueRow == Array(repeating: grey, count: 12) + Array(repeating: 1, count: 39)
                + Array(repeating: grey, count: 13))
    }

    @Test func unitScaleCopiesExactly() {
        var generator = SplitMix64(seed: 5)
        let (width, height, bytesPerRow) = (32, 20, 3 * 32 + 5)
        let pixels = (0..<bytesPerRow * height).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let letterbox = Letterbox(sourceWidth: width, sourceHeight: height, targetWidth: 32, targetHeight: 32)
        #expect(letterbox.scale == 1)
        #expect((letterbox.padTop, letterbox.padBottom) == (6, 6))
        let input = Self.fill(letterbox, pixels: pixels, bytesPerRow: bytesPerRow)
        for channel in 0..<3 {
            for y in 0..<height {
                for x in 0..<width {
                    let expected = Float(pixels[y * bytesPerRow + 3 * x + channel]) / 255
                    #expect(input[(channel * 32 + y + 6) * 32 + x] == expected)
                }
            }
        }
    }

    @Test func halvingAveragesBlocks() {
        // A random image and a one-pixel checkerboard: each output pixel is the mean of its 2x2 block.
        var generator = SplitMix64(seed: 9)
        let random = (0..<3 * 16 * 16).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        let checkerboard = (0..<3 * 16 * 16).map { index -> UInt8 in
            let pixel = index / 3
            return (pixel % 16 + pixel / 16) % 2 == 0 ? 255 : 0
        }
        let letterbox = Letterbox(sourceWidth: 16, sourceHeight: 16, targetWidth: 8, targetHeight: 8)
        #expect(letterbox.scale == 0.5)
        for pixels in [random, checkerboard] {
            let input = Self.fill(letterbox, pixels: pixels, bytesPerRow: 48)
            for channel in 0..<3 {
                for y in 0..<8 {
                    for x in 0..<8 {
                        let corners = [(0, 0), (1, 0), (0, 1), (1, 1)].map { dx, dy in
                            Int(pixels[(2 * y + dy) * 48 + 3 * (2 * x + dx) + channel])
                        }
                        let mean = Float(corners.reduce(0, +)) / 4 / 255
                        #expect(input[(channel * 8 + y) * 8 + x] == mean)
                    }
                }
            }
        }
        let greyInput = Self.fill(letterbox, pixels: checkerboard, bytesPerRow: 48)
        #expect(greyInput.allSatisfy { $0 == Float(127.5) / 255 })
    }

    @Test func upscalingSamplesPixelCentres() {
        // Two pixels, black and white, doubled: OpenCV samples at (d + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25.
        let letterbox = Letterbox(sourceWidth: 2, sourceHeight: 1, targetWidth: 4, targetHeight: 4)
        #expect(
            (letterbox.resizedWidth, letterbox.resizedHeight, letterbox.padTop, letterbox.padBottom) == (4, 2, 1, 1))
        let input = Self.fill(letterbox, pixels: [0, 0, 0, 255, 255, 255], bytesPerRow: 6)
        let expected: [Float] = [0, 63.75 / 255, 191.25 / 255, 1]
        for channel in 0..<3 {
            for row in 1...2 {
                let start = (channel * 4 + row) * 4
                let actual = Array(input[start..<start + 4])
                #expect(zip(actual, expected).allSatisfy { abs($0 - $1) < 1e-6 }, "Row \(row) of channel \(channel)")
            }
        }
    }

    // MARK: - Helpers

    static func fill(_ letterbox: Letterbox, pixels: [UInt8], bytesPerRow: Int) -> [Float] {
        // NaN everywhere first, so that any float left unwritten fails the comparisons.
        var input = [Float](repeating: .nan, count: 3 * letterbox.targetWidth * letterbox.targetHeight)
        pixels.withUnsafeBufferPointer { source in
            input.withUnsafeMutableBufferPointer { letterbox.fill($0, fromRGB24: source, bytesPerRow: bytesPerRow) }
        }
        return input
    }

    static func randomBox(_ generator: inout SplitMix64, width: Float, height: Float) -> BoundingBox {
        let xs = [generator.nextUnit() * width, generator.nextUnit() * width].sorted()
        let ys = [generator.nextUnit() * height, generator.nextUnit() * height].sorted()
        return BoundingBox(x1: xs[0], y1: ys[0], x2: xs[1], y2: ys[1])
    }

    static func distance(_ first: BoundingBox, _ second: BoundingBox) -> Float {
        Swift.max(
            Swift.max(abs(first.x1 - second.x1), abs(first.y1 - second.y1)),
            Swift.max(abs(first.x2 - second.x2), abs(first.y2 - second.y2))
        )
    }
}
