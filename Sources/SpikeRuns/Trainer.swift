import Foundation
import SpikeKernels
import SpikeModel
import SpikeTraining

/// A training run in its directory: the `TrainingStep` from the first update (or the checkpoint
/// it resumes from) to `optimizer.totalSteps`, logging every step, checkpointing every K steps,
/// and stopping cleanly when the loss stops being finite.
///
/// Files in the run directory: `config.json`, `log.csv` (deterministic: step, lr, loss,
/// cross_entropy, grad_norm, clipped), `timing.csv` (wall clock, not deterministic), the files of
/// the config's step observers (e.g. `tensor_stats.csv`), `checkpoints/`, `result.json`.
///
/// A run whose config has a `rewind` section starts from its parent's checkpoint (the run
/// `runsRoot/<parent hash>`) at `rewind.step`, with the weights and the optimiser state saved
/// there, and inherits the parent's log rows below that step, so its log covers the whole run.
public final class Trainer {
    public let config: RunConfig
    public let model: LlamaModel
    public let optimizer: Optimizer
    public let batches: BatchSource
    public let runDirectory: URL
    /// Where runs are found by hash (a rewound run's parent): the run cache's root.
    public let runsRoot: URL
    public var checkpoints: CheckpointStore
    /// Observers beyond those the config asks for (benchmarks, tests); they write no run file.
    public var extraObservers: [StepObserver] = []
    /// Progress lines on stderr (step, loss, ETA) at most every `progressInterval` seconds; nil: silent.
    public var progressInterval: Double? = 2

    /// `runsRoot` defaults to the directory that holds `runDirectory`.
    public init(config: RunConfig, batches: BatchSource, runDirectory: URL, runsRoot: URL? = nil) throws {
        try config.validate()
        self.config = config
        model = try LlamaModel(config: config.model)
        optimizer = config.optimizer.makeOptimizer(layout: model.layout, seed: config.seed)
        self.batches = batches
        self.runDirectory = runDirectory
        self.runsRoot = runsRoot ?? runDirectory.deletingLastPathComponent()
        checkpoints = CheckpointStore(runDirectory: runDirectory)
    }

    /// The directory of the rewound run's parent, nil for a run from scratch.
    public var parentDirectory: URL? { config.rewind.map { runsRoot.appendingPathComponent($0.parent, isDirectory: true) } }

    /// Throws when `directory` holds a run of another config: nothing may be written into it.
    public static func checkOwnership(of directory: URL, by config: RunConfig) throws {
        let configURL = directory.appendingPathComponent("config.json")
        if let existing = try? Data(contentsOf: configURL), existing != config.canonicalJSON {
            throw RunError("\(directory.path) holds a run with a different config; use another directory")
        }
    }

    /// Trains to `optimizer.totalSteps` (or resumes an interrupted run) and returns how it ended.
    /// `stopAfter` ends the call early after that many updates in total (to test resumption).
    @discardableResult
    public func run(stopAfter: Int? = nil) throws -> RunResult {
        try FileManager.default.createDirectory(at: runDirectory, withIntermediateDirectories: true)
        try Trainer.checkOwnership(of: runDirectory, by: config)
        if let done = RunResult.read(in: runDirectory) { return done }
        try AtomicFile.write(config.canonicalJSON, to: runDirectory.appendingPathComponent("config.json"))

        checkpoints.removeAbandonedStaging()
        let startStep = try restoreOrInitialize()
        let parentDirectory = self.parentDirectory
        func stepFile(_ name: String, _ header: String) throws -> StepCSV {
            try StepCSV(url: runDirectory.appendingPathComponent(name), header: header, resumeStep: startStep,
                        inheritFrom: parentDirectory?.appendingPathComponent(name), oneRowPerStep: true)
        }
        let log = try stepFile(TrainingLogFile.fileName, TrainingLogFile.header)
        let timing = try stepFile(TimingLogFile.fileName, TimingLogFile.header)
        let observers = try RunObservers.make(for: config, model: model, runDirectory: runDirectory, resumeStep: startStep,
                                              parentDirectory: parentDirectory, runsRoot: runsRoot) + extraObservers
        let step = TrainingStep(config: config, model: model, optimizer: optimizer, batches: batches, observers: observers)

        let total = config.optimizer.totalSteps
        let start = Clock.now()
        var lastProgress = start
        var lastLoss: Float?
        for s in startStep..<total {
            if let stopAfter, s >= stopAfter { return RunResult(status: .stopped, steps: s, finalLoss: lastLoss) }
            let t0 = Clock.now()
            let outcome = try step.run(step: s)
            try log.append(TrainingLogFile.row(outcome))
            guard outcome.lossIsFinite else {
                let result = RunResult(status: .diverged, steps: s, finalLoss: nil)
                try result.write(in: runDirectory)
                progress("step \(s): loss is \(outcome.loss); run diverged, stopping")
                return result
            }
            let now = Clock.now()
            try timing.append(TimingLogFile.row(step: s, stepSeconds: now - t0, wallSeconds: now - start))
            lastLoss = outcome.loss
            let done = s + 1
            if config.isCheckpointStep(done) {
                try checkpoints.save(model: model, optimizer: optimizer, step: done, runConfig: config)
            }
            if let interval = progressInterval, now - lastProgress >= interval || done == total {
                lastProgress = now
                let perStep = (now - start) / Double(done - startStep)
                let eta = perStep * Double(total - done)
                progress(String(format: "step %d/%d  loss %.4f  lr %.2e  %.0f ms/step  ETA %@", done, total, Double(outcome.loss),
                                outcome.learningRate, perStep * 1000, formatDuration(eta)))
            }
        }
        // Resumed from the final checkpoint (killed before result.json was written): the last
        // loss is the log's last row, which the resume has just checked.
        let fullLog = try TrainingLog(contentsOf: runDirectory.appendingPathComponent(TrainingLogFile.fileName))
        let finalLoss = lastLoss ?? fullLog.loss.last.map { Float($0) }
        var result = RunResult(status: .completed, steps: total, finalLoss: finalLoss)
        // The whole log (resumed and inherited rows included): a blow-up that settled, or a stall.
        result.instability = .detect(steps: fullLog.step, losses: fullLog.loss, vocabSize: config.model.vocabSize)
        if let i = result.instability {
            progress(String(format: "completed, but the loss %@ (largest %.4g at step %d)",
                            i.blewUp ? (i.stalled ? "blew up and stalled at ln V" : "blew up") : "stalled at ln V", i.peakLoss, i.peakStep))
        }
        try result.write(in: runDirectory)
        return result
    }

    /// Loads the latest resumable checkpoint of this run, else the parent's checkpoint of a rewound
    /// run, else initialises the model; returns the first update to take.
    private func restoreOrInitialize() throws -> Int {
        if let latest = checkpoints.latestResumable() {
            try checkpoints.restore(step: latest, model: model, optimizer: optimizer)
            return latest
        }
        guard let rewind = config.rewind, let parentDirectory else {
            model.initialize(scheme: config.initialization, seed: config.seed)
            return 0
        }
        let parentConfig: RunConfig
        do { parentConfig = try RunConfig.load(from: parentDirectory.appendingPathComponent("config.json")) } catch {
            throw RunError("rewind.parent \(rewind.parent): no run to rewind to in \(parentDirectory.path) (\(error))")
        }
        guard parentConfig.model == config.model else {
            throw RunError("rewind.parent \(rewind.parent) trains another model; a rewound run keeps the parent's model config")
        }
        // Updates before the rewind step are the parent's: they must have drawn the same batches.
        guard (parentConfig.skipBatches ?? []).before(step: rewind.step) == (config.skipBatches ?? []).before(step: rewind.step) else {
            throw RunError("skipBatches before rewind.step \(rewind.step) differ from those of the parent run \(rewind.parent)")
        }
        let parentCheckpoints = CheckpointStore(runDirectory: parentDirectory)
        guard parentCheckpoints.isResumable(step: rewind.step) else {
            let available = parentCheckpoints.steps().filter(parentCheckpoints.isResumable).map(String.init).joined(separator: ", ")
            throw RunError("rewind.step \(rewind.step): the parent run \(rewind.parent) has no checkpoint with optimiser state there "
                           + "(it has: \(available.isEmpty ? "none" : available))")
        }
        try parentCheckpoints.restore(step: rewind.step, model: model, optimizer: optimizer)
        return rewind.step
    }

    private func progress(_ line: String) {
        guard progressInterval != nil else { return }
        FileHandle.standardError.write(Data("[\(runDirectory.lastPathComponent)] \(line)\n".utf8))
    }
}

func formatDuration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    return s >= 3600 ? String(format: "%dh%02dm", s / 3600, (s % 3600) / 60) : String(format: "%dm%02ds", s / 60, s % 60)
}
