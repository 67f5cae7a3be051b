import Foundation
import Stream
import Testing

extension StreamTests {
    @Suite struct ImageLoaderTests {
        static let bccdImage = "/work/shared/datasets/bccd/BCCD/JPEGImages/BloodImage_00000.jpg"

        @Test(arguments: ["red.png", "colour.png", "colour.jpg", "colour.bmp"])
        func decodesAStillImage(name: String) throws {
            let frame = try ImageLoader.decodeImage(path: try MediaFixtures.path(name))
            #expect(frame.width == 64)
            #expect(frame.height == 48)
        }

        @Test(
            .enabled(if: FileManager.default.fileExists(atPath: bccdImage), "the BCCD data set is not in ../shared"))
        func decodesARealDatasetImage() throws {
            let frame = try ImageLoader.decodeImage(path: Self.bccdImage)
            #expect(frame.width == 640)
            #expect(frame.height == 480)
        }

        @Test func aMissingImageIsAnOpenFailure() throws {
            let path = try MediaFixtures.directory() + "/missing.jpg"
            let error = try #require(throws: FFmpegError.self) { try ImageLoader.decodeImage(path: path) }
            #expect(error.description.contains(path))
            #expect(error.description.contains("No such file"))
        }

        @Test func aFileNameWithAPercentSignIsNotAPattern() throws {
            let original = try MediaFixtures.path("red.png")
            let renamed = try MediaFixtures.directory() + "/100%d red.png"
            try? FileManager.default.removeItem(atPath: renamed)
            try FileManager.default.copyItem(atPath: original, toPath: renamed)
            let frame = try ImageLoader.decodeImage(path: renamed)
            #expect(frame.width == 64)
        }

        @Test func randomBytesAreAnErrorNotACrash() throws {
            #expect(throws: FFmpegError.self) {
                try ImageLoader.decodeImage(path: try MediaFixtures.path("random.bin"))
            }
        }
    }
}
