import Foundation
import SpikeKernels

/// The published default-scale results (`make publish`, issue 14): what a reviewer reads without
/// training and confirms with `make check SCALE=default`. `<results>/default/` holds every
/// figure's JSON (the numbers the check compares, as `check --update` writes them) and PNG, a
/// REPORT.md made from them, and per paper a STAMP.md naming the commit and the numerics
/// fingerprint that made its figures; the top-level STAMP.md collects those.
///
/// A paper is published whole or not at all, and papers can be published one at a time (a
/// default-scale `make figures` of all four is longer than one working session): publishing one
/// leaves the others' files and stamps as they are.
public enum Publication {
    /// Publishes the figures of `papers` (every paper in `figures` when nil), made at the default
    /// scale, into `results`/default. Every figure's scale is checked before anything is written;
    /// the JSON and PNG of a published paper's figures that no longer exist are removed. Returns
    /// the number of figures published.
    @discardableResult
    /// `machine` names the computer that made the figures and their runs (the run cache is local).
    public static func publish(figures: URL, results: URL, commit: String, dirty: Bool, papers: [String]? = nil,
                               machine: String = Blas.cpuDescription()) throws -> Int {
        let available = Set(Report.resultFiles(in: figures).map(\.0))
        let chosen = papers.map(Set.init) ?? available
        guard !chosen.isEmpty else { throw FigureError("no figures in \(figures.path): run make figures SCALE=default first") }
        if let missing = Papers.sorted(chosen.subtracting(available)).first {
            throw FigureError("no figures of paper \(missing) in \(figures.path): run make \(missing) SCALE=default first")
        }
        let check = NumbersCheck(figures: figures, expected: results, scale: .default)
        let (written, removed) = try check.update(papers: chosen)
        for json in removed { try? FileManager.default.removeItem(at: json.deletingPathExtension().appendingPathExtension("png")) }
        var fingerprints: [String: Set<String>] = [:], counts: [String: Int] = [:]
        for json in written {
            // <results>/default/<paper>/<name>.json comes from <figures>/<paper>/<name>.json.
            let paper = json.deletingLastPathComponent().lastPathComponent, name = json.deletingPathExtension().lastPathComponent
            let png = figures.appendingPathComponent(paper).appendingPathComponent(name + ".png")
            if FileManager.default.fileExists(atPath: png.path) {
                try AtomicFile.write(try Data(contentsOf: png), to: json.deletingPathExtension().appendingPathExtension("png"))
            }
            counts[paper, default: 0] += 1
            if let f = try FigureResult(json: CanonicalJSON.read(json), file: json.path).numerics {
                fingerprints[paper, default: []].insert(f.description)
            }
        }
        for paper in chosen {
            let line = "Made by `make publish` from commit \(commit)\(dirty ? " with uncommitted changes" : "") "
                + "(\(counts[paper] ?? 0) figures) on \(machine). Numerics: \((fingerprints[paper] ?? []).sorted().joined(separator: "; ")).\n"
            try AtomicFile.write(Data(line.utf8), to: check.scaleRoot.appendingPathComponent(paper).appendingPathComponent(stampName))
        }
        try Report.write(figures: check.scaleRoot)
        try writeStamp(in: check.scaleRoot)
        return written.count
    }

    static let stampName = "STAMP.md"

    /// The top-level STAMP.md: every published paper's stamp.
    static func writeStamp(in root: URL) throws {
        let papers = Papers.sorted(Set(Report.resultFiles(in: root).map(\.0)))
        var stamp = "# Published default-scale results\n\n"
        for paper in papers {
            let own = (try? String(contentsOf: root.appendingPathComponent(paper).appendingPathComponent(stampName), encoding: .utf8)) ?? "no stamp\n"
            stamp += "- \(paper): \(own)"
        }
        stamp += """

            Confirm them with `make check SCALE=default`: it re-runs the default scale (cached runs are reused) and
            compares every number with the JSON files here. Regenerate them only with `make publish` (one paper:
            `make publish PAPERS=lmc`).

            """
        try AtomicFile.write(Data(stamp.utf8), to: root.appendingPathComponent(stampName))
    }
}
