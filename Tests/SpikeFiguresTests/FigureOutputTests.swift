import Foundation
import Testing
import SpikeTestSupport
@testable import SpikeFigures

/// A figure with every panel kind: loss curves with spike markers and a reference line, a heat
/// map, an LMC-style graph.
func sampleFigure() -> Figure {
    let steps = (0..<40).map(Double.init)
    let loss = steps.map { 5 * exp(-$0 / 15) + ($0 == 20 ? 2 : 0) + 1 }
    let lines = LinePlot(title: "Loss (run_1)", x: Axis("step"), y: Axis("loss", log: true),
                         series: [Series("(1) lr 1e-3, no clip", x: steps, y: loss),
                                  Series("(2) clip_1.0", x: steps, y: loss.map { $0 * 0.9 }, dashType: 2),
                                  Series.markers("spikes", x: [20], y: [loss[20]])],
                         referenceLines: [ReferenceLine(.vertical, at: 20, label: "spike"), ReferenceLine(.horizontal, at: 2, label: "eps")])
    let matrix = (0..<5).map { i in (0..<5).map { j in abs(Double(i - j)) } }
    let heat = HeatMap(title: "Distances", values: matrix,
                       x: HeatAxis("step", start: 50, step: 50, tickLabels: ["50", "100", "150", "200", "250"]),
                       y: HeatAxis("step", start: 50, step: 50), colorLabel: "||A - B||", yReversed: true)
    let layout = GraphPlot.circleLayout(count: 6)
    let nodes = layout.enumerated().map { i, p in GraphNode("\(50 * (i + 1))", x: p.x, y: p.y, shade: 4 - Double(i) * 0.3) }
    let graph = GraphPlot(title: "LMC graph", nodes: nodes, edges: [GraphEdge(0, 1), GraphEdge(1, 2), GraphEdge(4, 5)], shadeLabel: "loss")
    return Figure(title: "Sample: every panel kind", panels: [.lines(lines), .heatMap(heat), .graph(graph)])
}

@Suite struct FigureOutputTests {
    @Test func writesDataScriptAndResultWithoutGnuplot() throws {
        let root = temporaryDirectory("noplot")
        defer { try? FileManager.default.removeItem(at: root) }
        let out = try FigureOutput(paper: "lmc", name: "fig4", root: root, scale: .ci)
        out.rendersImages = false
        try out.render(sampleFigure())
        var result = out.result(figure: "Fig. 4", title: "Loss curves")
        result.tables = sampleResult().tables
        try out.write(result)
        let dir = root.appendingPathComponent("lmc")
        let names = Set(try FileManager.default.contentsOfDirectory(atPath: dir.path))
        #expect(names == ["fig4.dat", "fig4.gp", "fig4.json", "fig4.md", "fig4.csv", "fig4.tex"])
        let json = try FigureResult.read(dir.appendingPathComponent("fig4.json"))
        #expect(json.files == ["fig4.csv", "fig4.dat", "fig4.gp", "fig4.json", "fig4.md", "fig4.tex"])
        #expect(json.scale == .ci)

        let dat = try read(dir.appendingPathComponent("fig4.dat"))
        // The heat map's matrix is block 0; the others follow, separated by two blank lines.
        #expect(dat.contains("# index 0\n# panel 2, heat map 'Distances'\n"))
        #expect(dat.contains("\n\n\n# index 1\n# panel 1, series '(1) lr 1e-3, no clip'\n# x y\n0 6\n1 "))
        #expect(dat.contains("\"250\""))
        let gp = try read(dir.appendingPathComponent("fig4.gp"))
        #expect(gp.contains("datafile = name . '.dat'"))
        #expect(gp.contains("set terminal pngcairo"))
        #expect(gp.contains("set terminal svg"))
        #expect(gp.contains("datafile index 0 matrix using (50+$1*50):(50+$2*50):3 with image"))
        #expect(gp.contains("set logscale y"))
        #expect(gp.contains("title '(2) clip\\_1.0'"))
        #expect(!gp.contains(root.path))   // relative paths only
    }

    @Test func rejectsNamesThatAreNotFileNames() {
        let root = URL(fileURLWithPath: "/nonexistent/figures")
        #expect(throws: FigureError.self) { try FigureOutput(paper: "lmc", name: "fig 4", root: root, scale: .ci) }
        #expect(throws: FigureError.self) { try FigureOutput(paper: "../x", name: "fig4", root: root, scale: .ci) }
        #expect(throws: FigureError.self) { try FigureOutput(paper: "lmc", name: "fig4", root: root, environment: ["SCALE": "huge"]) }
    }

    @Test(.enabled(if: Gnuplot.isAvailable, "gnuplot is not installed"))
    func rendersPNGAndSVGAndTheScriptReruns() throws {
        let root = temporaryDirectory("render")
        defer { try? FileManager.default.removeItem(at: root) }
        let out = try FigureOutput(paper: "lmc", name: "sample", root: root, scale: .ci)
        try out.render(sampleFigure())
        try out.write(out.result(figure: "Fig. 0", title: "Sample"))
        let dir = root.appendingPathComponent("lmc")
        let png = try Data(contentsOf: dir.appendingPathComponent("sample.png"))
        #expect(png.count > 1000)
        #expect(png.prefix(4) == Data([0x89, 0x50, 0x4E, 0x47]))
        let svg = try read(dir.appendingPathComponent("sample.svg"))
        #expect(svg.contains("<svg"))
        #expect(try FigureResult.read(dir.appendingPathComponent("sample.json")).files.contains("sample.png"))
        // A reviewer re-runs the script from the folder.
        try FileManager.default.removeItem(at: dir.appendingPathComponent("sample.png"))
        try Gnuplot.run(script: "sample.gp", in: dir)
        #expect(try Data(contentsOf: dir.appendingPathComponent("sample.png")).count > 1000)
    }

    @Test(.enabled(if: Gnuplot.isAvailable, "gnuplot is not installed"))
    func aFailingScriptIsAClearError() throws {
        let root = temporaryDirectory("fail")
        defer { try? FileManager.default.removeItem(at: root) }
        let out = try FigureOutput(paper: "lmc", name: "broken", root: root, scale: .ci)
        var plot = LinePlot(series: [Series("a", x: [0, 1], y: [1, 2])])
        plot.extraCommands = ["this is not gnuplot"]
        #expect {
            try out.render(Figure(.lines(plot)))
        } throws: { "\($0)".contains("gnuplot failed on") && "\($0)".contains("broken.gp") }
    }

    @Test func missingGnuplotIsDetected() {
        #expect(Gnuplot.executable(environment: ["GNUPLOT": "/nonexistent/gnuplot"]) == nil)
        #expect(Gnuplot.executable(environment: ["PATH": "/nonexistent"]) == nil)
    }

    @Test func bytesAreDeterministic() throws {
        var texts: [[String: Data]] = []
        for run in 0..<2 {
            let root = temporaryDirectory("determinism\(run)")
            defer { try? FileManager.default.removeItem(at: root) }
            let out = try FigureOutput(paper: "lmc", name: "fig4", root: root, scale: .ci)
            out.rendersImages = false
            try out.render(sampleFigure())
            var result = sampleResult()
            try result.setting("config", tinyConfig())
            try out.write(result)
            let dir = root.appendingPathComponent("lmc")
            var files: [String: Data] = [:]
            for name in try FileManager.default.contentsOfDirectory(atPath: dir.path) {
                files[name] = try Data(contentsOf: dir.appendingPathComponent(name))
            }
            texts.append(files)
        }
        #expect(texts[0].keys.sorted() == ["fig4.csv", "fig4.dat", "fig4.gp", "fig4.json", "fig4.md", "fig4.tex"])
        #expect(texts[0] == texts[1])
    }
}
