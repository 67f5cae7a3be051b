import Stream

/// Makes training inputs from a dataset the way upstream YOLOv7 does: mosaic, random affine, mixup, HSV jitter and
/// horizontal flips; and evaluation inputs by letterboxing.
///
/// ```swift
/// let augmenter = try Augmenter(dataset: train, imageSize: 320, config: .yolov7Tiny, seed: 1)
/// let sample = augmenter.trainingSample(index: 0, epoch: 0)  // 3x320x320 floats and boxes in input pixels
/// ```
///
/// At init every image is decoded once (``Stream/ImageLoader``, ``Stream/FrameConverter``) and kept in memory as
/// 8-bit RGB resized so that its long side is `imageSize` (upstream's `load_image`): about 230 KB per 4:3 image at
/// 320, 0.9 MB at 640.
///
/// A sample is a pure function of (`seed`, `epoch`, `index`): each call derives its own ``RandomSource`` from
/// them, so samples are identical whichever thread makes them and in whatever order.
///
/// - Important: Immutable after init and safe to use from any number of threads at once.
public final class Augmenter: Sendable {
    /// The dataset samples are made from.
    public let dataset: DetectionDataset
    /// The side of the square training input in pixels.
    public let imageSize: Int
    /// The augmentation hyperparameters.
    public let config: AugmentationConfig
    /// The seed every sample's random draws derive from.
    public let seed: UInt64
    /// The images resized so that the long side is `imageSize`, by dataset index.
    let cache: [RGBImage]
    /// The non-difficult boxes of each image in cached pixels, by dataset index.
    let cachedBoxes: [[PixelBox]]

    /// Decodes and caches every image of `dataset` on `workers` threads.
    ///
    /// - Parameters:
    ///   - dataset: the samples; its boxes are in source pixels.
    ///   - imageSize: the training input side in pixels (a multiple of 32 for YOLO).
    ///   - config: the augmentation; ``AugmentationConfig/none`` gives plain letterboxed images.
    ///   - seed: the run's seed.
    ///   - workers: how many threads decode images.
    /// - Throws: ``DatasetError/emptyDataset(reason:)`` without samples, ``DatasetError/imageUnreadable(path:reason:)``
    ///   for an image that no longer decodes.
    public init(
        dataset: DetectionDataset, imageSize: Int, config: AugmentationConfig = .yolov7Tiny, seed: UInt64 = 0,
        workers: Int = 2
    ) throws(DatasetError) {
        precondition(imageSize > 0, "imageSize must be positive")
        guard !dataset.samples.isEmpty else {
            throw .emptyDataset(reason: "'\(dataset.split)' of \(dataset.source) has no images to augment")
        }
        self.dataset = dataset
        self.imageSize = imageSize
        self.config = config
        self.seed = seed

        let samples = dataset.samples
        let loaded = ParallelMap.map(count: samples.count, workers: workers, makeState: { FrameConverter() }) {
            converter, index in
            Self.loadResized(samples[index], longSide: imageSize, converter: converter)
        }
        var cache: [RGBImage] = []
        cache.reserveCapacity(samples.count)
        for result in loaded {
            cache.append(try result.get())
        }
        self.cache = cache
        cachedBoxes = zip(samples, cache).map { sample, image in
            let scaleX = Float(image.width) / Float(sample.width)
            let scaleY = Float(image.height) / Float(sample.height)
            return sample.boxes.filter { !$0.isDifficult }.map {
                PixelBox(
                    classID: $0.classID, x1: $0.x1 * scaleX, y1: $0.y1 * scaleY, x2: $0.x2 * scaleX, y2: $0.y2 * scaleY)
            }
        }
    }

    /// The number of samples, as in the dataset.
    public var count: Int { cache.count }

    /// The augmented training sample for dataset `index` in `epoch`: deterministic in (seed, epoch, index).
    ///
    /// The recipe is upstream's `__getitem__`: with probability `mosaic` a 4-image mosaic (including `index`)
    /// followed by a random affine to `imageSize` square and, with probability `mixup`, blended with a second
    /// mosaic; otherwise the image letterboxed to the square and the same random affine. Then HSV jitter and, with
    /// probability `flipLR`, a horizontal flip. Augmenter+Geometry.swift documents the mosaic and affine steps.
    public func trainingSample(index: Int, epoch: Int) -> TrainingSample {
        let (picture, boxes) = augmentedPicture(index: index, epoch: epoch)
        var image = [Float](repeating: 0, count: 3 * imageSize * imageSize)
        image.withUnsafeMutableBufferPointer { picture.writePlanes(into: $0.baseAddress!) }
        return TrainingSample(image: image, imageSize: imageSize, boxes: boxes.map(\.centreSize))
    }

    /// The augmented picture and boxes for dataset `index` in `epoch`, before conversion to floats.
    func augmentedPicture(index: Int, epoch: Int) -> (RGBImage, [PixelBox]) {
        precondition(cache.indices.contains(index), "sample \(index) is outside 0..<\(cache.count)")
        var random = RandomSource(seed: seed, epoch, index)
        let isMosaic = random.nextUnit() < config.mosaic
        var (picture, boxes) = isMosaic ? mosaic(around: index, &random) : letterboxedCached(index, &random)
        if isMosaic && random.nextUnit() < config.mixup {
            let (other, otherBoxes) = mosaic(around: random.index(below: cache.count), &random)
            let ratio = Float(random.beta(config.mixupBeta, config.mixupBeta))
            picture.blend(with: other, ratio: ratio)
            boxes += otherBoxes
        }
        let gains = (
            1 + random.uniform(-1, 1) * config.hsvH, 1 + random.uniform(-1, 1) * config.hsvS,
            1 + random.uniform(-1, 1) * config.hsvV
        )
        if config.hsvH != 0 || config.hsvS != 0 || config.hsvV != 0 {
            ColorJitter.apply(to: &picture, hueGain: gains.0, saturationGain: gains.1, valueGain: gains.2)
        }
        if random.nextUnit() < config.flipLR {
            picture = picture.flippedHorizontally()
            let side = Float(imageSize)
            boxes = boxes.map {
                PixelBox(classID: $0.classID, x1: side - $0.x2, y1: $0.y1, x2: side - $0.x1, y2: $0.y2)
            }
        }
        return (picture, boxes)
    }

    /// Letterboxes the original image of dataset `index` (decoded again at full resolution, not the cache) into a
    /// `width` x `height` input, exactly as the daemon prepares frames: with `FrameConverter.letterbox` (swscale
    /// bilinear, centred, padding 114/255, `scale = min(width / w, height / h)`, see ``Stream/LetterboxGeometry``).
    ///
    /// A box maps from source pixels to input pixels as `x * scale + padX`, `y * scale + padY`, and back as
    /// `(x - padX) / scale`.
    /// - Returns: planar float32 `[3, height, width]` RGB in 0...1, the scale, and the left and top padding in
    ///   input pixels.
    /// - Throws: ``DatasetError/imageUnreadable(path:reason:)`` when the image no longer decodes.
    public func letterboxed(
        index: Int, width: Int, height: Int
    ) throws(DatasetError) -> (image: [Float], scale: Float, padX: Float, padY: Float) {
        let path = dataset.samples[index].imagePath
        var image = [Float](repeating: 0, count: 3 * width * height)
        do {
            let frame = try ImageLoader.decodeImage(path: path)
            let geometry = try FrameConverter().letterbox(frame, into: &image, width: width, height: height)
            return (image, Float(geometry.scale), Float(geometry.padLeft), Float(geometry.padTop))
        } catch {
            throw .imageUnreadable(path: path, reason: "\(error)")
        }
    }

    /// Decodes `sample`'s image and resizes it so that its long side is `longSide` (the short side truncated, as
    /// upstream's `int(w0 * r)`).
    private static func loadResized(
        _ sample: LabeledImage, longSide: Int, converter: FrameConverter
    ) -> Result<RGBImage, DatasetError> {
        let decoded: (width: Int, height: Int, bytes: [UInt8])
        do {
            decoded = try converter.convertToRGB24(ImageLoader.decodeImage(path: sample.imagePath))
        } catch {
            return .failure(.imageUnreadable(path: sample.imagePath, reason: "\(error)"))
        }
        let image = RGBImage(width: decoded.width, height: decoded.height, pixels: decoded.bytes)
        let ratio = Double(longSide) / Double(max(image.width, image.height))
        let width = image.width >= image.height ? longSide : max(1, Int(Double(image.width) * ratio))
        let height = image.height > image.width ? longSide : max(1, Int(Double(image.height) * ratio))
        return .success(image.resized(width: width, height: height))
    }
}
