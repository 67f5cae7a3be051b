import Foundation
import Torch

/// One row of `results.csv`: an epoch's losses, metrics and speed.
public struct EpochRecord: Sendable, Equatable {
    /// The epoch, 1-based.
    public var epoch: Int
    /// The learning rate of the decayed group at the end of the epoch.
    public var learningRate: Double
    /// Mean losses per image.
    public var losses: EpochLosses
    /// Validation metrics of the EMA model, when it was evaluated this epoch.
    public var metrics: EpochMetrics?
    /// Wall-clock seconds of the epoch's training passes.
    public var seconds: Double
    /// Training images per second.
    public var imagesPerSecond: Double

    /// Creates a record.
    public init(
        epoch: Int, learningRate: Double, losses: EpochLosses, metrics: EpochMetrics?, seconds: Double,
        imagesPerSecond: Double
    ) {
        self.epoch = epoch
        self.learningRate = learningRate
        self.losses = losses
        self.metrics = metrics
        self.seconds = seconds
        self.imagesPerSecond = imagesPerSecond
    }
}

/// The run folder's `results.csv`: one row per epoch, rewritten atomically after each epoch.
public struct ResultsLog {
    /// The column names.
    public static let header =
        "epoch,lr,box_loss,obj_loss,cls_loss,soft_loss,total_loss,precision,recall,map50,map50_95,seconds,images_per_s"

    /// The rows so far.
    public private(set) var records: [EpochRecord] = []
    /// The file's path.
    public let path: String

    /// A log at `path`; existing rows are read back when resuming.
    public init(path: String, resuming: Bool) throws(TorchError) {
        self.path = path
        if resuming, let text = try? String(contentsOfFile: path, encoding: .utf8) {
            records = text.split(separator: "\n").dropFirst().compactMap(Self.parse)
        }
    }

    /// Appends `record` (dropping rows of the same or later epochs, left by an interrupted run) and saves.
    public mutating func append(_ record: EpochRecord) throws(TorchError) {
        records.removeAll { $0.epoch >= record.epoch }
        records.append(record)
        let lines = [Self.header] + records.map(Self.line)
        try AtomicFile.write(Data((lines.joined(separator: "\n") + "\n").utf8), to: path)
    }

    static func line(_ record: EpochRecord) -> String {
        let metrics = record.metrics
        let fields: [String] = [
            String(record.epoch), format(record.learningRate), format(record.losses.box),
            format(record.losses.objectness), format(record.losses.classification), format(record.losses.soft),
            format(record.losses.total), metrics.map { format($0.precision) } ?? "",
            metrics.map { format($0.recall) } ?? "", metrics.map { format($0.map50) } ?? "",
            metrics.map { format($0.map50to95) } ?? "", format(record.seconds), format(record.imagesPerSecond),
        ]
        return fields.joined(separator: ",")
    }

    static func parse(_ line: Substring) -> EpochRecord? {
        let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 13, let epoch = Int(fields[0]) else { return nil }
        let number = { (index: Int) in Double(fields[index]) ?? 0 }
        var losses = EpochLosses()
        losses.box = number(2)
        losses.objectness = number(3)
        losses.classification = number(4)
        losses.soft = number(5)
        losses.total = number(6)
        var metrics: EpochMetrics?
        if let map50 = Double(fields[9]), let map = Double(fields[10]) {
            metrics = EpochMetrics(precision: number(7), recall: number(8), map50: map50, map50to95: map)
        }
        return EpochRecord(
            epoch: epoch, learningRate: number(1), losses: losses, metrics: metrics, seconds: number(11),
            imagesPerSecond: number(12))
    }

    private static func format(_ value: Double) -> String {
        String(format: "%.6g", value)
    }
}
