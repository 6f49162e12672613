import Foundation
import Testing
import SpikeTestSupport
import SpikeData
@testable import SpikeFigures

/// Writes results as figure executables would (JSON + tables, no images).
func writeFigures(_ results: [FigureResult], root: URL) throws {
    for r in results {
        let out = try FigureOutput(paper: r.paper, name: r.name, root: root, scale: r.scale)
        try out.write(r)
    }
}

@Suite struct ReportTests {
    @Test func summarisesEveryClaim() throws {
        let root = temporaryDirectory("report")
        defer { try? FileManager.default.removeItem(at: root) }
        var wesar = FigureResult(paper: "wesar", figure: "Table 2", name: "table2", title: "Perplexity and time", scale: .ci)
        wesar.add(Claim(id: "best", statement: "WeSaR has the best mean perplexity", paper: 17.74, ours: 19.5, rule: .lessThan(18), quantity: "WeSaR ppl"))
        try writeFigures([sampleResult(), sampleResult(name: "fig11", spikeSeen: false), wesar], root: root)
        // Other JSON files are skipped.
        try Data("{\"something\": 1}".utf8).write(to: root.appendingPathComponent("lmc/other.json"))
        let written = try Report.write(figures: root)
        #expect(written.claims == 5 && written.reproduced == 3 && written.notReproduced == 2)
        let md = try read(root.appendingPathComponent("REPORT.md"))
        #expect(md.contains("**5 claims: 3 reproduced, 2 not reproduced**"))
        #expect(md.contains("| [lmc](#lmc) | 2 | 4 | 3 | 1 |"))
        #expect(md.contains("| [wesar](#wesar) | 1 | 1 | 0 | 1 |"))
        // Papers in the suite's order: lmc before wesar.
        #expect(md.range(of: "## lmc")!.lowerBound < md.range(of: "## wesar")!.lowerBound)
        #expect(md.contains("### Fig. 4: Loss curves of the three settings"))
        #expect(md.contains("| `spike`: Higher LR without clipping spikes | spike near step 400 | 412 | reproduced | a spike is detected in run (1) |"))
        #expect(md.contains("| `best`: WeSaR has the best mean perplexity | 17.74 | 19.5 | **not reproduced** | WeSaR ppl < 18 |"))
        #expect(md.contains("[numbers (JSON)](lmc/fig4.json)"))
        #expect(md.contains("[table (Markdown)](lmc/fig4.md)"))
        #expect(md.contains("| (1) | 1.0e-03 | none | yes |"))
        // Deterministic.
        let again = Report.markdown(try Report.load(figures: root), root: root)
        #expect(again == md)
    }

    @Test func emptyFiguresDirectoryGivesAnEmptyReport() throws {
        let root = temporaryDirectory("empty-report")
        defer { try? FileManager.default.removeItem(at: root) }
        let written = try Report.write(figures: root)
        #expect(written.claims == 0)
        #expect(try read(written.url).contains("No figure results yet"))
    }
}

@Suite struct NumbersCheckTests {
    func setUp(_ name: String, _ results: [FigureResult]) throws -> (NumbersCheck, URL) {
        let base = temporaryDirectory(name)
        let figures = base.appendingPathComponent("figures"), expected = base.appendingPathComponent("expected")
        try writeFigures(results, root: figures)
        let check = NumbersCheck(figures: figures, expected: expected, scale: .ci)
        try check.update()
        return (check, base)
    }

    @Test func passesOnIdenticalNumbers() throws {
        let (check, base) = try setUp("identical", [sampleResult(), sampleResult(paper: "adam", name: "a")])
        defer { try? FileManager.default.removeItem(at: base) }
        #expect(FileManager.default.fileExists(atPath: base.appendingPathComponent("expected/ci/lmc/fig4.json").path))
        let outcome = try check.run()
        #expect(outcome.drifts == [])
        #expect(outcome.filesCompared == 2)
        #expect(outcome.valuesCompared > 20)
        // Within the default tolerance (relative 1e-4).
        try writeFigures([sampleResult(spikeStep: 412.01)], root: check.figuresRoot)
        #expect(try check.run().passed)
    }

    @Test func failsOnDrift() throws {
        let (check, base) = try setUp("drift", [sampleResult()])
        defer { try? FileManager.default.removeItem(at: base) }
        try writeFigures([sampleResult(spikeStep: 420)], root: check.figuresRoot)
        let drifts = try check.run().drifts
        #expect(drifts.contains { $0.hasPrefix("lmc/fig4: numbers.spike_step: expected 412, got 420") })
        #expect(drifts.contains { $0.hasPrefix("lmc/fig4: claims[spike].ours: expected 412, got 420") })
        #expect(drifts.count == 2)
    }

    @Test func failsOnAChangedVerdict() throws {
        let (check, base) = try setUp("verdict", [sampleResult()])
        defer { try? FileManager.default.removeItem(at: base) }
        try writeFigures([sampleResult(spikeSeen: false)], root: check.figuresRoot)
        let drifts = try check.run().drifts
        #expect(drifts.contains("lmc/fig4: claims[spike].verdict: verdict changed: expected 'reproduced', got 'not reproduced'"))
        #expect(drifts.contains("lmc/fig4: tables[settings].rows[0][3]: changed: expected 'yes', got 'no'"))
    }

    @Test func failsOnMissingFilesAndValues() throws {
        let (check, base) = try setUp("missing", [sampleResult(), sampleResult(name: "fig11")])
        defer { try? FileManager.default.removeItem(at: base) }
        try FileManager.default.removeItem(at: check.figuresRoot.appendingPathComponent("lmc/fig11.json"))
        var extra = sampleResult()
        extra.numbers["new_number"] = 1
        extra.numbers["final_loss_1"] = nil
        try writeFigures([extra, sampleResult(paper: "spam", name: "new")], root: check.figuresRoot)
        let drifts = try check.run().drifts
        #expect(drifts.contains { $0.hasPrefix("lmc/fig11: figure missing") })
        #expect(drifts.contains { $0.hasPrefix("spam/new: no expected numbers") })
        #expect(drifts.contains("lmc/fig4: numbers.new_number: new value 1, not in the expected file"))
        #expect(drifts.contains("lmc/fig4: numbers.final_loss_1: missing (expected 3.25)"))
    }

    @Test func comparesOnlyThePapersAsked() throws {
        let (check, base) = try setUp("papers", [sampleResult(), sampleResult(paper: "spam", name: "table")])
        defer { try? FileManager.default.removeItem(at: base) }
        // Only spam's figures were remade, and one of its numbers moved.
        try FileManager.default.removeItem(at: check.figuresRoot.appendingPathComponent("lmc"))
        try writeFigures([sampleResult(paper: "spam", name: "table", spikeStep: 420)], root: check.figuresRoot)
        #expect(try check.run().drifts.contains { $0.hasPrefix("lmc/fig4: figure missing") })
        var spamOnly = check
        spamOnly.papers = ["spam"]
        let outcome = try spamOnly.run()
        #expect(outcome.filesCompared == 1)
        #expect(!outcome.drifts.contains { $0.hasPrefix("lmc/") })
        #expect(outcome.drifts.contains { $0.hasPrefix("spam/table: numbers.spike_step: expected 412, got 420") })
        spamOnly.papers = ["wesar"]
        #expect(try spamOnly.run().drifts.contains { $0.hasPrefix("nothing compared") })
    }

    @Test func perNumberTolerancesAndDescriptiveText() throws {
        var r = sampleResult()
        r.tolerances["numbers.final_loss_1"] = Tolerance(relative: 0.1, absolute: 0)
        r.tolerances["settings.wall*"] = .ignored
        r.numbers["wall_hours"] = 1
        let (check, base) = try setUp("tolerance", [r])
        defer { try? FileManager.default.removeItem(at: base) }
        // Tolerances hand-set in the expected file apply too and survive an update.
        let expectedURL = check.scaleRoot.appendingPathComponent("lmc/fig4.json")
        guard case .object(var fields) = try CanonicalJSON.read(expectedURL) else { Issue.record("not an object"); return }
        var tolerances = fields["tolerances"]!.objectValue!
        tolerances["numbers.wall_hours"] = .object(["ignore": .bool(true)])
        fields["tolerances"] = .object(tolerances)
        try CanonicalJSON.data(.object(fields)).write(to: expectedURL)

        var changed = r
        changed.numbers["final_loss_1"] = 3.5          // within 10%
        changed.numbers["wall_hours"] = 7               // ignored
        changed.title = "A new title"                   // descriptive
        changed.claims[0].statement = "reworded"
        try writeFigures([changed], root: check.figuresRoot)
        #expect(try check.run().drifts == [])
        changed.numbers["final_loss_1"] = 4
        try writeFigures([changed], root: check.figuresRoot)
        #expect(try check.run().drifts.count == 1)
        try check.update()
        let kept = try CanonicalJSON.read(expectedURL)["tolerances"]!.objectValue!
        #expect(kept.keys.sorted() == ["numbers.final_loss_1", "numbers.wall_hours", "settings.wall*"])
        #expect(try check.run().passed)
    }

    @Test func nanEqualsNanAndScalesMustMatch() throws {
        let (check, base) = try setUp("scale", [sampleResult()])
        defer { try? FileManager.default.removeItem(at: base) }
        #expect(try check.run().passed)   // numbers.undefined is NaN on both sides
        try writeFigures([sampleResult(scale: .default)], root: check.figuresRoot)
        #expect(try check.run().drifts.contains { $0.contains("made at SCALE=default") })
        #expect(throws: FigureError.self) { try check.update() }
    }

    /// `check` with neither figures nor expected numbers printed "0 figures, 0 values compared,
    /// 0 drifts" and passed.
    @Test func comparingNothingFails() throws {
        let base = temporaryDirectory("nothing")
        defer { try? FileManager.default.removeItem(at: base) }
        let check = NumbersCheck(figures: base.appendingPathComponent("figures"), expected: base.appendingPathComponent("expected"),
                                 scale: .ci)
        let outcome = try check.run()
        #expect(!outcome.passed)
        #expect(outcome.drifts.count == 1 && outcome.drifts[0].hasPrefix("nothing compared"))
        // An update without figures would delete every expected file: refused.
        #expect(throws: FigureError.self) { try check.update() }
    }

    @Test func updateRemovesStaleExpectedFiles() throws {
        let (check, base) = try setUp("stale", [sampleResult(), sampleResult(name: "gone")])
        defer { try? FileManager.default.removeItem(at: base) }
        try FileManager.default.removeItem(at: check.figuresRoot.appendingPathComponent("lmc/gone.json"))
        let (written, removed) = try check.update()
        #expect(written.map(\.lastPathComponent) == ["fig4.json"])
        #expect(removed.map(\.lastPathComponent) == ["gone.json"])
        #expect(try check.run().passed)
    }
}
