import ArgumentParser
import Foundation
import SpikeFigures
import SpikeKernels

/// `make publish`: the default-scale results a reviewer can read without training and confirm with
/// `make check SCALE=default`. Writes `<results>/default/`: every figure's JSON (the numbers the
/// check compares, as `check --update` writes them) and PNG, REPORT.md, and STAMP.md naming the
/// commit and the numerics fingerprint that made them.
struct PublishCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Copy the default-scale figures' JSON and PNG, and REPORT.md, into results/default with a stamp (commit, numerics).")

    @Option(help: "The figures directory (made at SCALE=default).")
    var figures = FigureOutput.defaultRoot

    @Option(help: "Root of the published results (written to <results>/default).")
    var results = "results"

    @Option(help: "The commit that made the figures (make publish passes git rev-parse HEAD).")
    var commit: String

    @Flag(help: "The working tree had uncommitted changes (the stamp says so).")
    var dirty = false

    func run() throws {
        let figuresRoot = URL(fileURLWithPath: figures), root = URL(fileURLWithPath: results)
        let report = figuresRoot.appendingPathComponent("REPORT.md")
        guard FileManager.default.fileExists(atPath: report.path) else {
            throw ValidationError("\(report.path) is missing: run make figures SCALE=default first")
        }
        let check = NumbersCheck(figures: figuresRoot, expected: root, scale: .default)
        // update() checks every figure's scale before it writes, and removes the JSON of figures
        // that no longer exist; their PNGs go with them.
        let (written, removed) = try check.update()
        for json in removed { try? FileManager.default.removeItem(at: json.deletingPathExtension().appendingPathExtension("png")) }
        var fingerprints: Set<String> = []
        for json in written {
            // <results>/default/<paper>/<name>.json comes from <figures>/<paper>/<name>.json.
            let paper = json.deletingLastPathComponent().lastPathComponent, name = json.deletingPathExtension().lastPathComponent
            let png = figuresRoot.appendingPathComponent(paper).appendingPathComponent(name + ".png")
            if FileManager.default.fileExists(atPath: png.path) {
                try AtomicFile.write(try Data(contentsOf: png), to: json.deletingPathExtension().appendingPathExtension("png"))
            }
            if let f = try FigureResult(json: CanonicalJSON.read(json), file: json.path).numerics { fingerprints.insert(f.description) }
        }
        try AtomicFile.write(try Data(contentsOf: report), to: check.scaleRoot.appendingPathComponent("REPORT.md"))
        let stamp = """
            # Published default-scale results

            Made by `make publish` from commit \(commit)\(dirty ? " with uncommitted changes" : "") (\(written.count) figures).
            Numerics: \(fingerprints.sorted().joined(separator: "; ")).

            Confirm them with `make check SCALE=default`: it re-runs the default scale (cached runs are reused) and
            compares every number with the JSON files here. Regenerate them only with `make publish`.

            """
        try AtomicFile.write(Data(stamp.utf8), to: check.scaleRoot.appendingPathComponent("STAMP.md"))
        print("publish: \(written.count) figures, REPORT.md and STAMP.md in \(check.scaleRoot.path)")
    }
}
