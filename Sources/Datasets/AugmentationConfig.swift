/// The augmentation hyperparameters of training, named and defaulted as upstream YOLOv7-tiny's
/// `hyp.scratch.tiny.yaml`.
///
/// Probabilities are in 0...1; gains are the half-widths of uniform ranges.
public struct AugmentationConfig: Hashable, Sendable {
    /// Hue gain: the hue is multiplied by a factor uniform in `1 ± hsvH`.
    public var hsvH: Double
    /// Saturation gain: saturation is multiplied by a factor uniform in `1 ± hsvS`.
    public var hsvS: Double
    /// Value (brightness) gain: value is multiplied by a factor uniform in `1 ± hsvV`.
    public var hsvV: Double
    /// Translation as a fraction of the input size: the centre moves by up to `± translate * size`.
    public var translate: Double
    /// Scale gain: the picture is scaled by a factor uniform in `1 ± scale`.
    public var scale: Double
    /// The probability of mirroring left to right.
    public var flipLR: Double
    /// The probability of a 4-image mosaic instead of one letterboxed image.
    public var mosaic: Double
    /// The probability of blending a mosaic with a second one (only for mosaic samples, as upstream).
    public var mixup: Double
    /// The parameter of the symmetric Beta distribution the mixup ratio is drawn from: YOLOv7 uses Beta(8, 8);
    /// YOLOv5 uses 32.
    public var mixupBeta: Double

    /// A configuration from its values; the defaults are upstream YOLOv7-tiny's.
    public init(
        hsvH: Double = 0.015, hsvS: Double = 0.7, hsvV: Double = 0.4, translate: Double = 0.1, scale: Double = 0.5,
        flipLR: Double = 0.5, mosaic: Double = 1.0, mixup: Double = 0.05, mixupBeta: Double = 8
    ) {
        precondition(scale >= 0 && scale < 1, "scale gain \(scale) is outside 0..<1")
        precondition(mixupBeta >= 1, "mixupBeta below 1 is not supported")
        self.hsvH = hsvH
        self.hsvS = hsvS
        self.hsvV = hsvV
        self.translate = translate
        self.scale = scale
        self.flipLR = flipLR
        self.mosaic = mosaic
        self.mixup = mixup
        self.mixupBeta = mixupBeta
    }

    /// Upstream YOLOv7-tiny's training augmentation.
    public static let yolov7Tiny = AugmentationConfig()

    /// No augmentation: each sample is its image letterboxed to the input size, for validation.
    public static let none = AugmentationConfig(
        hsvH: 0, hsvS: 0, hsvV: 0, translate: 0, scale: 0, flipLR: 0, mosaic: 0, mixup: 0)
}
