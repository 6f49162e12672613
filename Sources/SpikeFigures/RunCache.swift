import Foundation
import SpikeData
import SpikeTraining

/// The cache of training runs shared by every figure: a run lives in `runs/<hash>/`, where
/// `<hash>` is the first 16 hex digits of the SHA-256 of the config's canonical JSON and the
/// numerics generation (the same directory `spikelab train` uses by default), so equal configs are
/// trained once, whichever figure asks first. The root is `$SPIKELAB_RUNS` when set, else `runs` (relative to the current
/// directory).
///
/// Concurrency: training holds an exclusive `flock` on `runs/<hash>.lock`. A second process (or
/// thread) asking for the same run waits for the lock, then finds `result.json` and reuses the run;
/// a run killed half-way resumes from its latest checkpoint on the next request.
public struct RunCache {
    public static let environmentVariable = "SPIKELAB_RUNS"
    public static let defaultRoot = "runs"

    public let root: URL
    /// Progress on stderr: which run a label trains, the trainer's step/loss/ETA lines, waits, reuse.
    public var progress = true
    /// Seconds between the trainer's progress lines (when `progress` is on).
    public var progressInterval: Double = 10
    /// Builds the batches for a config (default: `TrainingData.resolve`, i.e. `data.corpus`).
    public var batches: (RunConfig, URL) throws -> BatchSource = { config, directory in
        try TrainingData.resolve(config, runDirectory: directory, log: true)
    }

    /// `root` if given, else `$SPIKELAB_RUNS`, else `runs`.
    public init(root: URL? = nil, environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let root {
            self.root = root
        } else if let env = environment[RunCache.environmentVariable], !env.isEmpty {
            self.root = URL(fileURLWithPath: env)
        } else {
            self.root = URL(fileURLWithPath: RunCache.defaultRoot)
        }
    }

    /// The generation of the training arithmetic. Bump it in any change that alters the floats a
    /// run produces (a summation order, a kernel, a formula): it is part of every run's hash, so
    /// runs cached by older code are retrained instead of silently reused next to fresh ones.
    /// 2: the fused LM-head backward and blocked RMSNorm weight gradients (2026-11-26).
    public static let numericsGeneration = 2

    /// The run's identity: the first 16 hex digits of SHA-256(canonical config JSON, then
    /// "\nnumerics generation <numericsGeneration>").
    public static func hash(_ config: RunConfig) -> String {
        var h = SHA256()
        h.update(config.canonicalJSON)
        h.update(Array("\nnumerics generation \(numericsGeneration)".utf8))
        return String(SHA256.hex(h.finalize()).prefix(16))
    }

    /// `root/<hash>`: where the run of `config` lives.
    public func directory(for config: RunConfig) -> URL {
        root.appendingPathComponent(RunCache.hash(config), isDirectory: true)
    }

    /// `root/<hash>.lock`: held while the run trains.
    public func lockURL(for config: RunConfig) -> URL {
        root.appendingPathComponent(RunCache.hash(config) + ".lock")
    }

    /// The run of `config` if it has finished (`result.json` present), without training.
    public func finished(_ config: RunConfig, label: String = "") throws -> CachedRun? {
        let dir = directory(for: config)
        guard let result = CachedRun.readResult(in: dir) else { return nil }
        return try CachedRun(directory: dir, config: config, result: result, label: label, trainedNow: false)
    }

    /// The finished run of `config`, training it first when needed (or waiting for another process
    /// that is training it). A diverged run is a finished run: check `result.status`.
    public func run(_ config: RunConfig, label: String) throws -> CachedRun {
        do { try config.validate() } catch { throw FigureError("[\(label)] invalid run config: \(error)") }
        let dir = directory(for: config)
        let name = dir.lastPathComponent
        if let cached = try finished(config, label: label) {
            note("[\(label)] cached run \(dir.path) (\(cached.result.status.rawValue))")
            return cached
        }
        let lock = try FileLock(url: lockURL(for: config)) {
            note("[\(label)] waiting for \(dir.path): another process is training it")
        }
        defer { lock.unlock() }
        if let cached = try finished(config, label: label) {
            note("[\(label)] cached run \(dir.path) (\(cached.result.status.rawValue))")
            return cached
        }
        let steps = config.optimizer.totalSteps
        let resuming = CheckpointStore(runDirectory: dir).latestResumable()
        note("[\(label)] training \(dir.path): \(steps) steps\(resuming.map { ", resuming from step \($0)" } ?? "") (progress lines tagged [\(name)])")
        let source: BatchSource
        do { source = try batches(config, dir) } catch { throw FigureError("[\(label)] cannot prepare the training data: \(error)") }
        let trainer = try Trainer(config: config, batches: source, runDirectory: dir)
        trainer.progressInterval = progress ? progressInterval : nil
        let result = try trainer.run()
        note("[\(label)] \(result.status.rawValue) after \(result.steps) steps, final loss \(result.finalLoss.map { "\($0)" } ?? "n/a")")
        return try CachedRun(directory: dir, config: config, result: result, label: label, trainedNow: true)
    }

    private func note(_ line: String) {
        guard progress else { return }
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}

/// A finished training run: its files, config, result and parsed logs.
public struct CachedRun {
    public let label: String
    public let directory: URL
    public let config: RunConfig
    public let result: RunResult
    /// Whether this call trained the run (false: it was already in the cache).
    public let trainedNow: Bool
    /// `log.csv`, one entry per logged step.
    public let log: TrainingLog

    /// Opens a finished run directory (e.g. one written by `spikelab train`).
    public init(directory: URL, label: String = "") throws {
        let configURL = directory.appendingPathComponent("config.json")
        let config: RunConfig
        do { config = try JSONDecoder().decode(RunConfig.self, from: Data(contentsOf: configURL)) } catch {
            throw FigureError("cannot read the run config \(configURL.path): \(error)")
        }
        guard let result = CachedRun.readResult(in: directory) else {
            throw FigureError("\(directory.path) is not a finished run (no readable result.json)")
        }
        try self.init(directory: directory, config: config, result: result, label: label, trainedNow: false)
    }

    init(directory: URL, config: RunConfig, result: RunResult, label: String, trainedNow: Bool) throws {
        self.label = label; self.directory = directory; self.config = config; self.result = result
        self.trainedNow = trainedNow
        log = try TrainingLog(contentsOf: directory.appendingPathComponent("log.csv"))
    }

    static func readResult(in directory: URL) -> RunResult? {
        guard let data = try? Data(contentsOf: directory.appendingPathComponent("result.json")) else { return nil }
        return try? JSONDecoder().decode(RunResult.self, from: data)
    }

    /// The directory name: the config hash.
    public var hash: String { directory.lastPathComponent }
    public var diverged: Bool { result.status == .diverged }
    public var checkpoints: CheckpointStore { CheckpointStore(runDirectory: directory) }
    /// Steps with a complete checkpoint, ascending.
    public var checkpointSteps: [Int] { checkpoints.steps() }
    /// `checkpoints/step_NNNNNN/model.safetensors`.
    public func weightsURL(step: Int) -> URL { checkpoints.weightsURL(step: step) }
    /// Every checkpoint's weights, ascending by step.
    public var checkpointWeights: [(step: Int, url: URL)] { checkpointSteps.map { ($0, weightsURL(step: $0)) } }
    /// `tensor_stats.csv` (nil when the run did not log tensor statistics).
    public func tensorStatistics() throws -> TensorStatistics? {
        let url = directory.appendingPathComponent("tensor_stats.csv")
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try TensorStatistics(contentsOf: url)
    }
}

/// The columns of a run's `log.csv` (`step,lr,loss,cross_entropy,grad_norm,clipped`). Non-finite
/// values (a diverged step) are kept as NaN / infinity.
public struct TrainingLog: Equatable, Sendable {
    public var step: [Int] = []
    public var lr: [Double] = []
    public var loss: [Double] = []
    public var crossEntropy: [Double] = []
    public var gradNorm: [Double] = []
    public var clipped: [Bool] = []

    public init() {}

    public init(contentsOf url: URL) throws {
        let rows = try CSVRows(url: url, header: Trainer.logHeader)
        for (line, fields) in rows.rows {
            guard fields.count == 6, let s = Int(fields[0]), let c = Int(fields[5]) else {
                throw FigureError("\(url.path) line \(line): expected 6 fields (step,lr,loss,cross_entropy,grad_norm,clipped)")
            }
            step.append(s)
            lr.append(try rows.double(fields[1], line: line))
            loss.append(try rows.double(fields[2], line: line))
            crossEntropy.append(try rows.double(fields[3], line: line))
            gradNorm.append(try rows.double(fields[4], line: line))
            clipped.append(c != 0)
        }
    }

    public var count: Int { step.count }
    /// Steps as doubles (for plotting).
    public var stepValues: [Double] { step.map(Double.init) }
}

/// The per-tensor statistics of `tensor_stats.csv`
/// (`step,tensor,grad_norm,weight_norm,update_norm,update_ratio` of the trained tensor, then the
/// effective weight's `effective_weight_norm,effective_update_norm,effective_update_ratio`, empty
/// for a reparameterisation's own tensors; files written before those columns existed have NaN there).
public struct TensorStatistics: Sendable {
    public struct Series: Equatable, Sendable {
        public var step: [Int] = []
        public var gradNorm: [Double] = []
        public var weightNorm: [Double] = []
        public var updateNorm: [Double] = []
        public var updateRatio: [Double] = []
        public var effectiveUpdateRatio: [Double] = []
    }

    static let header = "step,tensor,grad_norm,weight_norm,update_norm,update_ratio"
    static let effectiveColumns = ",effective_weight_norm,effective_update_norm,effective_update_ratio"

    /// Tensor names in the order of the file (the parameter layout's order).
    public private(set) var tensors: [String] = []
    public private(set) var series: [String: Series] = [:]

    public subscript(tensor: String) -> Series? { series[tensor] }

    public init(contentsOf url: URL) throws {
        let rows = try CSVRows(url: url, header: TensorStatistics.header + TensorStatistics.effectiveColumns,
                               orHeader: TensorStatistics.header)
        for (line, f) in rows.rows {
            guard f.count == rows.columns, let s = Int(f[0]) else {
                throw FigureError("\(url.path) line \(line): expected \(rows.columns) fields (\(rows.headerLine))")
            }
            let name = String(f[1])
            if series[name] == nil { tensors.append(name); series[name] = Series() }
            series[name]!.step.append(s)
            series[name]!.gradNorm.append(try rows.double(f[2], line: line))
            series[name]!.weightNorm.append(try rows.double(f[3], line: line))
            series[name]!.updateNorm.append(try rows.double(f[4], line: line))
            series[name]!.updateRatio.append(try rows.double(f[5], line: line))
            series[name]!.effectiveUpdateRatio.append(f.count > 8 && !f[8].isEmpty ? try rows.double(f[8], line: line) : .nan)
        }
    }
}

/// A CSV file with a known header line, split into fields (no quoting: the run logs never need it).
struct CSVRows {
    let url: URL
    var rows: [(line: Int, fields: [Substring])] = []

    /// The header line found and its number of columns.
    var headerLine = ""
    var columns: Int { headerLine.split(separator: ",").count }

    /// Reads `url`, whose first line must be `header` (or `orHeader`, an older format).
    init(url: URL, header: String, orHeader: String? = nil) throws {
        self.url = url
        let text: String
        do { text = try String(contentsOf: url, encoding: .utf8) } catch {
            throw FigureError("cannot read \(url.path): \(error.localizedDescription)")
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.first, first == header || (orHeader != nil && first == orHeader!) else {
            throw FigureError("\(url.path): expected the header '\(header)'")
        }
        headerLine = String(first)
        for (i, line) in lines.enumerated().dropFirst() where !line.isEmpty {
            rows.append((i + 1, line.split(separator: ",", omittingEmptySubsequences: false)))
        }
    }

    func double(_ field: Substring, line: Int) throws -> Double {
        if let v = Double(field) { return v }
        switch field.lowercased() {
        case "nan", "-nan": return .nan
        case "inf", "+inf", "infinity": return .infinity
        case "-inf", "-infinity": return -.infinity
        default: throw FigureError("\(url.path) line \(line): '\(field)' is not a number")
        }
    }
}
