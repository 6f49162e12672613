import Foundation
import SpikeKernels

/// The four papers of the suite (keys as in `../shared/papers/README.md`).
public enum Papers {
    public static let order = ["lmc", "wesar", "adam", "spam"]
    public static let titles: [String: String] = [
        "lmc": "Sugiura, Kurita, Oda, \"Analysis of the impact of loss spikes\" (NLP 2025)",
        "wesar": "Nishida, Nishida, Saito, \"WeSaR: initialisation by reparameterisation to suppress loss spikes\" (EMNLP 2024)",
        "adam": "Molybog et al., \"A Theory on Adam Instability in Large-Scale Machine Learning\" (arXiv 2304.09871)",
        "spam": "Huang et al., \"SPAM: Spike-Aware Adam with Momentum Reset\" (ICLR 2025, arXiv 2501.06842)",
    ]

    /// Paper keys in the suite's order, unknown keys after them alphabetically.
    public static func sorted(_ keys: some Sequence<String>) -> [String] {
        Set(keys).sorted { a, b in
            let ia = order.firstIndex(of: a) ?? Int.max, ib = order.firstIndex(of: b) ?? Int.max
            return ia != ib ? ia < ib : a < b
        }
    }
}

/// Every figure result under `figures/` and the Markdown report of all claims.
public enum Report {
    public static let fileName = "REPORT.md"

    /// The results in `root/*/*.json` (other JSON files are skipped), by paper order then file name.
    public static func load(figures root: URL) throws -> [FigureResult] {
        var results: [FigureResult] = []
        for (paper, file) in resultFiles(in: root) {
            let url = root.appendingPathComponent(paper).appendingPathComponent(file)
            let json = try CanonicalJSON.read(url)
            guard FigureResult.isFigureResult(json) else { continue }
            let result = try FigureResult(json: json, file: url.path)
            guard result.paper == paper, result.name + ".json" == file else {
                throw FigureError("\(url.path) holds \(result.paper)/\(result.name): a result must sit at figures/<paper>/<name>.json")
            }
            results.append(result)
        }
        return results
    }

    /// (paper directory, file name) of every `*.json` one level below `root`, sorted.
    static func resultFiles(in root: URL) -> [(String, String)] {
        let fm = FileManager.default
        let papers = ((try? fm.contentsOfDirectory(atPath: root.path)) ?? []).filter { name in
            var isDir: ObjCBool = false
            return !name.hasPrefix(".") && fm.fileExists(atPath: root.appendingPathComponent(name).path, isDirectory: &isDir) && isDir.boolValue
        }
        var out: [(String, String)] = []
        for paper in Papers.sorted(papers) {
            let files = ((try? fm.contentsOfDirectory(atPath: root.appendingPathComponent(paper).path)) ?? [])
                .filter { $0.hasSuffix(".json") && !$0.hasPrefix(".") }.sorted()
            out += files.map { (paper, $0) }
        }
        return out
    }

    /// Counts of reproduced and not reproduced claims.
    public static func counts(_ results: [FigureResult]) -> (claims: Int, reproduced: Int, notReproduced: Int) {
        let claims = results.flatMap(\.claims)
        let ok = claims.filter { $0.verdict == .reproduced }.count
        return (claims.count, ok, claims.count - ok)
    }

    static func escape(_ s: String) -> String {
        s.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    /// Files of a figure to link, relative to `root`: the result's own list plus any `<name>.*`
    /// beside it, in a fixed order (images, script, data, result, tables).
    static func links(for result: FigureResult, root: URL) -> [(label: String, path: String)] {
        let dir = root.appendingPathComponent(result.paper)
        var names = Set(result.files)
        for ext in ["png", "svg", "gp", "dat", "json", "md", "csv", "tex"] {
            let file = "\(result.name).\(ext)"
            if FileManager.default.fileExists(atPath: dir.appendingPathComponent(file).path) { names.insert(file) }
        }
        let rank = ["png": 0, "svg": 1, "gp": 2, "dat": 3, "json": 4, "md": 5, "csv": 6, "tex": 7]
        let sorted = names.sorted { a, b in
            let ea = String(a.split(separator: ".").last ?? ""), eb = String(b.split(separator: ".").last ?? "")
            let ra = rank[ea] ?? 99, rb = rank[eb] ?? 99
            return ra != rb ? ra < rb : a < b
        }
        return sorted.map { file in
            let ext = String(file.split(separator: ".").last ?? "")
            let label = ["png": "PNG", "svg": "SVG", "gp": "gnuplot script", "dat": "data", "json": "numbers (JSON)",
                         "md": "table (Markdown)", "csv": "table (CSV)", "tex": "table (LaTeX)"][ext] ?? file
            let tableSuffix = file.hasPrefix(result.name + "-") && ["md", "csv", "tex"].contains(ext)
                ? " " + String(file.dropFirst(result.name.count + 1).dropLast(ext.count + 1)) : ""
            return (label + tableSuffix, "\(result.paper)/\(file)")
        }
    }

    /// The Markdown report: a summary, then per paper every figure with its files and claims.
    public static func markdown(_ results: [FigureResult], root: URL) -> String {
        let total = counts(results)
        var out = "# SpikeLab replication report\n\n"
        out += "Generated by `spikelab report` from the figure results beside it (`<paper>/<name>.json`; do not edit by hand: `make figures` and `make publish` rewrite it). "
        out += "Every verdict below is computed by the figure's code from our runs, by the rule shown beside it. "
        out += "The papers and their claims are specified in `../shared/papers/README.md`.\n\n"
        let scales = Set(results.map(\.scale.rawValue)).sorted()
        out += "**\(total.claims) claims: \(total.reproduced) reproduced, \(total.notReproduced) not reproduced** "
        out += "(\(results.count) figures/tables; scale: \(scales.isEmpty ? "n/a" : scales.joined(separator: ", "))).\n\n"
        let papers = Papers.sorted(results.map(\.paper))
        if !papers.isEmpty {
            out += "| paper | figures | claims | reproduced | not reproduced |\n|---|---:|---:|---:|---:|\n"
            for paper in papers {
                let r = results.filter { $0.paper == paper }
                let c = counts(r)
                out += "| [\(paper)](#\(paper)) | \(r.count) | \(c.claims) | \(c.reproduced) | \(c.notReproduced) |\n"
            }
            out += "\n"
        } else {
            out += "No figure results yet (`make figures` writes them).\n"
        }
        for paper in papers {
            out += "## \(paper)\n\n"
            if let title = Papers.titles[paper] { out += "\(title)\n\n" }
            for result in results.filter({ $0.paper == paper }) {
                out += "### \(result.figure): \(escape(result.title))\n\n"
                out += "`\(result.paper)/\(result.name)`, scale `\(result.scale.rawValue)`. Files: "
                out += links(for: result, root: root).map { "[\($0.label)](\($0.path))" }.joined(separator: " · ") + "\n\n"
                if FileManager.default.fileExists(atPath: root.appendingPathComponent(result.paper).appendingPathComponent(result.name + ".png").path) {
                    out += "![\(escape(result.figure))](\(result.paper)/\(result.name).png)\n\n"
                }
                for table in result.tables {
                    // The table as the figure rendered it (its number formats), else from the JSON.
                    let file = root.appendingPathComponent(result.paper)
                        .appendingPathComponent(result.name + (result.tables.count == 1 ? "" : "-" + table.id) + ".md")
                    out += ((try? String(contentsOf: file, encoding: .utf8)) ?? table.markdown()) + "\n"
                }
                if result.claims.isEmpty {
                    out += "No claims for this figure.\n\n"
                } else {
                    out += "| claim | paper | ours | verdict | rule |\n|---|---|---|---|---|\n"
                    for claim in result.claims {
                        let verdict = claim.verdict == .reproduced ? "reproduced" : "**not reproduced**"
                        out += "| `\(claim.id)`: \(escape(claim.statement)) | \(escape(claim.paper?.description ?? "-")) | "
                        out += "\(escape(claim.ours.description)) | \(verdict) | \(escape(claim.rule)) |\n"
                    }
                    out += "\n"
                }
                for note in result.notes { out += "> \(escape(note))\n\n" }
            }
        }
        return out
    }

    /// Writes `root/REPORT.md` and returns its URL and the counts.
    @discardableResult
    public static func write(figures root: URL) throws -> (url: URL, claims: Int, reproduced: Int, notReproduced: Int) {
        let results = try load(figures: root)
        let url = root.appendingPathComponent(fileName)
        try AtomicFile.write(Data(markdown(results, root: root).utf8), to: url)
        let c = counts(results)
        return (url, c.claims, c.reproduced, c.notReproduced)
    }
}
