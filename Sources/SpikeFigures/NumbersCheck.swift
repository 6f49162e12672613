import Foundation
import SpikeData
import SpikeKernels

/// The numbers regression: every value in `figures/<paper>/<name>.json` against
/// `<expected>/<scale>/<paper>/<name>.json`, which `update()` writes from the current figures.
///
/// Values are addressed by paths such as `numbers.spike_step`, `claims[spike].ours`,
/// `tables[settings].rows[0][2]`, `settings.runs.(1).config.optimizer.maxLR` (array elements that
/// are objects with an `id` are named by it). Numbers pass within the tolerance (default relative
/// 1e-4 or absolute 1e-6; per-path tolerances from the expected file's and the figure's
/// `tolerances`, a key ending in `*` covering a prefix). Verdicts and other strings must match
/// exactly, except descriptive text (`title`, `statement`, `rule`, `notes`). A value missing on
/// either side is a drift, and so is a figure without expected numbers or the reverse. Comparing
/// nothing at all (no figures and no expected numbers, or only empty ones) is a drift too: a
/// check that compared nothing has not passed.
public struct NumbersCheck {
    public var figuresRoot: URL
    public var expectedRoot: URL
    public var scale: Scale
    public var defaultTolerance: Tolerance
    /// The papers compared (nil: every paper on either side), so that checking one paper does not
    /// count the others' expected figures as missing.
    public var papers: Set<String>?

    public init(figures: URL = URL(fileURLWithPath: FigureOutput.defaultRoot),
                expected: URL = URL(fileURLWithPath: "experiments/expected"), scale: Scale,
                defaultTolerance: Tolerance = .default, papers: Set<String>? = nil) {
        figuresRoot = figures; expectedRoot = expected; self.scale = scale; self.defaultTolerance = defaultTolerance
        self.papers = papers
    }

    /// `<expected>/<scale>`.
    public var scaleRoot: URL { expectedRoot.appendingPathComponent(scale.rawValue) }

    /// Keys whose string values are descriptive and not compared.
    static let descriptiveKeys: Set<String> = ["title", "statement", "rule", "notes", "files"]
    /// Top-level keys not compared at all.
    static let skippedTopLevel: Set<String> = ["tolerances", "files", "notes", "numerics"]

    public struct Outcome: Sendable {
        /// One line per drift: `paper/name: path: what`.
        public var drifts: [String] = []
        /// For each figure with drifts: the numerics fingerprints of both sides.
        public var numerics: [String] = []
        public var filesCompared = 0
        public var valuesCompared = 0
        public var passed: Bool { drifts.isEmpty }
    }

    /// Result JSON files (paper, file name) under a root, with their parsed content.
    func results(in root: URL) throws -> [String: JSONValue] {
        var out: [String: JSONValue] = [:]
        for (paper, file) in Report.resultFiles(in: root) where papers?.contains(paper) ?? true {
            let json = try CanonicalJSON.read(root.appendingPathComponent(paper).appendingPathComponent(file))
            guard FigureResult.isFigureResult(json) else { continue }
            out["\(paper)/\(file.dropLast(5))"] = json
        }
        return out
    }

    /// Compares the figures with the expected numbers of `scale`.
    public func run() throws -> Outcome {
        var outcome = Outcome()
        let actual = try results(in: figuresRoot)
        let expected = try results(in: scaleRoot)
        for key in Set(actual.keys).union(expected.keys).sorted() {
            guard let e = expected[key] else {
                outcome.drifts.append("\(key): no expected numbers (\(scaleRoot.path)/\(key).json is missing; run `make expected` if the figure is new)")
                continue
            }
            guard let a = actual[key] else {
                outcome.drifts.append("\(key): figure missing (\(figuresRoot.path)/\(key).json; run the paper's figures with SCALE=\(scale.rawValue))")
                continue
            }
            outcome.filesCompared += 1
            if let s = a["scale"]?.stringValue, s != scale.rawValue {
                outcome.drifts.append("\(key): made at SCALE=\(s), not \(scale.rawValue) (regenerate with SCALE=\(scale.rawValue))")
                continue
            }
            let (drifts, count) = try compare(expected: e, actual: a, file: "\(scaleRoot.path)/\(key).json")
            outcome.valuesCompared += count
            if !drifts.isEmpty {
                // Which arithmetic made each side: the first thing to look at when numbers move.
                func numerics(_ json: JSONValue) -> String {
                    (json["numerics"]).flatMap { try? JSONDecoder().decode(Fingerprint.self, from: CanonicalJSON.data($0)) }?.description
                        ?? "not recorded"
                }
                outcome.numerics.append("\(key): expected numbers made with \(numerics(e)); these with \(numerics(a))")
            }
            outcome.drifts += drifts.map { "\(key): \($0)" }
        }
        if outcome.drifts.isEmpty && outcome.valuesCompared == 0 {
            outcome.drifts.append("nothing compared: no figure values in \(figuresRoot.path) and \(scaleRoot.path) "
                                  + "(make the figures with SCALE=\(scale.rawValue), or point --figures and --expected at them)")
        }
        return outcome
    }

    /// Drifts between one expected and one actual result, and the number of values compared.
    public func compare(expected: JSONValue, actual: JSONValue, file: String = "expected") throws -> (drifts: [String], compared: Int) {
        var tolerances: [String: Tolerance] = [:]
        for (k, v) in actual["tolerances"]?.objectValue ?? [:] { tolerances[k] = try Tolerance(json: v, fallback: defaultTolerance, file: file) }
        for (k, v) in expected["tolerances"]?.objectValue ?? [:] { tolerances[k] = try Tolerance(json: v, fallback: defaultTolerance, file: file) }
        let e = NumbersCheck.flatten(expected), a = NumbersCheck.flatten(actual)
        var drifts: [String] = []
        var compared = 0
        for path in Set(e.keys).union(a.keys).sorted() {
            let tolerance = NumbersCheck.tolerance(for: path, in: tolerances) ?? defaultTolerance
            if tolerance.ignore { continue }
            guard let ev = e[path] else { drifts.append("\(path): new value \(describe(a[path]!)), not in the expected file"); continue }
            guard let av = a[path] else { drifts.append("\(path): missing (expected \(describe(ev)))"); continue }
            compared += 1
            switch (ev, av) {
            case (.number(let x), .number(let y)):
                if !tolerance.accepts(expected: x, actual: y) {
                    let rel = abs(y - x) / max(abs(x), abs(y))
                    drifts.append("\(path): expected \(CanonicalJSON.numberText(x)), got \(CanonicalJSON.numberText(y)) "
                                  + "(difference \(NumberFormat.significant(3).format(abs(y - x))), relative \(NumberFormat.significant(3).format(rel)); "
                                  + "tolerance relative \(NumberFormat.significant(3).format(tolerance.relative)), absolute \(NumberFormat.significant(3).format(tolerance.absolute)))")
                }
            default:
                if ev != av {
                    let what = path.hasSuffix(".verdict") ? "verdict changed" : "changed"
                    drifts.append("\(path): \(what): expected \(describe(ev)), got \(describe(av))")
                }
            }
        }
        return (drifts, compared)
    }

    enum Leaf: Equatable {
        case number(Double)
        case text(String)
        case bool(Bool)
        case null

        static func == (l: Leaf, r: Leaf) -> Bool {
            switch (l, r) {
            case (.number(let a), .number(let b)): return a == b || (a.isNaN && b.isNaN)
            case (.text(let a), .text(let b)): return a == b
            case (.bool(let a), .bool(let b)): return a == b
            case (.null, .null): return true
            default: return false
            }
        }
    }

    func describe(_ leaf: Leaf) -> String {
        switch leaf {
        case .number(let x): return CanonicalJSON.numberText(x)
        case .text(let s): return "'\(s)'"
        case .bool(let b): return b ? "true" : "false"
        case .null: return "null"
        }
    }

    /// Every compared leaf of a result, by path.
    static func flatten(_ json: JSONValue) -> [String: Leaf] {
        var out: [String: Leaf] = [:]
        guard case .object(let top) = json else { return out }
        for (key, value) in top where !skippedTopLevel.contains(key) {
            walk(value, path: key, key: key, into: &out)
        }
        return out
    }

    static func walk(_ value: JSONValue, path: String, key: String, into out: inout [String: Leaf]) {
        switch value {
        case .object(let fields):
            for (k, v) in fields {
                // An element's id already names it in the path (`claims[spike]`).
                if k == "id", path.hasSuffix("[\(v.stringValue ?? "")]") { continue }
                let safe = k.contains(where: { $0 == "." || $0 == "[" || $0 == "]" || $0 == " " }) ? "(\(k))" : k
                walk(v, path: path + "." + safe, key: k, into: &out)
            }
        case .array(let items):
            let ids = items.map { $0["id"]?.stringValue }
            let named = ids.allSatisfy { $0 != nil } && Set(ids.compactMap { $0 }).count == items.count
            for (i, item) in items.enumerated() {
                walk(item, path: path + "[\(named ? ids[i]! : String(i))]", key: key, into: &out)
            }
        case .number(let x): out[path] = .number(x)
        case .string(let s):
            if let x = CanonicalJSON.double(value) { out[path] = .number(x) }
            else if !descriptiveKeys.contains(key) { out[path] = .text(s) }
        case .bool(let b): out[path] = .bool(b)
        case .null: out[path] = .null
        }
    }

    /// The tolerance for a path: an exact key, else the longest matching `prefix*` key.
    static func tolerance(for path: String, in tolerances: [String: Tolerance]) -> Tolerance? {
        if let t = tolerances[path] { return t }
        var best: (Int, Tolerance)?
        for (k, t) in tolerances where k.hasSuffix("*") {
            let prefix = String(k.dropLast())
            if path.hasPrefix(prefix), prefix.count > (best?.0 ?? -1) { best = (prefix.count, t) }
        }
        return best?.1
    }

    /// Writes `<expected>/<scale>/<paper>/<name>.json` from every current figure (which must have
    /// been made at `scale`), keeping the tolerances of an existing expected file, and removes
    /// expected files whose figure no longer exists. With `papers`, only those papers' files are
    /// written and removed; the others stay as they are. Returns the files written and removed.
    @discardableResult
    public func update(papers: Set<String>? = nil) throws -> (written: [URL], removed: [URL]) {
        func selected(_ key: String) -> Bool { papers.map { $0.contains(String(key.prefix { $0 != "/" })) } ?? true }
        let actual = try results(in: figuresRoot).filter { selected($0.key) }
        // Without figures, an update would only delete every expected file.
        guard !actual.isEmpty else {
            throw FigureError("no figure results in \(figuresRoot.path): make the figures with SCALE=\(scale.rawValue) before updating the expected numbers")
        }
        for (key, json) in actual.sorted(by: { $0.key < $1.key }) {
            if let s = json["scale"]?.stringValue, s != scale.rawValue {
                throw FigureError("\(figuresRoot.path)/\(key).json was made at SCALE=\(s), not \(scale.rawValue): regenerate the figures with SCALE=\(scale.rawValue) first")
            }
        }
        var written: [URL] = [], removed: [URL] = []
        for (key, json) in actual.sorted(by: { $0.key < $1.key }) {
            let url = scaleRoot.appendingPathComponent(key + ".json")
            var merged: [String: JSONValue] = [:]
            if let old = try? CanonicalJSON.read(url) { merged = old["tolerances"]?.objectValue ?? [:] }
            for (k, v) in json["tolerances"]?.objectValue ?? [:] { merged[k] = v }
            guard case .object(var fields) = json else { continue }
            fields["tolerances"] = .object(merged)
            try AtomicFile.write(CanonicalJSON.data(.object(fields)), to: url)
            written.append(url)
        }
        let existing = (try? results(in: scaleRoot)) ?? [:]
        for key in existing.keys.sorted() where actual[key] == nil && selected(key) {
            let url = scaleRoot.appendingPathComponent(key + ".json")
            try FileManager.default.removeItem(at: url)
            removed.append(url)
        }
        return (written, removed)
    }
}
