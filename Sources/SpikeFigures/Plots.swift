import Foundation

/// A figure: one or more panels in a grid, rendered by gnuplot to PNG and SVG (see `FigureOutput`).
public struct Figure: Sendable {
    public var title: String
    public var panels: [Panel]
    /// Grid rows and columns (default: up to three panels side by side, then more rows).
    public var layout: (rows: Int, columns: Int)?
    /// Image size in pixels (default: 560 x 400 per panel).
    public var size: (width: Int, height: Int)?
    public var font = "Sans,10"

    public init(title: String = "", panels: [Panel], layout: (rows: Int, columns: Int)? = nil, size: (width: Int, height: Int)? = nil) {
        self.title = title; self.panels = panels; self.layout = layout; self.size = size
    }

    public init(title: String = "", _ panel: Panel, size: (width: Int, height: Int)? = nil) {
        self.init(title: title, panels: [panel], size: size)
    }

    var grid: (rows: Int, columns: Int) {
        if let layout { return layout }
        let columns = max(1, min(panels.count, 3))
        return ((panels.count + columns - 1) / columns, columns)
    }

    var pixels: (width: Int, height: Int) {
        if let size { return size }
        let g = grid
        return (560 * g.columns, 400 * g.rows + (title.isEmpty ? 0 : 30))
    }
}

public enum Panel: Sendable {
    case lines(LinePlot)
    case heatMap(HeatMap)
    case graph(GraphPlot)
}

/// An axis of a line plot.
public struct Axis: Sendable {
    public var label: String
    public var log: Bool
    public var min: Double?
    public var max: Double?
    /// gnuplot tic format (default: `10^{%L}` on log axes, gnuplot's own otherwise).
    public var format: String?

    public init(_ label: String = "", log: Bool = false, min: Double? = nil, max: Double? = nil, format: String? = nil) {
        self.label = label; self.log = log; self.min = min; self.max = max; self.format = format
    }
}

public enum SeriesStyle: String, Sendable {
    case lines, points, linesPoints = "linespoints", impulses, steps
}

/// One curve (or set of markers) of a line plot.
public struct Series: Sendable {
    public var title: String
    public var x: [Double]
    public var y: [Double]
    public var style: SeriesStyle
    /// `#rrggbb` or a gnuplot colour name; nil: the next colour of the default cycle.
    public var color: String?
    public var lineWidth: Double
    /// gnuplot dash type (1 solid, 2 dashed, 3 dotted, ...).
    public var dashType: Int
    /// gnuplot point type (7 filled circle, 6 open circle, 5 filled square, 9 filled triangle, 2 cross).
    public var pointType: Int
    public var pointSize: Double
    /// Plot against the right-hand axis (`LinePlot.y2`).
    public var onY2: Bool

    public init(_ title: String, x: [Double], y: [Double], style: SeriesStyle = .lines, color: String? = nil,
                lineWidth: Double = 1.5, dashType: Int = 1, pointType: Int = 7, pointSize: Double = 0.8, onY2: Bool = false) {
        precondition(x.count == y.count, "series '\(title)': \(x.count) x values but \(y.count) y values")
        self.title = title; self.x = x; self.y = y; self.style = style; self.color = color; self.lineWidth = lineWidth
        self.dashType = dashType; self.pointType = pointType; self.pointSize = pointSize; self.onY2 = onY2
    }

    public init(_ title: String, x: [Int], y: [Double], style: SeriesStyle = .lines, color: String? = nil) {
        self.init(title, x: x.map(Double.init), y: y, style: style, color: color)
    }

    /// Markers only (e.g. detected spikes on a loss curve): open circles by default.
    public static func markers(_ title: String, x: [Double], y: [Double], color: String? = "#d62728",
                               pointType: Int = 6, pointSize: Double = 1.6) -> Series {
        Series(title, x: x, y: y, style: .points, color: color, pointType: pointType, pointSize: pointSize)
    }
}

/// A horizontal or vertical reference line (a threshold, eps, the spike step), with an optional label.
public struct ReferenceLine: Sendable {
    public enum Orientation: Sendable { case horizontal, vertical }
    public var orientation: Orientation
    public var value: Double
    public var label: String
    public var color: String
    public var dashType: Int

    public init(_ orientation: Orientation, at value: Double, label: String = "", color: String = "#555555", dashType: Int = 2) {
        self.orientation = orientation; self.value = value; self.label = label; self.color = color; self.dashType = dashType
    }
}

/// Several series against common axes (loss curves, norms over steps, ...).
public struct LinePlot: Sendable {
    public var title: String
    public var x: Axis
    public var y: Axis
    /// The right-hand axis, used by series with `onY2`.
    public var y2: Axis?
    public var series: [Series]
    public var referenceLines: [ReferenceLine]
    /// gnuplot key placement ("top right", "bottom left outside", ...); "off" hides the key.
    public var key: String
    /// Extra gnuplot commands inserted just before the `plot` command (a reviewer's escape hatch).
    public var extraCommands: [String]

    public init(title: String = "", x: Axis = Axis("step"), y: Axis = Axis("loss"), y2: Axis? = nil, series: [Series] = [],
                referenceLines: [ReferenceLine] = [], key: String = "top right", extraCommands: [String] = []) {
        self.title = title; self.x = x; self.y = y; self.y2 = y2; self.series = series; self.referenceLines = referenceLines
        self.key = key; self.extraCommands = extraCommands
    }
}

/// Colour maps for heat maps and graph node shades.
public enum Palette: String, Sendable {
    case viridis, magma, grayscale, diverging

    var command: String {
        switch self {
        case .viridis:
            return "set palette defined (0 '#440154', 1 '#3b528b', 2 '#21918c', 3 '#5ec962', 4 '#fde725')"
        case .magma:
            return "set palette defined (0 '#000004', 1 '#51127c', 2 '#b73779', 3 '#fc8961', 4 '#fcfdbf')"
        case .grayscale:
            return "set palette defined (0 '#f0f0f0', 1 '#202020')"
        case .diverging:
            return "set palette defined (0 '#2166ac', 1 '#f7f7f7', 2 '#b2182b')"
        }
    }
}

/// One axis of a heat map: cell i sits at `start + i * step`; `tickLabels` (optional) name the cells.
public struct HeatAxis: Sendable {
    public var label: String
    public var start: Double
    public var step: Double
    public var tickLabels: [String]?
    /// With tick labels: label every n-th cell.
    public var tickEvery: Int

    public init(_ label: String = "", start: Double = 0, step: Double = 1, tickLabels: [String]? = nil, tickEvery: Int = 1) {
        self.label = label; self.start = start; self.step = step; self.tickLabels = tickLabels; self.tickEvery = max(1, tickEvery)
    }
}

/// A matrix drawn as an image (`plot ... matrix with image`): `values[row][column]`, rows along y
/// (row 0 at the bottom unless `yReversed`), columns along x.
public struct HeatMap: Sendable {
    public var title: String
    public var values: [[Double]]
    public var x: HeatAxis
    public var y: HeatAxis
    public var colorLabel: String
    public var logColor: Bool
    public var colorRange: (min: Double, max: Double)?
    public var palette: Palette
    /// Row 0 at the top (matrix convention, e.g. distance matrices).
    public var yReversed: Bool
    public var extraCommands: [String]

    public init(title: String = "", values: [[Double]], x: HeatAxis = HeatAxis(), y: HeatAxis = HeatAxis(), colorLabel: String = "",
                logColor: Bool = false, colorRange: (min: Double, max: Double)? = nil, palette: Palette = .viridis,
                yReversed: Bool = false, extraCommands: [String] = []) {
        precondition(Set(values.map(\.count)).count <= 1, "heat map '\(title)': rows of different lengths")
        self.title = title; self.values = values; self.x = x; self.y = y; self.colorLabel = colorLabel; self.logColor = logColor
        self.colorRange = colorRange; self.palette = palette; self.yReversed = yReversed; self.extraCommands = extraCommands
    }
}

public struct GraphNode: Sendable {
    public var label: String
    public var x: Double
    public var y: Double
    /// The value mapped to the node's colour (e.g. the loss at a checkpoint).
    public var shade: Double
    public init(_ label: String, x: Double, y: Double, shade: Double) {
        self.label = label; self.x = x; self.y = y; self.shade = shade
    }
}

/// An undirected edge between two nodes, by index into `GraphPlot.nodes`.
public struct GraphEdge: Sendable, Hashable {
    public var from: Int
    public var to: Int
    public init(_ from: Int, _ to: Int) { self.from = from; self.to = to }
}

/// A graph drawing: nodes at positions shaded by a value, edges as segments (LMC graphs).
public struct GraphPlot: Sendable {
    public var title: String
    public var nodes: [GraphNode]
    public var edges: [GraphEdge]
    public var shadeLabel: String
    public var logShade: Bool
    public var shadeRange: (min: Double, max: Double)?
    public var palette: Palette
    public var nodeSize: Double
    public var edgeColor: String
    public var showLabels: Bool
    public var extraCommands: [String]

    public init(title: String = "", nodes: [GraphNode], edges: [GraphEdge], shadeLabel: String = "", logShade: Bool = false,
                shadeRange: (min: Double, max: Double)? = nil, palette: Palette = .viridis, nodeSize: Double = 2.5,
                edgeColor: String = "#7f7f7f", showLabels: Bool = true, extraCommands: [String] = []) {
        for e in edges { precondition(nodes.indices.contains(e.from) && nodes.indices.contains(e.to), "graph '\(title)': edge \(e) names a missing node") }
        self.title = title; self.nodes = nodes; self.edges = edges; self.shadeLabel = shadeLabel; self.logShade = logShade
        self.shadeRange = shadeRange; self.palette = palette; self.nodeSize = nodeSize; self.edgeColor = edgeColor
        self.showLabels = showLabels; self.extraCommands = extraCommands
    }

    /// `count` positions on the unit circle, the first at the top, going clockwise.
    public static func circleLayout(count: Int) -> [(x: Double, y: Double)] {
        (0..<count).map { i in
            let angle = Double.pi / 2 - 2 * Double.pi * Double(i) / Double(max(count, 1))
            return (cleanZero(cos(angle)), cleanZero(sin(angle)))
        }
    }

    /// `count` positions on the upper half of the unit circle in order, left to right: straight
    /// edges stay distinguishable, unlike on a line, and the order reads as on a line.
    public static func semicircleLayout(count: Int) -> [(x: Double, y: Double)] {
        (0..<count).map { i in
            let angle = semicircleAngle(at: Double(i), count: count)
            // Rounded so the .dat bytes do not depend on libm's last bit.
            return ((cos(angle) * 1e9).rounded() / 1e9, (sin(angle) * 1e9).rounded() / 1e9)
        }
    }

    /// The angle of (fractional) position `position` of `semicircleLayout(count:)`: pi at the first
    /// node, 0 at the last; between two nodes for marks between them.
    public static func semicircleAngle(at position: Double, count: Int) -> Double {
        Double.pi * (1 - position / Double(max(count - 1, 1)))
    }

    /// `count` positions along a line (x = 0, 1, ..., y = 0).
    public static func lineLayout(count: Int) -> [(x: Double, y: Double)] {
        (0..<count).map { (Double($0), 0) }
    }

    private static func cleanZero(_ x: Double) -> Double {
        // Rounds away last-bit noise (cos(pi/2) = 6e-17) so the .dat bytes do not depend on libm.
        (x * 1e12).rounded() / 1e12
    }
}

/// The default colour cycle (matplotlib's tab10).
public let defaultColors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf"]
