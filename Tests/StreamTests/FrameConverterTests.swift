import Foundation
import Stream
import Testing

extension StreamTests {
    @Suite struct FrameConverterTests {
        @Test(arguments: [
            ("red.png", [UInt8(255), 0, 0]),
            ("colour.png", MediaFixtures.colour),
            ("colour.bmp", MediaFixtures.colour),
            ("colour.jpg", MediaFixtures.colour),
        ])
        func convertsASolidImageToItsRGB(name: String, colour: [UInt8]) throws {
            let frame = try ImageLoader.decodeImage(path: try MediaFixtures.path(name))
            let rgb = try FrameConverter().convertToRGB24(frame)
            #expect(rgb.width == 64)
            #expect(rgb.height == 48)
            #expect(rgb.bytes.count == 64 * 48 * 3)
            let worst = rgb.bytes.indices.map { abs(Int(rgb.bytes[$0]) - Int(colour[$0 % 3])) }.max() ?? 0
            #expect(worst <= 2, "a channel is \(worst) off \(colour)")
        }

        @Test func letterboxesASolidImageWithGreyPadding() throws {
            let frame = try ImageLoader.decodeImage(path: try MediaFixtures.path("red.png"))
            var input = [Float](repeating: .nan, count: 3 * 320 * 320)
            let geometry = try FrameConverter().letterbox(frame, into: &input, width: 320, height: 320)
            #expect(geometry.scale == 5)
            #expect(geometry.resizedWidth == 320 && geometry.resizedHeight == 240)
            #expect(geometry.padTop == 40 && geometry.padBottom == 40 && geometry.padLeft == 0)

            let planes = LetterboxedPlanes(input, geometry: geometry)
            #expect(planes.paddingIsExact())
            let (red, green, blue) = (planes.inside(0), planes.inside(1), planes.inside(2))
            #expect(red.allSatisfy { abs($0 - 1) <= 2 / 255 })
            #expect(green.allSatisfy { abs($0) <= 2 / 255 })
            #expect(blue.allSatisfy { abs($0) <= 2 / 255 })
        }

        @Test func greyComesOutBitEqualToThePadding() throws {
            // 114/255 grey, stored as a one-channel PNG: FFmpeg 5.1's float output would turn it into 0.974.
            let frame = try ImageLoader.decodeImage(path: try MediaFixtures.path("grey.png"))
            #expect(frame.pixelFormatName == "gray")
            var input = [Float](repeating: .nan, count: 3 * 96 * 96)
            try FrameConverter().letterbox(frame, into: &input, width: 96, height: 96)
            #expect(input.allSatisfy { $0 == FrameConverter.paddingValue })
        }

        @Test func letterboxKeepsTheColourOfAYUVImage() throws {
            let frame = try ImageLoader.decodeImage(path: try MediaFixtures.path("colour.jpg"))
            var input = [Float](repeating: .nan, count: 3 * 128 * 128)
            let geometry = try FrameConverter().letterbox(frame, into: &input, width: 128, height: 128)
            let planes = LetterboxedPlanes(input, geometry: geometry)
            #expect(planes.paddingIsExact())
            for channel in 0..<3 {
                let expected = Float(MediaFixtures.colour[channel]) / 255
                let worst = planes.inside(channel).map { abs($0 - expected) }.max() ?? 1
                #expect(worst <= 2.5 / 255, "channel \(channel) is \(worst * 255)/255 off")
            }
        }

        @Test func honoursTheBT709MatrixOfHDVideo() throws {
            // Decoded with BT.601, the default, this colour would come out as (55, 99, 195).
            var first: DecodedFrame?
            _ = try DecodedClip.decode(try MediaFixtures.path("bt709.mkv")) { frame in
                if first == nil { first = try frame.makeReference() }
            }
            let frame = try #require(first)
            let converter = FrameConverter()
            let rgb = try converter.convertToRGB24(frame)
            #expect(Array(rgb.bytes.prefix(3)) == MediaFixtures.colour)
            var input = [Float](repeating: .nan, count: 3 * 64 * 64)
            let geometry = try converter.letterbox(frame, into: &input, width: 64, height: 64)
            let planes = LetterboxedPlanes(input, geometry: geometry)
            for channel in 0..<3 {
                let expected = Float(MediaFixtures.colour[channel]) / 255
                #expect(planes.inside(channel).allSatisfy { abs($0 - expected) <= 1 / 255 })
            }
        }

        /// Targets where the picture is narrower than the input, with right padding narrower than swscale's
        /// 8-float stores: the padding must stay exact and nothing may be written past the buffer.
        @Test(arguments: [(320, 320), (416, 256), (321, 319), (642, 479), (160, 160)])
        func anOddSizedClipConvertsWithExactGeometry(target: (width: Int, height: Int)) throws {
            let converter = FrameConverter()
            let count = 3 * target.width * target.height
            var input = [Float](repeating: .nan, count: count + 64)
            var frames = 0
            _ = try DecodedClip.decode(try MediaFixtures.path("odd.avi")) { frame in
                let geometry = try converter.letterbox(frame, into: &input, width: target.width, height: target.height)
                #expect(
                    geometry
                        == LetterboxGeometry(
                            sourceWidth: 641, sourceHeight: 479, targetWidth: target.width,
                            targetHeight: target.height))
                #expect(input.suffix(64).allSatisfy { $0.isNaN }, "wrote past 3 x \(target.width) x \(target.height)")
                // Reading every value back is slow in a debug build: check two frames in full.
                if frames == 0 || frames == 9 {
                    let planes = LetterboxedPlanes(Array(input.prefix(count)), geometry: geometry)
                    #expect(planes.paddingIsExact())
                    #expect((0..<3).allSatisfy { planes.inside($0).allSatisfy { $0 >= 0 && $0 <= 1 } })
                }
                frames += 1
            }
            #expect(frames == 10)
            #expect(converter.letterboxContextBuilds == 1)
        }

        @Test func videoFramesConvertToValuesInTheUnitRange() throws {
            let converter = FrameConverter()
            var input = [Float](repeating: .nan, count: 3 * 192 * 192)
            var lowest: Float = 1
            var highest: Float = 0
            _ = try DecodedClip.decode(try MediaFixtures.path("clip.mp4")) { frame in
                try converter.letterbox(frame, into: &input, width: 192, height: 192)
                lowest = min(lowest, input.min() ?? .nan)
                highest = max(highest, input.max() ?? .nan)
            }
            #expect(lowest >= 0)
            #expect(highest <= 1)
            // testsrc2 has saturated colours: the range is used, not squeezed.
            #expect(lowest < 0.05)
            #expect(highest > 0.95)
        }

        @Test func theContextIsRebuiltOnlyWhenTheTargetChanges() throws {
            let frame = try ImageLoader.decodeImage(path: try MediaFixtures.path("red.png"))
            let converter = FrameConverter()
            var input = [Float](repeating: 0, count: 3 * 640 * 640)
            for _ in 0..<3 {
                try converter.letterbox(frame, into: &input, width: 320, height: 320)
            }
            #expect(converter.letterboxContextBuilds == 1)
            try converter.letterbox(frame, into: &input, width: 640, height: 640)
            #expect(converter.letterboxContextBuilds == 2)
        }

        @Test func convertingManyFramesKeepsMemoryFlat() throws {
            var frames: [DecodedFrame] = []
            _ = try DecodedClip.decode(try MediaFixtures.path("clip.mp4")) { frames.append(try $0.makeReference()) }
            let converter = FrameConverter()
            var input = [Float](repeating: 0, count: 3 * 320 * 320)
            for frame in frames.prefix(5) {
                try converter.letterbox(frame, into: &input, width: 320, height: 320)
            }

            // Other test targets run beside this suite and move the resident size too, upwards only; a leak
            // would show in every round, so the quietest round is the measure.
            var growths: [Int] = []
            for _ in 0..<3 {
                let before = try residentBytes()
                for index in 0..<100 {
                    try converter.letterbox(frames[index % frames.count], into: &input, width: 320, height: 320)
                }
                growths.append(try residentBytes() - before)
            }
            let growth = growths.min() ?? .max
            #expect(growth < 4 << 20, "resident memory grew by \(growth) bytes over 100 conversions")
            #expect(converter.letterboxContextBuilds == 1)
        }
    }
}

/// A letterboxed `[3, height, width]` buffer, read back plane by plane.
struct LetterboxedPlanes {
    let values: [Float]
    let geometry: LetterboxGeometry

    init(_ values: [Float], geometry: LetterboxGeometry) {
        self.values = values
        self.geometry = geometry
    }

    /// The values of `channel` (0 R, 1 G, 2 B) inside the picture.
    func inside(_ channel: Int) -> [Float] {
        let plane = channel * geometry.targetWidth * geometry.targetHeight
        var inside: [Float] = []
        for y in geometry.padTop..<(geometry.padTop + geometry.resizedHeight) {
            let start = plane + y * geometry.targetWidth + geometry.padLeft
            inside += values[start..<(start + geometry.resizedWidth)]
        }
        return inside
    }

    /// Whether every padding value of every channel is exactly 114/255.
    func paddingIsExact() -> Bool {
        let width = geometry.targetWidth
        let pictureRows = geometry.padTop..<(geometry.padTop + geometry.resizedHeight)
        let pictureColumns = geometry.padLeft..<(geometry.padLeft + geometry.resizedWidth)
        for channel in 0..<3 {
            for y in 0..<geometry.targetHeight {
                let row = (channel * geometry.targetHeight + y) * width
                let padding =
                    pictureRows.contains(y)
                    ? Array(0..<width).filter { !pictureColumns.contains($0) } : Array(0..<width)
                guard padding.allSatisfy({ values[row + $0] == FrameConverter.paddingValue }) else { return false }
            }
        }
        return true
    }
}

/// Resident memory of this process in bytes, from /proc/self/statm.
func residentBytes() throws -> Int {
    let text = try String(contentsOfFile: "/proc/self/statm", encoding: .utf8)
    let fields = text.split(separator: " ")
    let pages = try #require(fields.count > 1 ? Int(fields[1]) : nil)
    return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
}
