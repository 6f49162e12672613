import Foundation
import SpikeData
import SpikeRuns
import SpikeTraining

/// Everything a figure computed, written to `figures/<paper>/<name>.json`: which paper and figure,
/// the scale and the settings used, named numbers, tables and claims with computed verdicts.
/// `spikelab report` summarises these files and `spikelab check` compares them with
/// `experiments/expected/<scale>/`.
public struct FigureResult: Equatable, Sendable {
    public static let format = "spikelab-figure/1"

    /// Paper key: `lmc`, `wesar`, `adam` or `spam`.
    public var paper: String
    /// The paper's figure or table: "Fig. 4", "Table 2", "Figs. 12-15".
    public var figure: String
    /// File base name inside `figures/<paper>/`.
    public var name: String
    public var title: String
    public var scale: Scale
    /// The settings used: run configs (see `record(_:)`), grids, thresholds, tolerances of the analysis.
    public var settings: [String: JSONValue]
    /// Named numbers (spike steps, final losses, barrier heights, ...).
    public var numbers: [String: Double]
    public var tables: [Table]
    public var claims: [Claim]
    /// Per-number tolerances for `spikelab check`, keyed by value path (see `NumbersCheck`); a key
    /// ending in `*` covers every path with that prefix.
    public var tolerances: [String: Tolerance]
    /// Free-form remarks (deviations from the paper's setup, caveats).
    public var notes: [String]
    /// Files this figure wrote, relative to `figures/<paper>/` (filled in by `FigureOutput`).
    public var files: [String]

    public init(paper: String, figure: String, name: String, title: String, scale: Scale) {
        self.paper = paper; self.figure = figure; self.name = name; self.title = title; self.scale = scale
        settings = [:]; numbers = [:]; tables = []; claims = []; tolerances = [:]; notes = []; files = []
    }

    /// Records any Encodable value (a config, a grid, a threshold) under `settings[key]`.
    public mutating func setting<T: Encodable>(_ key: String, _ value: T) throws {
        settings[key] = try CanonicalJSON.value(value)
    }

    /// Records a run under `settings.runs[label]`: its cache hash, config and how it ended.
    public mutating func record(_ run: CachedRun) throws {
        var runs = settings["runs"]?.objectValue ?? [:]
        runs[run.label] = .object([
            "hash": .string(run.hash),
            "config": try CanonicalJSON.value(run.config),
            "status": .string(run.result.status.rawValue),
            "steps": .number(Double(run.result.steps)),
        ])
        settings["runs"] = .object(runs)
    }

    /// Records a config (for settings tables that list runs not trained by this figure).
    public mutating func record(config: RunConfig, label: String) throws {
        var runs = settings["runs"]?.objectValue ?? [:]
        runs[label] = .object(["hash": .string(RunCache.hash(config)), "config": try CanonicalJSON.value(config)])
        settings["runs"] = .object(runs)
    }

    public mutating func add(_ claim: Claim) { claims.append(claim) }
    public mutating func add(_ table: Table) { tables.append(table) }

    public var reproducedCount: Int { claims.filter { $0.verdict == .reproduced }.count }

    // MARK: JSON

    public var json: JSONValue {
        var numberObject: [String: JSONValue] = [:]
        for (k, v) in numbers { numberObject[k] = CanonicalJSON.number(v) }
        var toleranceObject: [String: JSONValue] = [:]
        for (k, v) in tolerances { toleranceObject[k] = v.json }
        return .object([
            "format": .string(FigureResult.format),
            "paper": .string(paper), "figure": .string(figure), "name": .string(name), "title": .string(title),
            "scale": .string(scale.rawValue),
            "settings": .object(settings),
            "numbers": .object(numberObject),
            "tables": .array(tables.map(\.json)),
            "claims": .array(claims.map(\.json)),
            "tolerances": .object(toleranceObject),
            "notes": .array(notes.map { .string($0) }),
            "files": .array(files.sorted().map { .string($0) }),
        ])
    }

    /// The canonical JSON text (deterministic bytes).
    public var jsonText: String { CanonicalJSON.string(json) }

    /// Whether a JSON document is a figure result (other JSON files in `figures/` are skipped).
    public static func isFigureResult(_ json: JSONValue) -> Bool {
        json["format"]?.stringValue == format
    }

    public init(json: JSONValue, file: String = "figure result") throws {
        guard FigureResult.isFigureResult(json) else { throw FigureError("\(file) is not a SpikeLab figure result (format \(FigureResult.format))") }
        guard let paper = json["paper"]?.stringValue, let name = json["name"]?.stringValue,
              let scaleName = json["scale"]?.stringValue else {
            throw FigureError("\(file): missing paper, name or scale")
        }
        let scale: Scale
        do { scale = try Scale(name: scaleName) } catch { throw FigureError("\(file): \(error)") }
        self.init(paper: paper, figure: json["figure"]?.stringValue ?? name, name: name, title: json["title"]?.stringValue ?? "", scale: scale)
        settings = json["settings"]?.objectValue ?? [:]
        for (k, v) in json["numbers"]?.objectValue ?? [:] {
            guard let x = CanonicalJSON.double(v) else { throw FigureError("\(file): numbers.\(k) is not a number") }
            numbers[k] = x
        }
        tables = try (json["tables"]?.arrayValue ?? []).map { try Table(json: $0, file: file) }
        claims = try (json["claims"]?.arrayValue ?? []).map { try Claim(json: $0, file: file) }
        for (k, v) in json["tolerances"]?.objectValue ?? [:] {
            tolerances[k] = try Tolerance(json: v, fallback: .default, file: file)
        }
        notes = (json["notes"]?.arrayValue ?? []).compactMap(\.stringValue)
        files = (json["files"]?.arrayValue ?? []).compactMap(\.stringValue)
    }

    public static func read(_ url: URL) throws -> FigureResult {
        try FigureResult(json: CanonicalJSON.read(url), file: url.path)
    }
}
