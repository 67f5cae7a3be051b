import Foundation
import Training

/// Shows training progress on stderr: a bar redrawn in place on a terminal, otherwise one log line per epoch.
final class TrainingProgress {
    private let epochs: Int
    private let logger: Logger
    private let isTerminal = isatty(STDERR_FILENO) != 0

    init(epochs: Int, logger: Logger) {
        self.epochs = epochs
        self.logger = logger
    }

    func observe(_ event: TrainingEvent) {
        switch event {
        case .batch(let epoch, let index, let count, let losses):
            guard isTerminal else { return }
            let width = 24
            let filled = width * (index + 1) / max(count, 1)
            let bar = String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled)
            let text = String(
                format: "\r%d/%d [%@] %d/%d box %.4f obj %.4f cls %.4f soft %.4f", epoch + 1, epochs, bar,
                index + 1, count, losses.box, losses.objectness, losses.classification, losses.soft)
            FileHandle.standardError.write(Data(text.utf8))
        case .epoch(let record, let isBest):
            if isTerminal { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            let format = { (value: Double) in String(format: "%.4f", value) }
            logger.info(
                "epoch",
                [
                    "epoch": "\(record.epoch)/\(epochs)", "box": format(record.losses.box),
                    "obj": format(record.losses.objectness), "cls": format(record.losses.classification),
                    "soft": format(record.losses.soft), "map50": record.metrics.map { format($0.map50) } ?? "-",
                    "map50_95": record.metrics.map { format($0.map50to95) } ?? "-",
                    "seconds": String(format: "%.1f", record.seconds),
                    "images_per_s": String(format: "%.2f", record.imagesPerSecond), "best": isBest ? "yes" : "no",
                ])
        }
    }
}
