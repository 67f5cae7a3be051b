import Detector
import Foundation
import Stream
import Torch

/// Detects objects in pipeline frames with a YOLOv7-family model; boxes come back in source pixels.
///
/// - Important: Used on the pipeline's inference queue only.
final class YOLOFrameDetector: FrameDetector {
    private let detector: ObjectDetector

    init(model: InferenceModel, options: NMSOptions) {
        detector = ObjectDetector(model: model, options: options)
    }

    /// The model, swappable between batches.
    var model: InferenceModel {
        get { detector.model }
        set { detector.model = newValue }
    }

    func detect(_ frames: [Frame]) throws -> [[Detection]] {
        guard let first = frames.first else { return [] }
        let (width, height) = (first.buffer.width, first.buffer.height)
        let input = try Self.batchTensor(frames, width: width, height: height)
        let found = try detector.detect(input)
        return zip(frames, found).map { frame, detections in
            var mapped = detections
            let geometry = frame.geometry
            Letterbox(
                sourceWidth: geometry.sourceWidth, sourceHeight: geometry.sourceHeight,
                targetWidth: geometry.targetWidth, targetHeight: geometry.targetHeight
            ).mapToSource(&mapped)
            return mapped
        }
    }

    /// One frame is wrapped without a copy (the tensor keeps the frame, and so its buffer, alive); several are
    /// copied into one batch.
    private static func batchTensor(_ frames: [Frame], width: Int, height: Int) throws -> Tensor {
        let perImage = 3 * width * height
        if frames.count == 1, let address = frames[0].buffer.pointer.baseAddress {
            let frame = frames[0]
            return try Tensor.wrapping(UnsafeMutableRawPointer(address), shape: [1, 3, height, width], dtype: .float32)
            {
                withExtendedLifetime(frame) {}
            }
        }
        let batch = try Tensor.empty([frames.count, 3, height, width])
        try batch.withUnsafeMutableRawPointer { address in
            let floats = address.assumingMemoryBound(to: Float.self)
            for (index, frame) in frames.enumerated() {
                guard let source = frame.buffer.pointer.baseAddress else { continue }
                (floats + index * perImage).update(from: source, count: perImage)
            }
        }
        return batch
    }
}
