import Testing

@testable import Datasets

struct RGBImageTests {
    @Test func shrinkingAveragesTheCoveredArea() {
        // One row of four grey pixels 0, 100, 200, 40 shrinks to two: (0 + 100) / 2 and (200 + 40) / 2.
        let grey: [UInt8] = [0, 100, 200, 40]
        let image = RGBImage(width: 4, height: 1, pixels: grey.flatMap { [$0, $0, $0] })
        let half = image.resized(width: 2, height: 1)
        #expect(half.pixels == [50, 50, 50, 120, 120, 120])
        // Shrinking by 1.5 weighs the middle pixel half to each side: (0 + 100 / 2) / 1.5 and (100 / 2 + 200) / 1.5.
        let third = RGBImage(width: 3, height: 1, pixels: [0, 100, 200].flatMap { [$0, $0, $0] }).resized(
            width: 2, height: 1)
        #expect(third.pixels == [33, 33, 33, 167, 167, 167])
    }

    @Test func growingInterpolatesBetweenPixelCentres() {
        let image = RGBImage(width: 2, height: 1, pixels: [0, 0, 0, 200, 200, 200])
        let grown = image.resized(width: 4, height: 1)
        // Centres of the 4 targets fall at source x -0.25, 0.25, 0.75, 1.25: clamped ends, 25% and 75% between.
        #expect(grown.pixels == [0, 0, 0, 50, 50, 50, 150, 150, 150, 200, 200, 200])
    }

    @Test func identityWarpCopiesAndOutsideIsGrey() {
        let pixels = (0..<(4 * 4 * 3)).map { UInt8($0) }
        let image = RGBImage(width: 4, height: 4, pixels: pixels)
        #expect(image.warped(gain: 1, fromCentre: (2, 2), toCentre: (2, 2), size: 4) == image)
        // Shifted right by 2 whole pixels: the first two columns come from outside the picture.
        let shifted = image.warped(gain: 1, fromCentre: (2, 2), toCentre: (4, 2), size: 4)
        #expect(shifted.pixels[0..<6].allSatisfy { $0 == 114 })
        #expect(Array(shifted.pixels[6..<12]) == Array(pixels[0..<6]))
    }

    @Test func hsvRoundTripKeepsPrimaryColours() {
        for (red, green, blue) in [(255, 0, 0), (0, 255, 0), (0, 0, 255), (114, 114, 114), (255, 255, 0)] {
            let hsv = ColorJitter.hsv(red: UInt8(red), green: UInt8(green), blue: UInt8(blue))
            let rgb = ColorJitter.rgb(hue: hsv.hue, saturation: hsv.saturation, value: hsv.value)
            #expect([Int(rgb.red), Int(rgb.green), Int(rgb.blue)] == [red, green, blue])
        }
        #expect(ColorJitter.hsv(red: 0, green: 255, blue: 0).hue == 60)
        #expect(ColorJitter.hsv(red: 0, green: 0, blue: 255).hue == 120)
    }
}
