import Foundation
import SpikeKernels

/// The published default-scale results (`make publish`, issue 14): what a reviewer reads without
/// training and confirms with `make check SCALE=default`. `<results>/default/` holds every
/// figure's JSON (the numbers the check compares, as `check --update` writes them) and PNG,
/// REPORT.md, and STAMP.md naming the commit and the numerics fingerprint that made them.
public enum Publication {
    /// Publishes `figures` (made at the default scale, REPORT.md included) into `results`/default.
    /// Every figure's scale is checked before anything is written; the JSON and PNG of figures
    /// that no longer exist are removed. Returns the number of figures published.
    @discardableResult
    public static func publish(figures: URL, results: URL, commit: String, dirty: Bool) throws -> Int {
        let report = figures.appendingPathComponent("REPORT.md")
        guard FileManager.default.fileExists(atPath: report.path) else {
            throw FigureError("\(report.path) is missing: run make figures SCALE=default first")
        }
        let check = NumbersCheck(figures: figures, expected: results, scale: .default)
        let (written, removed) = try check.update()
        for json in removed { try? FileManager.default.removeItem(at: json.deletingPathExtension().appendingPathExtension("png")) }
        var fingerprints: Set<String> = []
        for json in written {
            // <results>/default/<paper>/<name>.json comes from <figures>/<paper>/<name>.json.
            let paper = json.deletingLastPathComponent().lastPathComponent, name = json.deletingPathExtension().lastPathComponent
            let png = figures.appendingPathComponent(paper).appendingPathComponent(name + ".png")
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
        return written.count
    }
}
