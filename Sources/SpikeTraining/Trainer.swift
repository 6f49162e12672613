import Foundation
import SpikeKernels
import SpikeModel

/// One update's record, as written to `log.csv`.
public struct StepRecord: Sendable {
    public var step: Int            // index of the update (0-based); loss is measured before it
    public var learningRate: Double
    public var loss: Float          // cross-entropy + z-loss
    public var crossEntropy: Double
    public var gradientNorm: Double // global, before clipping
    public var clipped: Bool
}

/// How a run ended, as written to `result.json` (its presence marks the run finished).
public struct RunResult: Codable, Equatable, Sendable {
    /// `stopped`: the call ended early on request (never written to result.json).
    public enum Status: String, Codable, Sendable { case completed, diverged, stopped }
    public var status: Status
    /// Updates taken (for a diverged run: the step whose loss was not finite).
    public var steps: Int
    public var finalLoss: Float?
}

/// The training loop: forward, backward, global norm, optional clipping, AdamW with the warm-up +
/// cosine schedule; logs every step, checkpoints every K steps, resumes from the latest
/// checkpoint, and stops cleanly when the loss stops being finite.
///
/// Files in the run directory: `config.json`, `log.csv` (deterministic: step, lr, loss,
/// cross_entropy, grad_norm, clipped), `timing.csv` (wall-clock, not deterministic),
/// `tensor_stats.csv` (optional), `checkpoints/`, `result.json`.
public final class Trainer {
    public let config: RunConfig
    public let model: LlamaModel
    public let optimizer: AdamW
    public let schedule: LRSchedule
    public let batches: BatchSource
    public let runDirectory: URL
    public var checkpoints: CheckpointStore
    /// Progress lines on stderr (step, loss, ETA) at most every `progressInterval` seconds; nil: silent.
    public var progressInterval: Double? = 2

    public init(config: RunConfig, batches: BatchSource, runDirectory: URL) throws {
        try config.validate()
        self.config = config
        model = try LlamaModel(config: config.model)
        optimizer = AdamW(config: config.optimizer, layout: model.layout)
        schedule = LRSchedule(config.optimizer)
        self.batches = batches
        self.runDirectory = runDirectory
        checkpoints = CheckpointStore(runDirectory: runDirectory)
    }

    public static let logHeader = "step,lr,loss,cross_entropy,grad_norm,clipped"

    /// Trains to `optimizer.totalSteps` (or resumes an interrupted run) and returns how it ended.
    /// `stopAfter` ends the call early after that many updates in total (to test resumption).
    @discardableResult
    public func run(stopAfter: Int? = nil) throws -> RunResult {
        let fm = FileManager.default
        try fm.createDirectory(at: runDirectory, withIntermediateDirectories: true)
        let resultURL = runDirectory.appendingPathComponent("result.json")
        if let data = try? Data(contentsOf: resultURL), let done = try? JSONDecoder().decode(RunResult.self, from: data) {
            return done
        }
        let configURL = runDirectory.appendingPathComponent("config.json")
        if let existing = try? Data(contentsOf: configURL), existing != config.canonicalJSON {
            throw TrainingError.invalidConfig("\(runDirectory.path) holds a run with a different config; use another directory")
        }
        try AtomicFile.write(config.canonicalJSON, to: configURL)

        var startStep = 0
        if let latest = checkpoints.latestResumable() {
            try checkpoints.restore(step: latest, model: model, optimizer: optimizer)
            startStep = latest
        } else {
            model.initialize(scheme: config.initialization, seed: config.seed)
        }
        let resume = startStep > 0 ? startStep : nil
        let log = try StepCSV(url: runDirectory.appendingPathComponent("log.csv"), header: Trainer.logHeader, keepStepsBelow: resume ?? 0)
        let timing = try StepCSV(url: runDirectory.appendingPathComponent("timing.csv"), header: "step,step_seconds,wall_seconds",
                                 keepStepsBelow: resume ?? 0)
        let stats = config.tensorStatistics
            ? try StepCSV(url: runDirectory.appendingPathComponent("tensor_stats.csv"),
                          header: "step,tensor,grad_norm,weight_norm,update_norm,update_ratio,"
                            + "effective_weight_norm,effective_update_norm,effective_update_ratio", keepStepsBelow: resume ?? 0)
            : nil
        let effectiveUpdates = stats != nil && config.model.reparameterization != nil ? EffectiveUpdates(model: model) : nil

        let total = config.optimizer.totalSteps, B = config.batchSize, T = config.model.contextLength
        let start = Clock.now()
        var lastProgress = start
        var lastLoss: Float?
        for s in startStep..<total {
            if let stopAfter, s >= stopAfter { return RunResult(status: .stopped, steps: s, finalLoss: lastLoss) }
            let t0 = Clock.now()
            let (inputs, targets) = batches.batch(step: s, batchSize: B, length: T)
            model.prepareTrainingStep()
            let loss = try model.forward(inputs: inputs, targets: targets, batch: B, length: T)
            let lr = schedule.learningRate(step: s)
            guard loss.isFinite else {
                log.append("\(s),\(fmt(lr)),\(fmt(loss)),\(fmt(model.lastCrossEntropy)),nan,0")
                let result = RunResult(status: .diverged, steps: s, finalLoss: nil)
                try writeResult(result, to: resultURL)
                progress("step \(s): loss is \(loss); run diverged, stopping")
                return result
            }
            model.backward()
            let norms = GradientClipping.norms(model.gradients, layout: model.layout)
            let clipScale = config.optimizer.clippingEnabled
                ? GradientClipping.coefficient(globalNorm: norms.global, maxNorm: config.optimizer.clipNorm!) : nil
            let clipped = clipScale != nil
            effectiveUpdates?.recordBefore()
            let updates = optimizer.update(parameters: model.parameters, gradients: model.gradients, lr: lr,
                                           gradientScale: clipScale ?? 1, statistics: stats != nil)
            log.append("\(s),\(fmt(lr)),\(fmt(loss)),\(fmt(model.lastCrossEntropy)),\(fmt(norms.global)),\(clipped ? 1 : 0)")
            if let stats {
                let effective = effectiveUpdates?.norms()
                for (i, spec) in model.layout.specs.enumerated() {
                    let u = updates[i]
                    // The effective weight's update (what the forward pass sees); the same as the raw
                    // one for plain models, empty for the gates and state of a reparameterisation.
                    let e = effective.map { $0[i] } ?? (spec.offset < model.layout.plainCount ? u : nil)
                    let columns = [norms.perTensor[i], u.weightNorm, u.updateNorm, ratio(u.updateNorm, u.weightNorm)].map(fmt)
                        + (e.map { [$0.weightNorm, $0.updateNorm, ratio($0.updateNorm, $0.weightNorm)].map(fmt) } ?? ["", "", ""])
                    stats.append("\(s),\(spec.name),\(columns.joined(separator: ","))")
                }
            }
            let now = Clock.now()
            timing.append("\(s),\(now - t0),\(now - start)")
            lastLoss = loss
            let done = s + 1
            if done == total || (config.checkpointEvery > 0 && done % config.checkpointEvery == 0) {
                try checkpoints.save(model: model, optimizer: optimizer, step: done, runConfig: config)
            }
            if let interval = progressInterval, now - lastProgress >= interval || done == total {
                lastProgress = now
                let perStep = (now - start) / Double(done - startStep)
                let eta = perStep * Double(total - done)
                progress(String(format: "step %d/%d  loss %.4f  lr %.2e  %.0f ms/step  ETA %@", done, total, Double(loss), lr,
                                perStep * 1000, formatDuration(eta)))
            }
        }
        let result = RunResult(status: .completed, steps: total, finalLoss: lastLoss)
        try writeResult(result, to: resultURL)
        return result
    }

    private func writeResult(_ result: RunResult, to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        try AtomicFile.write(try encoder.encode(result), to: url)
    }

    private func progress(_ line: String) {
        guard progressInterval != nil else { return }
        FileHandle.standardError.write(Data("[\(runDirectory.lastPathComponent)] \(line)\n".utf8))
    }
}

private func ratio(_ update: Double, _ weight: Double) -> Double { weight > 0 ? update / weight : .nan }

/// Norms of each effective weight and of its change over one optimiser step, for reparameterised
/// models (whose trained tensors are not the weights the forward pass uses).
final class EffectiveUpdates {
    let model: LlamaModel
    private let before: FloatBuffer

    init(model: LlamaModel) {
        self.model = model
        before = FloatBuffer(count: model.layout.plainCount)
    }

    /// Keeps the effective weights of this step's forward pass.
    func recordBefore() { before.pointer.update(from: model.weights.pointer, count: before.count) }

    /// Per tensor of the trained layout: (||W_before||, ||W_after - W_before||) of the effective
    /// weight, nil for the reparameterisation's own tensors.
    func norms() -> [(weightNorm: Double, updateNorm: Double)?] {
        model.materializeWeights()
        let layout = model.layout
        let old = before.pointer, new = model.weights.pointer
        let squares = perTensorSums(layout.chunks.filter { $0.range.lowerBound < layout.plainCount }, tensors: layout.specs.count) { r in
            var weightSq = 0.0, updateSq = 0.0
            for i in r {
                weightSq += Double(old[i]) * Double(old[i])
                let delta = Double(new[i]) - Double(old[i])
                updateSq += delta * delta
            }
            return SIMD2(weightSq, updateSq)
        }
        return squares.map { $0.map { (weightNorm: $0.x.squareRoot(), updateNorm: $0.y.squareRoot()) } }
    }
}

func formatDuration(_ seconds: Double) -> String {
    let s = Int(seconds.rounded())
    return s >= 3600 ? String(format: "%dh%02dm", s / 3600, (s % 3600) / 60) : String(format: "%dm%02ds", s / 60, s % 60)
}
