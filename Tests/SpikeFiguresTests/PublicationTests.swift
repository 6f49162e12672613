import Foundation
import Testing
import SpikeTestSupport
@testable import SpikeFigures

/// `make publish` (issue 14): results/default holds each figure's JSON and PNG, the report and a
/// stamp; a figure of the wrong scale is an error that leaves the published results alone.
@Suite struct PublicationTests {
    @Test func publishesJSONPNGReportAndStampAndDropsStaleFigures() throws {
        let figures = temporaryDirectory("pub-figures"), results = temporaryDirectory("pub-results")
        defer { try? FileManager.default.removeItem(at: figures); try? FileManager.default.removeItem(at: results) }
        try writeFigures([sampleResult(name: "fig4", scale: .default), sampleResult(name: "table1", scale: .default)], root: figures)
        try Data("png".utf8).write(to: figures.appendingPathComponent("lmc/fig4.png"))
        try Report.write(figures: figures)
        #expect(try Publication.publish(figures: figures, results: results, commit: "abc123", dirty: false) == 2)
        let out = results.appendingPathComponent("default")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("lmc/fig4.json").path))
        #expect(try Data(contentsOf: out.appendingPathComponent("lmc/fig4.png")) == Data("png".utf8))
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("REPORT.md").path))
        let stamp = try read(out.appendingPathComponent("STAMP.md"))
        #expect(stamp.contains("commit abc123") && !stamp.contains("uncommitted") && stamp.contains("Numerics: "))
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

    @Test func withoutAReportNothingIsPublished() throws {
        let figures = temporaryDirectory("pub-noreport"), results = temporaryDirectory("pub-none")
        defer { try? FileManager.default.removeItem(at: figures); try? FileManager.default.removeItem(at: results) }
        try writeFigures([sampleResult(name: "fig4", scale: .default)], root: figures)
        #expect(throws: FigureError.self) { try Publication.publish(figures: figures, results: results, commit: "abc", dirty: false) }
        #expect(!FileManager.default.fileExists(atPath: results.appendingPathComponent("default").path))
    }
}
