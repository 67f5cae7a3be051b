extension SVGPlot {
    /// The interpolated precision-recall curves at IoU 0.5 of every class with ground truth, and their mean as
    /// "all classes", as an SVG chart; legend entries carry each class's AP50.
    ///
    /// - Parameter classNames: the names by class index; classes without one are called "class N".
    public static func precisionRecallSVG(metrics: DetectionMetrics, classNames: [String]) -> String {
        var series: [Series] = []
        var curves: [[Double]] = []
        for classMetrics in metrics.classes {
            guard let curve = classMetrics.precisionRecallCurve, let ap50 = classMetrics.ap50 else { continue }
            let id = classMetrics.classID
            let name = classNames.indices.contains(id) ? classNames[id] : "class \(id)"
            let points = curve.map { (x: $0.recall, y: $0.precision) }
            series.append(Series(name: "\(name) \(label(ap50, step: 0.001))", points: points))
            curves.append(curve.map(\.precision))
        }
        if series.count > 1 {
            let mean = COCOEvaluator.recallThresholds.indices.map { slot in
                curves.reduce(0) { $0 + $1[slot] } / Double(curves.count)
            }
            series.append(
                Series(
                    name: "all classes \(label(metrics.mAP50, step: 0.001))",
                    points: Array(zip(COCOEvaluator.recallThresholds, mean))))
        }
        return SVGPlot(
            title: "Precision-recall at IoU 0.5 (mAP50 \(label(metrics.mAP50, step: 0.001)))", xLabel: "Recall",
            yLabel: "Precision", series: series, xRange: 0...1, yRange: 0...1
        ).svgText()
    }
}
