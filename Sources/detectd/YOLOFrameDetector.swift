import Detector
import Foundation
import Stream
import Torch

/// Detects objects in pipeline frames with a YOLOv7-family model; boxes come back in source pixels.
///
/// - Important: Used on the pipeline's inference queue only.
final class YOLOFrameDetector: FrameDetector {
    private let detector: ObjectDetector

    init(model: InferenceModel, options: NMSOptions, engine: ObjectDetector.Engine = .onednn) {
        detector = ObjectDetector(model: model, options: options, engine: engine)
    }

    /// The model, swappable between batches.
    var model: InferenceModel {
        get { detector.model }
        set { detector.model = newValue }
    }

    func detect(_ frames: [Frame]) throws -> [[Detection]] {
        guard let first = frames.first else { return [] }
        let (width, height) = (first.buffer.width, first.buffer.height)
        let found = try withBatch(frames, width: width, height: height) { input in
            try detector.detect(input, batch: frames.count, height: height, width: width)
        }
        return zip(frames, found).map { frame, detections in
            var mapped = detections
            // Stream's LetterboxGeometry and Detector's Letterbox compute the same geometry (Stream may not depend
            // on Detector, nor the reverse); rebuilding it from the sizes keeps one mapping for every caller.
            let geometry = frame.geometry
            Letterbox(
                sourceWidth: geometry.sourceWidth, sourceHeight: geometry.sourceHeight,
                targetWidth: geometry.targetWidth, targetHeight: geometry.targetHeight
            ).mapToSource(&mapped)
            return mapped
        }
    }

    /// Scratch for batches of several frames, which must lie in one block; reused from batch to batch.
    private var batchBuffer: [Float] = []

    /// Lends the frames as one dense NCHW block: a single frame's own buffer, several copied into `batchBuffer`.
    private func withBatch<R>(
        _ frames: [Frame], width: Int, height: Int, _ body: (UnsafePointer<Float>) throws -> R
    ) throws -> R {
        let perImage = 3 * width * height
        if frames.count == 1, let address = frames[0].buffer.pointer.baseAddress {
            return try withExtendedLifetime(frames[0]) { try body(UnsafePointer(address)) }
        }
        if batchBuffer.count < frames.count * perImage {
            batchBuffer = [Float](repeating: 0, count: frames.count * perImage)
        }
        return try batchBuffer.withUnsafeMutableBufferPointer { buffer in
            for (index, frame) in frames.enumerated() {
                guard let source = frame.buffer.pointer.baseAddress, let target = buffer.baseAddress else { continue }
                (target + index * perImage).update(from: source, count: perImage)
            }
            return try body(UnsafePointer(buffer.baseAddress!))
        }
    }
}
