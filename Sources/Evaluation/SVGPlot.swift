import Foundation

/// A small line chart rendered as standalone SVG text: named series of points, a title, axis labels, ticks on
/// automatic (or fixed) axis ranges and a legend to the right of the plot.
///
/// Points with a NaN or infinite coordinate break their series' line instead of being drawn.
public struct SVGPlot: Sendable {
    /// One named line of the chart.
    public struct Series: Sendable {
        /// The legend text.
        public var name: String
        /// The points, joined in this order.
        public var points: [(x: Double, y: Double)]

        /// Makes a series.
        public init(name: String, points: [(x: Double, y: Double)]) {
            self.name = name
            self.points = points
        }
    }

    /// The text above the chart.
    public var title: String
    /// The label under the x axis.
    public var xLabel: String
    /// The label left of the y axis.
    public var yLabel: String
    /// The lines, drawn in order with colours of a fixed ten-colour palette.
    public var series: [Series]
    /// The x axis range, or nil to fit the data with round tick values at both ends.
    public var xRange: ClosedRange<Double>?
    /// The y axis range, or nil to fit the data with round tick values at both ends.
    public var yRange: ClosedRange<Double>?
    /// The size of the whole image, in SVG user units (pixels).
    public var size: (width: Double, height: Double) = (720, 450)

    /// Makes a chart; the axis ranges are automatic unless given.
    public init(
        title: String, xLabel: String, yLabel: String, series: [Series], xRange: ClosedRange<Double>? = nil,
        yRange: ClosedRange<Double>? = nil
    ) {
        self.title = title
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.series = series
        self.xRange = xRange
        self.yRange = yRange
    }

    /// The colours of the series, in order, repeating after ten.
    static let palette = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
    ]

    /// The chart as an SVG document.
    public func svgText() -> String {
        let finite = series.flatMap(\.points).filter { $0.x.isFinite && $0.y.isFinite }
        let xAxis = Self.axis(fixed: xRange, data: finite.map(\.x))
        let yAxis = Self.axis(fixed: yRange, data: finite.map(\.y))
        let longestName = series.map(\.name.count).max() ?? 0
        let legendWidth = series.isEmpty ? 0 : 40 + 7 * Double(longestName)
        let plot = (left: 70.0, top: 40.0, right: size.width - 20 - legendWidth, bottom: size.height - 55)
        let place = { (x: Double, y: Double) -> (Double, Double) in
            let u = (x - xAxis.range.lowerBound) / (xAxis.range.upperBound - xAxis.range.lowerBound)
            let v = (y - yAxis.range.lowerBound) / (yAxis.range.upperBound - yAxis.range.lowerBound)
            return (plot.left + u * (plot.right - plot.left), plot.bottom - v * (plot.bottom - plot.top))
        }

        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(f(size.width))" height="\(f(size.height))" \
            font-family="sans-serif" font-size="12">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(f(size.width / 2))" y="24" text-anchor="middle" font-size="15">\(Self.escaped(title))</text>

            """
        for tick in xAxis.ticks {
            let (x, _) = place(tick, yAxis.range.lowerBound)
            svg += Self.segment(from: (x, plot.top), to: (x, plot.bottom), colour: "#ddd")
            svg += "<text x=\"\(f(x))\" y=\"\(f(plot.bottom + 16))\" text-anchor=\"middle\">"
            svg += "\(Self.label(tick, step: xAxis.step))</text>\n"
        }
        for tick in yAxis.ticks {
            let (_, y) = place(xAxis.range.lowerBound, tick)
            svg += Self.segment(from: (plot.left, y), to: (plot.right, y), colour: "#ddd")
            svg += "<text x=\"\(f(plot.left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">"
            svg += "\(Self.label(tick, step: yAxis.step))</text>\n"
        }
        svg += "<rect x=\"\(f(plot.left))\" y=\"\(f(plot.top))\" width=\"\(f(plot.right - plot.left))\" "
        svg += "height=\"\(f(plot.bottom - plot.top))\" fill=\"none\" stroke=\"#333\"/>\n"
        svg += "<text x=\"\(f((plot.left + plot.right) / 2))\" y=\"\(f(size.height - 14))\" text-anchor=\"middle\">"
        svg += "\(Self.escaped(xLabel))</text>\n"
        svg += "<text transform=\"translate(18 \(f((plot.top + plot.bottom) / 2))) rotate(-90)\" "
        svg += "text-anchor=\"middle\">\(Self.escaped(yLabel))</text>\n"

        for (index, line) in series.enumerated() {
            let colour = Self.palette[index % Self.palette.count]
            // Non-finite points split the line into separately drawn runs.
            var runs: [[String]] = [[]]
            for point in line.points {
                guard point.x.isFinite && point.y.isFinite else {
                    runs.append([])
                    continue
                }
                let (x, y) = place(point.x, point.y)
                runs[runs.count - 1].append("\(f(x)),\(f(y))")
            }
            for run in runs where !run.isEmpty {
                svg += "<polyline fill=\"none\" stroke=\"\(colour)\" stroke-width=\"2\" "
                svg += "points=\"\(run.joined(separator: " "))\"/>\n"
            }
            let legendY = plot.top + 8 + 18 * Double(index)
            svg += Self.segment(
                from: (plot.right + 12, legendY), to: (plot.right + 36, legendY), colour: colour, width: 2)
            svg += "<text x=\"\(f(plot.right + 42))\" y=\"\(f(legendY + 4))\">\(Self.escaped(line.name))</text>\n"
        }
        return svg + "</svg>\n"
    }

    /// An axis: its range, the tick step and the tick values inside the range.
    struct Axis {
        /// The values at the two ends.
        var range: ClosedRange<Double>
        /// The distance between ticks: 1, 2 or 5 times a power of ten.
        var step: Double
        /// The tick values, ascending.
        var ticks: [Double]
    }

    /// The axis for `fixed`, or, when nil, the one that covers `data` and ends on ticks; about five ticks.
    static func axis(fixed: ClosedRange<Double>?, data: [Double]) -> Axis {
        var low = fixed?.lowerBound ?? data.min() ?? 0
        var high = fixed?.upperBound ?? data.max() ?? 1
        if !(high > low) {
            let pad = low == 0 ? 1 : abs(low) / 10
            (low, high) = (low - pad, high + pad)
        }
        let rough = (high - low) / 5
        let magnitude = pow(10, (log10(rough)).rounded(.down))
        let step = ([1.0, 2, 5].first { $0 * magnitude >= rough * (1 - 1e-9) } ?? 10) * magnitude
        if fixed == nil {
            low = (low / step).rounded(.down) * step
            high = (high / step).rounded(.up) * step
        }
        let first = (low / step - 1e-9).rounded(.up)
        let last = (high / step + 1e-9).rounded(.down)
        let ticks = stride(from: first, through: last, by: 1).map { $0 * step + 0 }
        return Axis(range: low...high, step: step, ticks: ticks)
    }

    /// An SVG line element from one point to another.
    static func segment(
        from start: (Double, Double), to end: (Double, Double), colour: String, width: Double = 1
    ) -> String {
        "<line x1=\"\(f(start.0))\" y1=\"\(f(start.1))\" x2=\"\(f(end.0))\" y2=\"\(f(end.1))\" "
            + "stroke=\"\(colour)\" stroke-width=\"\(f(width))\"/>"
    }

    /// A tick value with as many decimals as `step` needs.
    static func label(_ value: Double, step: Double) -> String {
        let decimals = max(0, Int((-log10(step)).rounded(.up)))
        return String(format: "%.\(decimals)f", value == 0 ? 0 : value)
    }

    /// `text` with the XML special characters escaped.
    static func escaped(_ text: String) -> String {
        var output = ""
        for character in text {
            switch character {
            case "&": output += "&amp;"
            case "<": output += "&lt;"
            case ">": output += "&gt;"
            case "\"": output += "&quot;"
            default: output.append(character)
            }
        }
        return output
    }
}

/// A coordinate with two decimals, short enough for SVG and finer than a pixel.
private func f(_ value: Double) -> String {
    String(format: "%.2f", value)
}
