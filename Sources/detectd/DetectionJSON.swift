import Detector
import Foundation

/// The JSON objects of detectd's output schema (docs/output-schema.json), built as dictionaries.
enum DetectionJSON {
    /// A detection: class name and index, score, box `[x1, y1, x2, y2]` in source pixels.
    static func detection(_ detection: Detection, classNames: [String]) -> [String: Any] {
        let name =
            detection.classIndex < classNames.count ? classNames[detection.classIndex] : "\(detection.classIndex)"
        return [
            "class": name,
            "class_id": detection.classIndex,
            "score": rounded(Double(detection.score), places: 4),
            "box": [detection.box.x1, detection.box.y1, detection.box.x2, detection.box.y2].map {
                rounded(Double($0), places: 1)
            },
        ]
    }

    /// A `detections` line for one frame.
    static func frame(
        stream: String, frame: Int, pts: Double, time: Date, width: Int, height: Int, model: String,
        inferenceMilliseconds: Double, detections: [Detection], classNames: [String]
    ) -> [String: Any] {
        [
            "type": "detections",
            "stream": stream,
            "frame": frame,
            "pts": rounded(pts, places: 6),
            "time": timestamp(time),
            "width": width,
            "height": height,
            "model": model,
            "infer_ms": rounded(inferenceMilliseconds, places: 3),
            "detections": detections.map { detection($0, classNames: classNames) },
        ]
    }

    /// UTC time with milliseconds, e.g. `2026-12-03T12:00:00.123Z`.
    static func timestamp(_ date: Date) -> String {
        let milliseconds = Int64((date.timeIntervalSince1970 * 1000).rounded(.down))
        var seconds = time_t(milliseconds / 1000)
        var parts = tm()
        gmtime_r(&seconds, &parts)
        return String(
            format: "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1,
            Int(parts.tm_mday), Int(parts.tm_hour), Int(parts.tm_min), Int(parts.tm_sec), Int(milliseconds % 1000))
    }

    /// `value` rounded to `places` decimals, so the JSON carries no float noise.
    static func rounded(_ value: Double, places: Int) -> Double {
        let factor = Foundation.pow(10, Double(places))
        return (value * factor).rounded() / factor
    }
}
