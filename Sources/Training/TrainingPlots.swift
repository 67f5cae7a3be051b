import Evaluation
import Foundation
import Torch

/// The run folder's charts: losses per epoch (`losses.svg`) and validation metrics per epoch (`metrics.svg`).
public enum TrainingPlots {
    /// Writes both charts for `records` into `directory`, atomically.
    public static func write(_ records: [EpochRecord], to directory: String) throws(TorchError) {
        let epochs = records.map { Double($0.epoch) }
        let series = { (name: String, values: [Double]) in
            SVGPlot.Series(name: name, points: Array(zip(epochs, values)).map { (x: $0.0, y: $0.1) })
        }
        var losses = [
            series("box", records.map(\.losses.box)),
            series("objectness", records.map(\.losses.objectness)),
            series("class", records.map(\.losses.classification)),
        ]
        if records.contains(where: { $0.losses.soft > 0 }) {
            losses.append(series("soft (teacher)", records.map(\.losses.soft)))
        }
        losses.append(series("total", records.map(\.losses.total)))
        let lossPlot = SVGPlot(title: "Training loss per image", xLabel: "epoch", yLabel: "loss", series: losses)

        let evaluated = records.filter { $0.metrics != nil }
        let metric = { (name: String, value: (EpochMetrics) -> Double) in
            SVGPlot.Series(
                name: name,
                points: evaluated.compactMap { record in record.metrics.map { (x: Double(record.epoch), y: value($0)) }
                })
        }
        let metricPlot = SVGPlot(
            title: "Validation (EMA weights)", xLabel: "epoch", yLabel: "value",
            series: [
                metric("mAP@0.5", \.map50), metric("mAP@0.5:0.95", \.map50to95), metric("precision", \.precision),
                metric("recall", \.recall),
            ], yRange: 0...1)

        try AtomicFile.write(Data(lossPlot.svgText().utf8), to: directory + "/losses.svg")
        try AtomicFile.write(Data(metricPlot.svgText().utf8), to: directory + "/metrics.svg")
    }
}
