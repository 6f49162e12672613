import Foundation

/// One block of a `.dat` file: `#` comment lines (the first names the block, the last lists the
/// columns), then whitespace-separated rows. Blocks are separated by two blank lines, so gnuplot
/// selects block k with `index k`.
public struct DataBlock: Sendable, Equatable {
    public var comments: [String]
    public var lines: [String]

    /// Numeric rows under a `# column column ...` header.
    public init(_ description: String, columns: [String], rows: [[Double]]) {
        comments = [description, columns.map(DataFormat.columnName).joined(separator: " ")]
        lines = rows.map { $0.map(DataFormat.number).joined(separator: " ") }
    }

    /// Pre-formatted rows (use `DataFormat.number` / `DataFormat.text` for the fields).
    public init(_ description: String, columns: [String], lines: [String]) {
        comments = [description, columns.map(DataFormat.columnName).joined(separator: " ")]
        self.lines = lines
    }

    /// A matrix (gnuplot's `matrix` format): one line per row, no header columns.
    public init(_ description: String, matrix: [[Double]]) {
        comments = [description, "matrix: \(matrix.count) rows x \(matrix.first?.count ?? 0) columns (row i = y index, column j = x index)"]
        lines = matrix.map { $0.map(DataFormat.number).joined(separator: " ") }
    }

    var text: String {
        var out = comments.map { "# " + $0.replacingOccurrences(of: "\n", with: " ") + "\n" }.joined()
        for line in lines { out += line + "\n" }
        return out
    }

    /// The data file: blocks separated by two blank lines, after a header naming each block's index.
    public static func file(_ blocks: [DataBlock], header: [String]) -> String {
        var out = header.map { "# " + $0 + "\n" }.joined()
        for (i, block) in blocks.enumerated() {
            out += i == 0 ? "\n" : "\n\n"
            out += "# index \(i)\n" + block.text
        }
        return out
    }
}

/// Fixed text forms for data files and scripts (deterministic bytes, no locale).
public enum DataFormat {
    /// Integers exactly (below 1e15), others with 10 significant digits; non-finite as NaN (gnuplot skips it).
    public static func number(_ x: Double) -> String {
        if !x.isFinite { return "NaN" }
        if x == x.rounded(), abs(x) < 1e15 { return x == 0 ? "0" : String(Int64(x)) }
        return String(format: "%.10g", x)
    }

    /// A string field of a data file, double-quoted (gnuplot reads it as one column).
    public static func text(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\"", with: "'").replacingOccurrences(of: "\n", with: " ") + "\""
    }

    static func columnName(_ s: String) -> String {
        s.isEmpty ? "-" : s.replacingOccurrences(of: " ", with: "_").replacingOccurrences(of: "\n", with: "_")
    }
}

/// Builds the self-contained gnuplot script of a figure.
enum GnuplotScript {
    /// A gnuplot single-quoted string whose content is shown literally in enhanced text mode.
    static func quote(_ s: String) -> String {
        var out = "'"
        for ch in s {
            switch ch {
            case "'": out += "''"
            case "_", "^", "@", "&", "~", "{", "}", "\\": out += "\\" + String(ch)
            case "\n", "\r": out += " "
            default: out.append(ch)
            }
        }
        return out + "'"
    }

    /// A colour as a gnuplot `rgb` spec.
    static func color(_ c: String) -> String { "rgb " + "'" + c.replacingOccurrences(of: "'", with: "") + "'" }

    static func num(_ x: Double) -> String { DataFormat.number(x) }

    static func range(_ min: Double?, _ max: Double?) -> String {
        "[\(min.map(num) ?? "*"):\(max.map(num) ?? "*")]"
    }

    /// The script's drawing commands and data blocks for `figure`.
    static func build(_ figure: Figure) -> (commands: [String], blocks: [DataBlock]) {
        // Matrix blocks go first: gnuplot's matrix reader warns about NaN in any block it passes over.
        var matrixBlocks: [DataBlock] = []
        var otherBlocks: [DataBlock] = []
        let matrixCount = figure.panels.filter { if case .heatMap = $0 { return true }; return false }.count
        func addMatrix(_ b: DataBlock) -> Int { matrixBlocks.append(b); return matrixBlocks.count - 1 }
        func addOther(_ b: DataBlock) -> Int { otherBlocks.append(b); return matrixCount + otherBlocks.count - 1 }

        var commands: [String] = []
        let grid = figure.grid
        commands.append("set multiplot layout \(grid.rows),\(grid.columns)" + (figure.title.isEmpty ? "" : " title \(quote(figure.title)) font ',12'"))
        for (p, panel) in figure.panels.enumerated() {
            commands.append("")
            switch panel {
            case .lines(let plot):
                commands.append("# Panel \(p + 1): line plot" + (plot.title.isEmpty ? "" : " '\(plot.title)'"))
                commands += lineCommands(plot, panel: p + 1, add: addOther)
            case .heatMap(let map):
                commands.append("# Panel \(p + 1): heat map" + (map.title.isEmpty ? "" : " '\(map.title)'"))
                commands += heatMapCommands(map, panel: p + 1, add: addMatrix)
            case .graph(let graph):
                commands.append("# Panel \(p + 1): graph" + (graph.title.isEmpty ? "" : " '\(graph.title)'"))
                commands += graphCommands(graph, panel: p + 1, add: addOther)
            }
        }
        commands.append("")
        commands.append("unset multiplot")
        return (commands, matrixBlocks + otherBlocks)
    }

    static func common(title: String) -> [String] {
        var c = ["reset"]
        if !title.isEmpty { c.append("set title \(quote(title))") }
        return c
    }

    static func axisCommands(_ axis: Axis, name: String) -> [String] {
        var c: [String] = []
        if !axis.label.isEmpty { c.append("set \(name)label \(quote(axis.label))") }
        if axis.log {
            c.append("set logscale \(name)")
        }
        if let format = axis.format ?? (axis.log ? "10^{%L}" : nil) {
            c.append("set format \(name) '\(format.replacingOccurrences(of: "'", with: "''"))'")
        }
        if axis.min != nil || axis.max != nil { c.append("set \(name)range \(range(axis.min, axis.max))") }
        return c
    }

    static func lineCommands(_ plot: LinePlot, panel: Int, add: (DataBlock) -> Int) -> [String] {
        var c = common(title: plot.title)
        c += axisCommands(plot.x, name: "x")
        c += axisCommands(plot.y, name: "y")
        if let y2 = plot.y2 {
            c += axisCommands(y2, name: "y2")
            c += ["set ytics nomirror", "set y2tics"]
        }
        c.append(plot.key == "off" ? "unset key" : "set key \(plot.key)")
        c.append("set grid back lc rgb '#e0e0e0'")
        for (i, line) in plot.referenceLines.enumerated() {
            let v = num(line.value)
            let style = "nohead lc \(color(line.color)) dt \(line.dashType) lw 1 back"
            switch line.orientation {
            case .vertical:
                c.append("set arrow \(i + 1) from first \(v), graph 0 to first \(v), graph 1 \(style)")
                if !line.label.isEmpty { c.append("set label \(i + 1) \(quote(line.label)) at first \(v), graph 0.97 left offset 0.4,0 textcolor \(color(line.color)) font ',8'") }
            case .horizontal:
                c.append("set arrow \(i + 1) from graph 0, first \(v) to graph 1, first \(v) \(style)")
                if !line.label.isEmpty { c.append("set label \(i + 1) \(quote(line.label)) at graph 0.01, first \(v) left offset 0,0.6 textcolor \(color(line.color)) font ',8'") }
            }
        }
        c += plot.extraCommands
        var clauses: [String] = []
        var colorIndex = 0
        for s in plot.series {
            let defaultColor = defaultColors[colorIndex % defaultColors.count]
            if s.color == nil { colorIndex += 1 }
            guard !s.x.isEmpty else { continue }
            let rows = zip(s.x, s.y).map { [$0, $1] }
            let index = add(DataBlock("panel \(panel), series '\(s.title)'", columns: ["x", "y"], rows: rows))
            var clause = "datafile index \(index) using 1:2 with \(s.style.rawValue)"
            clause += " lc \(color(s.color ?? defaultColor))"
            switch s.style {
            case .points: clause += " pt \(s.pointType) ps \(num(s.pointSize))"
            case .linesPoints: clause += " lw \(num(s.lineWidth)) dt \(s.dashType) pt \(s.pointType) ps \(num(s.pointSize))"
            default: clause += " lw \(num(s.lineWidth)) dt \(s.dashType)"
            }
            if s.onY2 { clause += " axes x1y2" }
            clause += s.title.isEmpty ? " notitle" : " title \(quote(s.title))"
            clauses.append(clause)
        }
        c += plotCommand(clauses)
        return c
    }

    static func plotCommand(_ clauses: [String]) -> [String] {
        if clauses.isEmpty { return ["set xrange [0:1]", "set yrange [0:1]", "set label 99 'no data' at graph 0.5, graph 0.5 center", "plot 2 notitle"] }
        var lines = ["plot \\"]
        for (i, clause) in clauses.enumerated() {
            lines.append("    " + clause + (i + 1 < clauses.count ? ", \\" : ""))
        }
        return lines
    }

    static func heatMapCommands(_ map: HeatMap, panel: Int, add: (DataBlock) -> Int) -> [String] {
        var c = common(title: map.title)
        let rows = map.values.count, cols = map.values.first?.count ?? 0
        guard rows > 0, cols > 0 else { return c + plotCommand([]) }
        let index = add(DataBlock("panel \(panel), heat map '\(map.title)'", matrix: map.values))
        c.append(map.palette.command)
        if !map.x.label.isEmpty { c.append("set xlabel \(quote(map.x.label))") }
        if !map.y.label.isEmpty { c.append("set ylabel \(quote(map.y.label))") }
        if !map.colorLabel.isEmpty { c.append("set cblabel \(quote(map.colorLabel))") }
        if map.logColor { c.append("set logscale cb"); c.append("set format cb '10^{%L}'") }
        if let r = map.colorRange { c.append("set cbrange \(range(r.min, r.max))") }
        func extent(_ a: HeatAxis, _ n: Int, reversed: Bool = false) -> String {
            let lo = a.start - a.step / 2, hi = a.start + Double(n - 1) * a.step + a.step / 2
            let (from, to) = (Swift.min(lo, hi), Swift.max(lo, hi))
            return reversed ? "[\(num(to)):\(num(from))]" : "[\(num(from)):\(num(to))]"
        }
        c.append("set xrange \(extent(map.x, cols))")
        c.append("set yrange \(extent(map.y, rows, reversed: map.yReversed))")
        c.append("set tics out")
        for (axis, name, n) in [(map.x, "x", cols), (map.y, "y", rows)] {
            guard let labels = axis.tickLabels else { continue }
            let ticks = (0..<Swift.min(n, labels.count)).filter { $0 % axis.tickEvery == 0 }
                .map { "\(quote(labels[$0])) \(num(axis.start + Double($0) * axis.step))" }
            c.append("set \(name)tics (\(ticks.joined(separator: ", ")))" + (name == "x" ? " rotate by 45 right" : ""))
        }
        c += map.extraCommands
        let using = "(\(num(map.x.start))+$1*\(num(map.x.step))):(\(num(map.y.start))+$2*\(num(map.y.step))):3"
        c.append("plot datafile index \(index) matrix using \(using) with image notitle")
        return c
    }

    static func graphCommands(_ graph: GraphPlot, panel: Int, add: (DataBlock) -> Int) -> [String] {
        var c = common(title: graph.title)
        guard !graph.nodes.isEmpty else { return c + plotCommand([]) }
        c += ["unset border", "unset tics", "unset key", "set size ratio -1", graph.palette.command]
        let xs = graph.nodes.map(\.x), ys = graph.nodes.map(\.y)
        let span = Swift.max(xs.max()! - xs.min()!, ys.max()! - ys.min()!, 1e-9)
        let pad = 0.12 * span
        c.append("set xrange [\(num(xs.min()! - pad)):\(num(xs.max()! + pad))]")
        c.append("set yrange [\(num(ys.min()! - pad)):\(num(ys.max()! + pad))]")
        if !graph.shadeLabel.isEmpty { c.append("set cblabel \(quote(graph.shadeLabel))") }
        if graph.logShade { c.append("set logscale cb") }
        if let r = graph.shadeRange { c.append("set cbrange \(range(r.min, r.max))") }
        c.append("set colorbox")
        c.append("set cbtics")
        c += graph.extraCommands
        var clauses: [String] = []
        if !graph.edges.isEmpty {
            let rows = graph.edges.map { e -> [Double] in
                let a = graph.nodes[e.from], b = graph.nodes[e.to]
                return [a.x, a.y, b.x - a.x, b.y - a.y]
            }
            let index = add(DataBlock("panel \(panel), graph '\(graph.title)': \(graph.edges.count) edges as segments",
                                      columns: ["x", "y", "dx", "dy"], rows: rows))
            clauses.append("datafile index \(index) using 1:2:3:4 with vectors nohead lw 1 lc \(color(graph.edgeColor)) notitle")
        }
        let lines = graph.nodes.map { n in [DataFormat.number(n.x), DataFormat.number(n.y), DataFormat.number(n.shade), DataFormat.text(n.label)].joined(separator: " ") }
        let index = add(DataBlock("panel \(panel), graph '\(graph.title)': \(graph.nodes.count) nodes", columns: ["x", "y", "shade", "label"], lines: lines))
        let ps = num(graph.nodeSize)
        clauses.append("datafile index \(index) using 1:2:3 with points pt 7 ps \(ps) lc palette notitle")
        clauses.append("datafile index \(index) using 1:2 with points pt 6 ps \(ps) lc rgb '#000000' notitle")
        if graph.showLabels {
            clauses.append("datafile index \(index) using 1:2:4 with labels offset 0,\(num(graph.nodeSize * 0.55)) font ',8' noenhanced notitle")
        }
        c += plotCommand(clauses)
        return c
    }

    /// The complete script: header, terminals, the drawing commands once per output format.
    static func script(name: String, title: String, description: [String], size: (width: Int, height: Int), font: String,
                       commands: [String]) -> String {
        var out = "#!/usr/bin/env gnuplot\n"
        out += "# \(title.replacingOccurrences(of: "\n", with: " "))\n"
        for line in description { out += "# \(line)\n" }
        out += "#\n"
        out += "# Written by SpikeLab's figure pipeline. Self-contained: edit this file and run\n"
        out += "#   gnuplot \(name).gp\n"
        out += "# in this folder; it reads \(name).dat (block k = 'index k') and rewrites \(name).png and \(name).svg.\n\n"
        out += "name = '\(name)'\n"
        out += "datafile = name . '.dat'\n"
        out += "width = \(size.width)\n"
        out += "height = \(size.height)\n"
        out += "font = '\(font.replacingOccurrences(of: "'", with: ""))'\n\n"
        out += "do for [format in 'png svg'] {\n"
        out += "    if (format eq 'png') {\n"
        out += "        set terminal pngcairo size width,height enhanced font font background rgb '#ffffff'\n"
        out += "    } else {\n"
        out += "        set terminal svg size width,height enhanced font font background rgb '#ffffff'\n"
        out += "    }\n"
        out += "    set output name . '.' . format\n"
        for line in commands { out += line.isEmpty ? "\n" : "    " + line + "\n" }
        out += "    unset output\n"
        out += "}\n"
        return out
    }
}
