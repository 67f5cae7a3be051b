import Evaluation
import TestSupport

/// Seeded random ground truth and detections that exercise every rule of COCO's matching: crowd boxes, integer
/// boxes whose IoUs land exactly on thresholds, tied scores, duplicates, more than 100 detections on one image,
/// an image with detections but no ground truth, a class with ground truth but no detections (2), a class with
/// detections but no ground truth (3) and detections of a class that is not evaluated (7).
struct RandomDataset {
    /// The image size of every image, in pixels.
    static let imageSize = (width: 640.0, height: 480.0)
    /// The evaluated classes' names, by class index.
    static let classNames = ["cell", "blob", "undetected", "ghost"]

    /// The images, in shuffled id order.
    var images: [COCOImage] = []
    /// The ground truth, image by image.
    var groundTruth: [GroundTruthBox] = []
    /// The detections, shuffled across images.
    var detections: [ScoredDetection] = []

    /// Generates the data of `seed` on `imageCount` images.
    init(seed: UInt64, imageCount: Int = 40) {
        var random = SplitMix64(seed: seed)
        let ids = Array(0..<imageCount).shuffled(using: &random)
        for (position, id) in ids.enumerated() {
            images.append(
                COCOImage(
                    imageID: id, width: Int(Self.imageSize.width), height: Int(Self.imageSize.height),
                    fileName: "\(id).jpg"))
            let boxCount = position == 0 ? 0 : Int.random(in: 0...12, using: &random)
            for _ in 0..<boxCount {
                let isCrowd = Double.random(in: 0..<1, using: &random) < 0.06
                let classID = Int.random(in: 0...2, using: &random)
                let box = Self.randomBox(maximumSide: isCrowd ? 320 : 160, using: &random)
                groundTruth.append(
                    GroundTruthBox(
                        imageID: id, classID: classID, x1: box.x1, y1: box.y1, x2: box.x2, y2: box.y2,
                        isCrowd: isCrowd))
                guard classID != 2 else { continue }
                let copies = Double.random(in: 0..<1, using: &random) < 0.85 ? (random.next() % 5 == 0 ? 2 : 1) : 0
                for _ in 0..<copies {
                    let jittered = Self.jittered(box, using: &random)
                    let predicted =
                        Double.random(in: 0..<1, using: &random) < 0.1
                        ? [0, 1, 3].randomElement(using: &random)! : classID
                    detections.append(Self.detection(jittered, image: id, classID: predicted, using: &random))
                }
            }
            let noiseCount = position == 1 ? 130 : Int.random(in: 0...15, using: &random)
            for _ in 0..<noiseCount {
                let classID = position == 1 ? 0 : [0, 1, 3, 7].randomElement(using: &random)!
                let box = Self.randomBox(maximumSide: 200, using: &random)
                detections.append(Self.detection(box, image: id, classID: classID, using: &random))
            }
        }
        detections.shuffle(using: &random)
    }

    /// A box inside the image; half of them have integer corners.
    static func randomBox(
        maximumSide: Double, using random: inout SplitMix64
    ) -> (x1: Double, y1: Double, x2: Double, y2: Double) {
        let width = Double.random(in: 2...maximumSide, using: &random)
        let height = Double.random(in: 2...maximumSide, using: &random)
        var x1 = Double.random(in: 0...(imageSize.width - width), using: &random)
        var y1 = Double.random(in: 0...(imageSize.height - height), using: &random)
        var (x2, y2) = (x1 + width, y1 + height)
        if Bool.random(using: &random) {
            (x1, y1, x2, y2) = (x1.rounded(), y1.rounded(), x2.rounded(), y2.rounded())
        }
        return (x1, y1, x2, y2)
    }

    /// `box` with every edge moved by up to an eighth of its side, on the integer grid when `box` is on it.
    static func jittered(
        _ box: (x1: Double, y1: Double, x2: Double, y2: Double), using random: inout SplitMix64
    ) -> (x1: Double, y1: Double, x2: Double, y2: Double) {
        let isInteger = box.x1 == box.x1.rounded() && box.x2 == box.x2.rounded()
        let (dx, dy) = ((box.x2 - box.x1) / 8, (box.y2 - box.y1) / 8)
        let move = { (side: Double, random: inout SplitMix64) -> Double in
            let shift = Double.random(in: -side...side, using: &random)
            return isInteger ? shift.rounded() : shift
        }
        return (
            box.x1 + move(dx, &random), box.y1 + move(dy, &random), box.x2 + move(dx, &random),
            box.y2 + move(dy, &random)
        )
    }

    /// A detection of `box`; half of the scores are multiples of 0.05, which makes many ties.
    static func detection(
        _ box: (x1: Double, y1: Double, x2: Double, y2: Double), image: Int, classID: Int,
        using random: inout SplitMix64
    ) -> ScoredDetection {
        let uniform = Double.random(in: 0.001..<1, using: &random)
        let score = Bool.random(using: &random) ? (uniform * 20).rounded(.up) / 20 : uniform
        return ScoredDetection(
            imageID: image, classID: classID, score: score, x1: box.x1, y1: box.y1, x2: box.x2, y2: box.y2)
    }
}
