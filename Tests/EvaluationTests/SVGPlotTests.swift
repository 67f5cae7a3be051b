import Foundation
import Testing

@testable import Evaluation

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// The SVG line chart: round axes, the elements drawn, escaping, and a document an XML parser accepts.
struct SVGPlotTests {
    @Test func automaticAxesEndOnRoundTicks() {
        let unit = SVGPlot.axis(fixed: nil, data: [0.03, 0.97])
        #expect(unit.range == 0...1)
        #expect(unit.step == 0.2)
        #expect(unit.ticks.map { SVGPlot.label($0, step: unit.step) } == ["0.0", "0.2", "0.4", "0.6", "0.8", "1.0"])

        let losses = SVGPlot.axis(fixed: nil, data: [3, 47])
        #expect(losses.range == 0...50)
        #expect(losses.ticks == [0, 10, 20, 30, 40, 50])

        let flat = SVGPlot.axis(fixed: nil, data: [5, 5])
        #expect(flat.range.lowerBound < 5 && flat.range.upperBound > 5)

        let fixed = SVGPlot.axis(fixed: 0.05...0.95, data: [])
        #expect(fixed.range == 0.05...0.95)
        #expect(fixed.ticks.map { SVGPlot.label($0, step: fixed.step) } == ["0.2", "0.4", "0.6", "0.8"])
    }

    @Test func drawsSeriesLegendAndLabels() throws {
        let plot = SVGPlot(
            title: "loss < 1 & falling", xLabel: "epoch", yLabel: "loss",
            series: [
                .init(name: "box", points: [(0, 3), (1, 2), (2, .nan), (3, 1)]),
                .init(name: "obj \"x\"", points: [(0, 1), (3, 0.5)]),
            ])
        let svg = plot.svgText()
        #expect(svg.contains("loss &lt; 1 &amp; falling"))
        #expect(svg.contains("obj &quot;x&quot;"))
        // The NaN point splits the first series in two runs.
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 3)
        #expect(svg.contains(SVGPlot.palette[0]) && svg.contains(SVGPlot.palette[1]))

        let parser = XMLParser(data: Data(svg.utf8))
        #expect(parser.parse(), "not well-formed XML: \(String(describing: parser.parserError))")
    }

    @Test func precisionRecallChartHasOneCurvePerClass() throws {
        let groundTruth = [
            GroundTruthBox(imageID: 1, classID: 0, x1: 0, y1: 0, x2: 10, y2: 10),
            GroundTruthBox(imageID: 1, classID: 1, x1: 20, y1: 20, x2: 30, y2: 30),
        ]
        let metrics = COCOEvaluator(groundTruth: groundTruth, imageIDs: [1], classIDs: [0, 1, 2]).evaluate([
            ScoredDetection(imageID: 1, classID: 0, score: 0.9, x1: 0, y1: 0, x2: 10, y2: 10)
        ])
        let svg = SVGPlot.precisionRecallSVG(metrics: metrics, classNames: ["rbc", "wbc", "platelets"])
        #expect(svg.contains("rbc 1.000") && svg.contains("wbc 0.000") && svg.contains("all classes 0.500"))
        #expect(!svg.contains("platelets"))
        #expect(svg.components(separatedBy: "<polyline").count - 1 == 3)
    }
}
