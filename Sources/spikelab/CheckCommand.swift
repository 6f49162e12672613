import ArgumentParser
import Foundation
import SpikeFigures

struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Numbers regression: compare every value in figures/<paper>/<name>.json with experiments/expected/<scale>/ (--update rewrites the expected files).")

    @Option(help: "Scale of the expected numbers: ci, default or large (default: $SCALE, else default).")
    var scale: String?

    @Option(help: "Root of the expected numbers (files in <expected>/<scale>/<paper>/<name>.json).")
    var expected = "experiments/expected"

    @Option(help: "The figures directory.")
    var figures = FigureOutput.defaultRoot

    @Option(help: "Default relative tolerance for numbers.")
    var rtol = Tolerance.default.relative

    @Option(help: "Default absolute tolerance for numbers.")
    var atol = Tolerance.default.absolute

    @Option(help: "Compare only these papers (space- or comma-separated keys, e.g. \"lmc spam\"; default: every paper).")
    var papers: String?

    @Flag(help: "Write the expected files from the current figures instead of comparing (make expected).")
    var update = false

    func run() throws {
        let selected = try scale.map { try Scale(name: $0) } ?? Scale.fromEnvironment()
        let selectedPapers = papers.map { Set($0.split(whereSeparator: { $0 == " " || $0 == "," }).map(String.init)) }
        if let selectedPapers, selectedPapers.isEmpty { throw ValidationError("--papers names no paper") }
        let check = NumbersCheck(figures: URL(fileURLWithPath: figures), expected: URL(fileURLWithPath: expected), scale: selected,
                                 defaultTolerance: Tolerance(relative: rtol, absolute: atol), papers: selectedPapers)
        if update {
            let (written, removed) = try check.update()
            for url in written { print("wrote \(url.path)") }
            for url in removed { print("removed \(url.path) (its figure no longer exists)") }
            print("check --update: \(written.count) expected files for scale \(selected.rawValue) in \(check.scaleRoot.path)")
            return
        }
        let outcome = try check.run()
        for drift in outcome.drifts { print("DRIFT \(drift)") }
        for line in outcome.numerics { print("NUMERICS \(line)") }
        print("check (scale \(selected.rawValue)): \(outcome.filesCompared) figures, \(outcome.valuesCompared) values compared, \(outcome.drifts.count) drifts")
        if !outcome.passed { throw ExitCode(1) }
    }
}
