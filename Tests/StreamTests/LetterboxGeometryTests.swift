import Stream
import Testing

extension StreamTests {
    @Suite struct LetterboxGeometryTests {
        /// (source w, h, target w, h) -> (resized w, h, pad left, top, right, bottom), as upstream YOLOv7 computes.
        static let cases: [((Int, Int, Int, Int), (Int, Int, Int, Int, Int, Int))] = [
            ((64, 48, 320, 320), (320, 240, 0, 40, 0, 40)),
            ((641, 479, 320, 320), (320, 239, 0, 40, 0, 41)),
            ((1920, 1080, 640, 640), (640, 360, 0, 140, 0, 140)),
            ((480, 640, 320, 320), (240, 320, 40, 0, 40, 0)),
            ((333, 777, 320, 320), (137, 320, 91, 0, 92, 0)),
            ((320, 320, 320, 320), (320, 320, 0, 0, 0, 0)),
            // 5 * 0.5 = 2.5 rounds to even, as Python's round does.
            ((4, 5, 2, 10), (2, 2, 0, 4, 0, 4)),
            ((10_000, 1, 320, 320), (320, 1, 0, 159, 0, 160)),
        ]

        @Test(arguments: cases)
        func matchesUpstreamLetterbox(sizes: (Int, Int, Int, Int), expected: (Int, Int, Int, Int, Int, Int)) {
            let geometry = LetterboxGeometry(
                sourceWidth: sizes.0, sourceHeight: sizes.1, targetWidth: sizes.2, targetHeight: sizes.3)
            #expect(geometry.resizedWidth == expected.0)
            #expect(geometry.resizedHeight == expected.1)
            #expect(geometry.padLeft == expected.2)
            #expect(geometry.padTop == expected.3)
            #expect(geometry.padRight == expected.4)
            #expect(geometry.padBottom == expected.5)
            let scale = min(Double(sizes.2) / Double(sizes.0), Double(sizes.3) / Double(sizes.1))
            #expect(geometry.scale == scale)
        }
    }
}
