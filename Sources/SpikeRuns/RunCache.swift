import Foundation
import SpikeData
import SpikeKernels
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
    /// 3: portable numerics: OpenBLAS's Haswell kernels everywhere, row pieces fixed by the shape,
    ///    Swift kernels for haswell, i.e. x86-64-v3 (2026-12-02).
    public static let numericsGeneration = 3

    /// The run's identity: the first 16 hex digits of SHA-256(canonical config JSON, then
    /// "\nnumerics generation <numericsGeneration> <numerics.runHashKey>"), so a run made with other
    /// arithmetic (another numerics mode or kernel family) is never reused.
    public static func hash(_ config: RunConfig, numerics: Fingerprint = Numerics.fingerprint) -> String {
        var h = SHA256()
        h.update(config.canonicalJSON)
        h.update(Array("\nnumerics generation \(numericsGeneration) \(numerics.runHashKey)".utf8))
        return String(SHA256.hex(h.finalize()).prefix(16))
    }

    /// `root/<hash>`: where the run of `config` lives.
    public func directory(for config: RunConfig) -> URL {
        root.appendingPathComponent(RunCache.hash(config), isDirectory: true)
    }

    /// `root/<hash>.lock`: held while the run trains.
    public func lockURL(for config: RunConfig) -> URL {
        FileLock.url(forDirectory: directory(for: config))
    }

    /// The run of `config` if it has finished (`result.json` present), without training.
    public func finished(_ config: RunConfig, label: String = "") throws -> CachedRun? {
        let dir = directory(for: config)
        guard let result = RunResult.read(in: dir) else { return nil }
        return try CachedRun(directory: dir, config: config, result: result, label: label, trainedNow: false)
    }

    /// The finished run of `config`, training it first when needed (or waiting for another process
    /// that is training it). A diverged run is a finished run: check `result.status`.
    public func run(_ config: RunConfig, label: String) throws -> CachedRun {
        do { try config.validate() } catch { throw RunError("[\(label)] invalid run config: \(error)") }
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
        do { source = try batches(config, dir) } catch { throw RunError("[\(label)] cannot prepare the training data: \(error)") }
        let trainer = try Trainer(config: config, batches: source, runDirectory: dir, runsRoot: root)
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
        do { config = try RunConfig.decode(Data(contentsOf: configURL)) } catch {
            throw RunError("cannot read the run config \(configURL.path): \(error)")
        }
        guard let result = RunResult.read(in: directory) else {
            throw RunError("\(directory.path) is not a finished run (no readable result.json)")
        }
        try self.init(directory: directory, config: config, result: result, label: label, trainedNow: false)
    }

    init(directory: URL, config: RunConfig, result: RunResult, label: String, trainedNow: Bool) throws {
        self.label = label; self.directory = directory; self.config = config; self.result = result
        self.trainedNow = trainedNow
        log = try TrainingLog(contentsOf: directory.appendingPathComponent(TrainingLogFile.fileName))
    }

    /// The directory name: the config hash.
    public var hash: String { directory.lastPathComponent }
    public var diverged: Bool { result.status == .diverged }
    public var checkpoints: CheckpointStore { CheckpointStore(runDirectory: directory) }
    /// Steps with a complete checkpoint, ascending.
    public var checkpointSteps: [Int] { checkpoints.steps() }
    /// The sum of the step times in `timing.csv` (wall clock; not deterministic).
    public func trainingSeconds() throws -> Double { try TimingLogFile.trainingSeconds(in: directory) }
    /// `checkpoints/step_NNNNNN/model.safetensors`.
    public func weightsURL(step: Int) -> URL { checkpoints.weightsURL(step: step) }
    /// Every checkpoint's weights, ascending by step.
    public var checkpointWeights: [(step: Int, url: URL)] { checkpointSteps.map { ($0, weightsURL(step: $0)) } }
    /// `tensor_stats.csv` (nil when the run did not log tensor statistics).
    public func tensorStatistics() throws -> TensorStatistics? {
        let url = directory.appendingPathComponent(TensorStatisticsObserver.fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try TensorStatistics(contentsOf: url)
    }
    /// `probe.csv` (nil when the run had no held-out probe).
    public func heldOutProbes() throws -> HeldOutProbes? {
        let url = directory.appendingPathComponent(HeldOutProbeObserver.fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try HeldOutProbes(contentsOf: url, layers: config.model.nLayers)
    }
    /// `adam_stats.csv` (nil when the run did not log Adam statistics).
    public func adamStatistics() throws -> AdamStatistics? {
        let url = directory.appendingPathComponent(AdamStatisticsObserver.fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try AdamStatistics(contentsOf: url)
    }
    /// `update_histograms.csv` (nil when the run did not record update histograms).
    public func updateHistograms() throws -> UpdateHistograms? {
        let url = directory.appendingPathComponent(UpdateHistogramObserver.fileName)
        guard FileManager.default.fileExists(atPath: url.path) else { return nil }
        return try UpdateHistograms(contentsOf: url)
    }
}

