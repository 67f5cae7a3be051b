import Stream

extension Augmenter {
    /// Upstream's `load_mosaic`: four cached images (`index` and three drawn with replacement) around a random
    /// centre in `[s/2, 3s/2)` of a `2s` square canvas filled with grey 114, top-left, top-right, bottom-left,
    /// bottom-right, each cropped where it meets the canvas edge; boxes follow and are clipped to the canvas. The
    /// canvas then goes through ``randomAffine(_:_:_:)`` back to `s` square.
    func mosaic(around index: Int, _ random: inout RandomSource) -> (RGBImage, [PixelBox]) {
        let s = imageSize
        let centreX = Int(random.uniform(Double(s / 2), Double(2 * s - s / 2)))
        let centreY = Int(random.uniform(Double(s / 2), Double(2 * s - s / 2)))
        let indices = [index] + (0..<3).map { _ in random.index(below: cache.count) }
        var canvas = RGBImage(width: 2 * s, height: 2 * s, filledWith: 114)
        var boxes: [PixelBox] = []
        for (quadrant, imageIndex) in indices.enumerated() {
            let image = cache[imageIndex]
            let (w, h) = (image.width, image.height)
            // The canvas rectangle (a) and the part of the image (b) that fills it.
            let x1a: Int
            let y1a: Int
            let x2a: Int
            let y2a: Int
            switch quadrant {
            case 0: (x1a, y1a, x2a, y2a) = (max(centreX - w, 0), max(centreY - h, 0), centreX, centreY)
            case 1: (x1a, y1a, x2a, y2a) = (centreX, max(centreY - h, 0), min(centreX + w, 2 * s), centreY)
            case 2: (x1a, y1a, x2a, y2a) = (max(centreX - w, 0), centreY, centreX, min(2 * s, centreY + h))
            default: (x1a, y1a, x2a, y2a) = (centreX, centreY, min(centreX + w, 2 * s), min(2 * s, centreY + h))
            }
            let x1b = quadrant == 0 || quadrant == 2 ? w - (x2a - x1a) : 0
            let y1b = quadrant == 0 || quadrant == 1 ? h - (y2a - y1a) : 0
            canvas.paste(image, sourceX: x1b, sourceY: y1b, width: x2a - x1a, height: y2a - y1a, x: x1a, y: y1a)

            let (padX, padY) = (Float(x1a - x1b), Float(y1a - y1b))
            let side = Float(2 * s)
            boxes += cachedBoxes[imageIndex].map { box in
                PixelBox(
                    classID: box.classID, x1: min(max(box.x1 + padX, 0), side), y1: min(max(box.y1 + padY, 0), side),
                    x2: min(max(box.x2 + padX, 0), side), y2: min(max(box.y2 + padY, 0), side))
            }
        }
        return randomAffine(canvas, boxes, &random)
    }

    /// The non-mosaic path: the cached image (long side `s`) centred on an `s` square with grey 114 padding
    /// (upstream's `letterbox` with `auto=False`, no resize needed), then ``randomAffine(_:_:_:)``.
    func letterboxedCached(_ index: Int, _ random: inout RandomSource) -> (RGBImage, [PixelBox]) {
        let image = cache[index]
        let s = imageSize
        let geometry = LetterboxGeometry(
            sourceWidth: image.width, sourceHeight: image.height, targetWidth: s, targetHeight: s)
        var square = RGBImage(width: s, height: s, filledWith: 114)
        square.paste(
            image, sourceX: 0, sourceY: 0, width: image.width, height: image.height, x: geometry.padLeft,
            y: geometry.padTop)
        let (padX, padY) = (Float(geometry.padLeft), Float(geometry.padTop))
        let boxes = cachedBoxes[index].map {
            PixelBox(classID: $0.classID, x1: $0.x1 + padX, y1: $0.y1 + padY, x2: $0.x2 + padX, y2: $0.y2 + padY)
        }
        return randomAffine(square, boxes, &random)
    }

    /// Upstream's `random_perspective` without rotation, shear or perspective: scale by a gain uniform in
    /// `1 ± scale` about the picture's centre, then place that centre at `(0.5 ± translate) * s` on each axis, in
    /// an `s` square output sampled bilinearly with grey 114 outside the picture (`cv2.warpAffine`).
    ///
    /// Boxes move with the picture and are clipped to the output; upstream's `box_candidates` then keeps a box only
    /// if it is wider and taller than 2 pixels, keeps more than 10% of its scaled area, and has an aspect ratio
    /// below 20.
    func randomAffine(_ picture: RGBImage, _ boxes: [PixelBox], _ random: inout RandomSource) -> (RGBImage, [PixelBox])
    {
        let s = imageSize
        let gain = random.uniform(1 - config.scale, 1 + config.scale)
        let offsetX = random.uniform(0.5 - config.translate, 0.5 + config.translate) * Double(s)
        let offsetY = random.uniform(0.5 - config.translate, 0.5 + config.translate) * Double(s)
        let centreX = Double(picture.width) / 2
        let centreY = Double(picture.height) / 2
        let isIdentity =
            gain == 1 && offsetX == centreX && offsetY == centreY && picture.width == s && picture.height == s
        let output =
            isIdentity
            ? picture
            : picture.warped(gain: gain, fromCentre: (centreX, centreY), toCentre: (offsetX, offsetY), size: s)

        let side = Float(s)
        let (g, cx, cy, tx, ty) = (Float(gain), Float(centreX), Float(centreY), Float(offsetX), Float(offsetY))
        let kept: [PixelBox] = boxes.compactMap { box in
            let moved = PixelBox(
                classID: box.classID, x1: min(max(g * (box.x1 - cx) + tx, 0), side),
                y1: min(max(g * (box.y1 - cy) + ty, 0), side), x2: min(max(g * (box.x2 - cx) + tx, 0), side),
                y2: min(max(g * (box.y2 - cy) + ty, 0), side))
            return Self.isCandidate(before: box, gain: g, after: moved) ? moved : nil
        }
        return (output, kept)
    }

    /// Upstream's `box_candidates` with its defaults: width and height above 2 pixels, more than 10% of the
    /// box's area after scaling by `gain` left after clipping, aspect ratio below 20.
    static func isCandidate(before: PixelBox, gain: Float, after: PixelBox) -> Bool {
        let (w1, h1) = ((before.x2 - before.x1) * gain, (before.y2 - before.y1) * gain)
        let (w2, h2) = (after.x2 - after.x1, after.y2 - after.y1)
        let epsilon: Float = 1e-16
        let aspect = max(w2 / (h2 + epsilon), h2 / (w2 + epsilon))
        return w2 > 2 && h2 > 2 && w2 * h2 / (w1 * h1 + epsilon) > 0.1 && aspect < 20
    }
}
