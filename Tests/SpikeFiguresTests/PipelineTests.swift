import Foundation
import Testing
import SpikeTestSupport
@testable import SpikeFigures

/// The whole path a paper's figure executable takes: cached runs -> figure -> result -> report -> check.
@Suite struct PipelineTests {
    @Test func endToEnd() throws {
        let base = temporaryDirectory("pipeline")
        defer { try? FileManager.default.removeItem(at: base) }
        let cache = tinyCache(base.appendingPathComponent("runs"))
        let figures = base.appendingPathComponent("figures")

        func makeFigure() throws {
            let runs = try [(tinyConfig(maxLR: 3e-3), "(1) lr 3e-3"), (tinyConfig(maxLR: 1e-3), "(2) lr 1e-3")].map { try cache.run($0, label: $1) }
            let out = try FigureOutput(paper: "lmc", name: "fig4", root: figures, scale: .ci)
            out.rendersImages = Gnuplot.isAvailable
            try out.render(Figure(title: "Loss curves", .lines(LinePlot(series: runs.map { Series.fromLog($0) }))))
            var result = out.result(figure: "Fig. 4", title: "Loss curves")
            for run in runs { try result.record(run) }
            let finals = runs.map { $0.log.loss.last! }
            result.numbers["final_loss_1"] = finals[0]
            result.numbers["final_loss_2"] = finals[1]
            var table = Table(id: "settings", title: "Settings", columns: ["run", "max LR", "final loss"])
            for (run, loss) in zip(runs, finals) { table.append([.text(run.label), .number(run.config.optimizer.maxLR, .scientific(0)), .number(loss, .fixed(3))]) }
            result.add(table)
            result.add(Claim(id: "loss-falls", statement: "the loss falls", ours: runs[0].log.loss.first! - finals[0], rule: .greaterThan(0),
                             quantity: "first - final loss of (1)"))
            try out.write(result)
        }

        try makeFigure()
        let report = try Report.write(figures: figures)
        #expect(report.claims == 1)
        let check = NumbersCheck(figures: figures, expected: base.appendingPathComponent("expected"), scale: .ci)
        try check.update()
        // A second generation retrains nothing and reproduces every number (and the bytes).
        let json = try Data(contentsOf: figures.appendingPathComponent("lmc/fig4.json"))
        try makeFigure()
        #expect(try Data(contentsOf: figures.appendingPathComponent("lmc/fig4.json")) == json)
        #expect(try check.run().passed)
        let result = try FigureResult.read(figures.appendingPathComponent("lmc/fig4.json"))
        #expect(result.settings["runs"]?.objectValue?.keys.sorted() == ["(1) lr 3e-3", "(2) lr 1e-3"])
        #expect(result.files.contains("fig4.csv"))
    }
}
