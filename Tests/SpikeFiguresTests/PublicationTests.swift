import Foundation
import Testing
import SpikeTestSupport
@testable import SpikeFigures

/// `make publish` (issue 14): results/default holds each figure's JSON and PNG, the report and a
/// stamp per paper; a figure of the wrong scale is an error that leaves the published results
/// alone, and publishing one paper leaves the others as they are.
@Suite struct PublicationTests {
    @Test func publishesJSONPNGReportAndStampAndDropsStaleFigures() throws {
        let figures = temporaryDirectory("pub-figures"), results = temporaryDirectory("pub-results")
        defer { try? FileManager.default.removeItem(at: figures); try? FileManager.default.removeItem(at: results) }
        try writeFigures([sampleResult(name: "fig4", scale: .default), sampleResult(name: "table1", scale: .default)], root: figures)
        try Data("png".utf8).write(to: figures.appendingPathComponent("lmc/fig4.png"))
        #expect(try Publication.publish(figures: figures, results: results, commit: "abc123", dirty: false, machine: "Test CPU (family 1, model 2)") == 2)
        let out = results.appendingPathComponent("default")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("lmc/fig4.json").path))
        #expect(try Data(contentsOf: out.appendingPathComponent("lmc/fig4.png")) == Data("png".utf8))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("REPORT.md").path))
        let stamp = try read(out.appendingPathComponent("STAMP.md"))
        #expect(stamp.contains("commit abc123") && !stamp.contains("uncommitted") && stamp.contains("Numerics: "))
        #expect(stamp.contains("on Test CPU (family 1, model 2)"))
        // The published JSON is what `make check SCALE=default` compares against: it passes.
        #expect(try NumbersCheck(figures: figures, expected: results, scale: .default).run().passed)

        // A figure gone from the figures: its JSON and PNG go from the results.
        try FileManager.default.removeItem(at: figures.appendingPathComponent("lmc/fig4.json"))
        try Publication.publish(figures: figures, results: results, commit: "def456", dirty: true)
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("lmc/fig4.json").path))
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("lmc/fig4.png").path))
        #expect(try read(out.appendingPathComponent("STAMP.md")).contains("def456 with uncommitted changes"))
    }

    @Test func aFigureOfAnotherScaleIsAnErrorAndChangesNothing() throws {
        let figures = temporaryDirectory("pub-mixed"), results = temporaryDirectory("pub-kept")
        defer { try? FileManager.default.removeItem(at: figures); try? FileManager.default.removeItem(at: results) }
        try writeFigures([sampleResult(name: "fig4", scale: .default)], root: figures)
        try Report.write(figures: figures)
        try Publication.publish(figures: figures, results: results, commit: "abc123", dirty: false)
        let before = try read(results.appendingPathComponent("default/STAMP.md"))
        try writeFigures([sampleResult(name: "table1", scale: .ci)], root: figures)
        #expect(throws: FigureError.self) { try Publication.publish(figures: figures, results: results, commit: "zzz", dirty: false) }
        #expect(try read(results.appendingPathComponent("default/STAMP.md")) == before)
        #expect(FileManager.default.fileExists(atPath: results.appendingPathComponent("default/lmc/fig4.json").path))
    }

    @Test func aPaperWithoutFiguresIsAnErrorAndNothingIsPublished() throws {
        let figures = temporaryDirectory("pub-nopaper"), results = temporaryDirectory("pub-none")
        defer { try? FileManager.default.removeItem(at: figures); try? FileManager.default.removeItem(at: results) }
        #expect(throws: FigureError.self) { try Publication.publish(figures: figures, results: results, commit: "abc", dirty: false) }
        try writeFigures([sampleResult(name: "fig4", scale: .default)], root: figures)
        #expect(throws: FigureError.self) {
            try Publication.publish(figures: figures, results: results, commit: "abc", dirty: false, papers: ["lmc", "spam"])
        }
        #expect(!FileManager.default.fileExists(atPath: results.appendingPathComponent("default").path))
    }

    @Test func publishingOnePaperLeavesTheOthersAsTheyAre() throws {
        let figures = temporaryDirectory("pub-two"), results = temporaryDirectory("pub-two-results")
        defer { try? FileManager.default.removeItem(at: figures); try? FileManager.default.removeItem(at: results) }
        try writeFigures([sampleResult(name: "fig4", scale: .default), sampleResult(paper: "spam", name: "table", scale: .default)], root: figures)
        try Publication.publish(figures: figures, results: results, commit: "first", dirty: false, papers: ["lmc"])
        let out = results.appendingPathComponent("default")
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("spam").path))
        // A later session has only spam's figures: lmc's published files and stamp stay.
        try FileManager.default.removeItem(at: figures.appendingPathComponent("lmc"))
        try Publication.publish(figures: figures, results: results, commit: "second", dirty: false, papers: ["spam"])
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("lmc/fig4.json").path))
        #expect(try read(out.appendingPathComponent("lmc/STAMP.md")).contains("commit first"))
        #expect(try read(out.appendingPathComponent("spam/STAMP.md")).contains("commit second"))
        let stamp = try read(out.appendingPathComponent("STAMP.md"))
        #expect(stamp.contains("- lmc: Made by `make publish` from commit first") && stamp.contains("- spam: Made by `make publish` from commit second"))
        let report = try read(out.appendingPathComponent("REPORT.md"))
        #expect(report.contains("## lmc") && report.contains("## spam"))
    }
}
