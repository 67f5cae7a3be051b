/// Upstream's `augment_hsv`: hue, saturation and value of every pixel scaled by the given factors, through
/// OpenCV's 8-bit HSV (hue in 0..<180, saturation and value in 0...255) and lookup tables, so that rounding
/// matches.
enum ColorJitter {
    /// Converts `picture` to 8-bit HSV, maps hue by `(h * hueGain) mod 180` and saturation and value by
    /// `min(x * gain, 255)` (truncated, as upstream's `astype(uint8)`), and converts back.
    static func apply(to picture: inout RGBImage, hueGain: Double, saturationGain: Double, valueGain: Double) {
        let hueTable = (0..<256).map { UInt8((Double($0) * hueGain).truncatingRemainder(dividingBy: 180)) }
        let saturationTable = (0..<256).map { UInt8(min(max(Double($0) * saturationGain, 0), 255)) }
        let valueTable = (0..<256).map { UInt8(min(max(Double($0) * valueGain, 0), 255)) }
        picture.pixels.withUnsafeMutableBufferPointer { pixels in
            var index = 0
            while index < pixels.count {
                let hsv = hsv(red: pixels[index], green: pixels[index + 1], blue: pixels[index + 2])
                let rgb = rgb(
                    hue: hueTable[Int(hsv.hue)], saturation: saturationTable[Int(hsv.saturation)],
                    value: valueTable[Int(hsv.value)])
                pixels[index] = rgb.red
                pixels[index + 1] = rgb.green
                pixels[index + 2] = rgb.blue
                index += 3
            }
        }
    }

    /// `255 / v` for every byte `v` (0 for 0), so that the per-pixel conversion multiplies instead of dividing.
    private static let saturationScale: [Float] = (0..<256).map { $0 == 0 ? 0 : 255 / Float($0) }
    /// `30 / d` for every channel spread `d` (0 for 0): degrees / 2 per unit of spread within a sextant.
    private static let hueScale: [Float] = (0..<256).map { $0 == 0 ? 0 : 30 / Float($0) }

    /// OpenCV's 8-bit RGB to HSV: value is the largest channel, saturation `255 * (max - min) / max`, hue in
    /// degrees halved into 0...180, each rounded to the nearest integer.
    static func hsv(red: UInt8, green: UInt8, blue: UInt8) -> (hue: UInt8, saturation: UInt8, value: UInt8) {
        let (r, g, b) = (Int(red), Int(green), Int(blue))
        let value = max(r, g, b)
        let difference = value - min(r, g, b)
        guard difference > 0 else { return (0, 0, UInt8(value)) }
        let saturation = Float(difference) * saturationScale[value] + 0.5
        let sextant: Int
        if value == r {
            sextant = g - b
        } else if value == g {
            sextant = b - r + 2 * difference
        } else {
            sextant = r - g + 4 * difference
        }
        // Rounded to the nearest integer (halves away from zero), then wrapped into 0..<180.
        let scaled = Float(sextant) * hueScale[difference]
        var hue = Int(scaled < 0 ? scaled - 0.5 : scaled + 0.5)
        if hue < 0 { hue += 180 }
        return (UInt8(hue), UInt8(min(saturation, 255)), UInt8(value))
    }

    /// OpenCV's 8-bit HSV (hue 0..<180) to RGB through floats, each channel rounded to the nearest byte.
    static func rgb(hue: UInt8, saturation: UInt8, value: UInt8) -> (red: UInt8, green: UInt8, blue: UInt8) {
        let v = Float(value) / 255
        let s = Float(saturation) / 255
        guard s > 0 else { return (value, value, value) }
        var h = Float(hue) * 6 / 180
        if h >= 6 { h -= 6 }
        let sector = Int(h)
        let f = h - Float(sector)
        let p = v * (1 - s)
        let q = v * (1 - s * f)
        let t = v * (1 - s * (1 - f))
        let (r, g, b): (Float, Float, Float)
        switch sector {
        case 0: (r, g, b) = (v, t, p)
        case 1: (r, g, b) = (q, v, p)
        case 2: (r, g, b) = (p, v, t)
        case 3: (r, g, b) = (p, q, v)
        case 4: (r, g, b) = (t, p, v)
        default: (r, g, b) = (v, p, q)
        }
        return (byte(r), byte(g), byte(b))
    }

    /// A channel in 0...1 as the nearest byte.
    private static func byte(_ channel: Float) -> UInt8 {
        UInt8(min(max(channel * 255 + 0.5, 0), 255))
    }
}
