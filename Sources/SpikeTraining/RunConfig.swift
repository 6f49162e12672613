import Foundation
import SpikeKernels
import SpikeModel

/// Which tokens a run trains on. The training layer only carries this; the executables resolve it
/// to a `BatchSource` (the data layer sits above training).
public struct DataSpec: Codable, Equatable, Hashable, Sendable {
    /// "webtext" (the web-text training split, tokenised with the suite's BPE) or "synthetic"
    /// (a deterministic toy language, for tests and benchmarks).
    public var corpus: String
    public init(corpus: String = "webtext") { self.corpus = corpus }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(["corpus"])
        self.init(corpus: try decoder.field("corpus"))
    }
}

/// How often an optional step observer records: at every update s with s % every == 0 (and at
/// the last update).
public struct ObserverSchedule: Codable, Equatable, Hashable, Sendable {
    public var every: Int
    public init(every: Int) { self.every = every }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(["every"])
        self.init(every: try decoder.field("every"))
    }

    public func records(step: Int, totalSteps: Int) -> Bool { step % every == 0 || step == totalSteps - 1 }
}

/// Everything that determines a training run. Two runs with equal configs (and code) produce
/// identical bytes.
public struct RunConfig: Codable, Equatable, Hashable, Sendable {
    public var model: ModelConfig
    public var optimizer: OptimizerConfig
    public var initialization: InitScheme
    public var data: DataSpec
    public var batchSize: Int
    public var seed: UInt64
    /// Write a checkpoint after every `checkpointEvery` updates (and after the last one); 0: only the last.
    public var checkpointEvery: Int
    /// Log per-tensor gradient norm, weight norm, update norm and update ratio every step.
    public var tensorStatistics: Bool
    /// Batches left out of the data order, in force from their `from` update on (nil: none).
    public var skipBatches: [BatchSkip]?
    /// Start from another run's checkpoint instead of the initialisation (nil: from scratch).
    public var rewind: Rewind?
    /// The fixed held-out batch's loss, output-logit and attention-logit statistics every `every`
    /// updates (`probe.csv`; nil: off).
    public var probe: ObserverSchedule?
    /// Per-tensor Adam statistics every `every` updates (`adam_stats.csv`; nil: off).
    public var adamStatistics: ObserverSchedule?
    /// Gradient spike scores (the spam paper's GSS), pass 1 or pass 2 (nil: off).
    public var gradientSpikeScores: GradientSpikeScores?
    /// Per-tensor histograms of Adam's update r = m_hat / (sqrt(v_hat) + eps) every `every`
    /// updates (`update_histograms.csv`; nil: off).
    public var updateHistograms: ObserverSchedule?
    /// The largest eigenvalue of Adam's preconditioned Hessian every `every` updates
    /// (`sharpness.csv`, `PreconditionedSharpness`; AdamW only; nil: off).
    public var sharpness: SharpnessSchedule?

    public init(model: ModelConfig, optimizer: OptimizerConfig, initialization: InitScheme = .default,
                data: DataSpec = DataSpec(), batchSize: Int, seed: UInt64 = 0, checkpointEvery: Int = 0,
                tensorStatistics: Bool = false, skipBatches: [BatchSkip]? = nil, rewind: Rewind? = nil,
                probe: ObserverSchedule? = nil, adamStatistics: ObserverSchedule? = nil,
                gradientSpikeScores: GradientSpikeScores? = nil, updateHistograms: ObserverSchedule? = nil,
                sharpness: SharpnessSchedule? = nil) {
        self.model = model; self.optimizer = optimizer; self.initialization = initialization; self.data = data
        self.batchSize = batchSize; self.seed = seed; self.checkpointEvery = checkpointEvery
        self.tensorStatistics = tensorStatistics; self.skipBatches = skipBatches; self.rewind = rewind
        self.probe = probe; self.adamStatistics = adamStatistics
        self.gradientSpikeScores = gradientSpikeScores; self.updateHistograms = updateHistograms
        self.sharpness = sharpness
    }

    // The optional sections are encoded only when present, so configs without them keep the
    // canonical JSON (and so the run hash) they always had.
    enum CodingKeys: String, CodingKey, CaseIterable {
        case model, optimizer, initialization, data, batchSize, seed, checkpointEvery, tensorStatistics, skipBatches, rewind, probe, adamStatistics, gradientSpikeScores, updateHistograms, sharpness
    }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(CodingKeys.self)
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(model: try c.decode(ModelConfig.self, forKey: .model),
                  optimizer: try c.decode(OptimizerConfig.self, forKey: .optimizer),
                  initialization: try c.decodeIfPresent(InitScheme.self, forKey: .initialization) ?? .default,
                  data: try c.decodeIfPresent(DataSpec.self, forKey: .data) ?? DataSpec(),
                  batchSize: try c.decode(Int.self, forKey: .batchSize),
                  seed: try c.decodeIfPresent(UInt64.self, forKey: .seed) ?? 0,
                  checkpointEvery: try c.decodeIfPresent(Int.self, forKey: .checkpointEvery) ?? 0,
                  tensorStatistics: try c.decodeIfPresent(Bool.self, forKey: .tensorStatistics) ?? false,
                  skipBatches: try c.decodeIfPresent([BatchSkip].self, forKey: .skipBatches),
                  rewind: try c.decodeIfPresent(Rewind.self, forKey: .rewind),
                  probe: try c.decodeIfPresent(ObserverSchedule.self, forKey: .probe),
                  adamStatistics: try c.decodeIfPresent(ObserverSchedule.self, forKey: .adamStatistics),
                  gradientSpikeScores: try c.decodeIfPresent(GradientSpikeScores.self, forKey: .gradientSpikeScores),
                  updateHistograms: try c.decodeIfPresent(ObserverSchedule.self, forKey: .updateHistograms),
                  sharpness: try c.decodeIfPresent(SharpnessSchedule.self, forKey: .sharpness))
    }

    public func validate() throws {
        if batchSize < 1 { throw TrainingError.invalidConfig("batchSize must be at least 1 (got \(batchSize))") }
        try model.validate(batchSize: batchSize)
        try optimizer.validate()
        if checkpointEvery < 0 { throw TrainingError.invalidConfig("checkpointEvery must be >= 0 (got \(checkpointEvery))") }
        for (i, skip) in (skipBatches ?? []).enumerated() {
            if skip.from < 0 || skip.count < 1 || skip.count > Int(Int32.max) {
                throw TrainingError.invalidConfig("skipBatches[\(i)] needs from >= 0 and 1 <= count <= \(Int32.max) (got from \(skip.from), count \(skip.count))")
            }
        }
        for (name, schedule) in [("probe", probe), ("adamStatistics", adamStatistics), ("updateHistograms", updateHistograms),
                                 ("sharpness", sharpness?.schedule)] {
            if let every = schedule?.every, every < 1 || every > optimizer.totalSteps {
                throw TrainingError.invalidConfig("\(name).every must be in 1...optimizer.totalSteps (got \(every))")
            }
        }
        if let rewind {
            try checkRunHash(rewind.parent, key: "rewind.parent")
            if rewind.step < 1 || rewind.step >= optimizer.totalSteps {
                throw TrainingError.invalidConfig("rewind.step must be in 1..<optimizer.totalSteps (got \(rewind.step))")
            }
        }
        try gradientSpikeScores?.validate()
        if let sharpness {
            if sharpness.iterations < 1 || sharpness.iterations > 1000 {
                throw TrainingError.invalidConfig("sharpness.iterations must be in 1...1000 (got \(sharpness.iterations))")
            }
            if optimizer.spam != nil {
                throw TrainingError.invalidConfig("sharpness needs AdamW's dense second moments; it is not available with optimizer.spam")
            }
        }
    }

    /// Whether the trainer writes a checkpoint after `done` updates.
    public func isCheckpointStep(_ done: Int) -> Bool {
        done == optimizer.totalSteps || (checkpointEvery > 0 && done % checkpointEvery == 0)
    }

    /// Reads and validates a JSON run config, with the file name in every error.
    public static func load(from url: URL) throws -> RunConfig {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw TrainingError.io("cannot read config \(url.path): \(error.localizedDescription)")
        }
        do { return try decode(data) } catch TrainingError.invalidConfig(let message) {
            throw TrainingError.invalidConfig("\(url.path): \(message)")
        }
    }

    /// Decodes and validates a JSON run config strictly: unknown or duplicate keys, numbers that
    /// do not fit their field and invalid values are `invalidConfig` errors naming the JSON path.
    public static func decode(_ data: Data) throws -> RunConfig {
        let config: RunConfig
        do { config = try StrictJSON.decode(RunConfig.self, from: data) } catch {
            throw TrainingError.invalidConfig("\(error)")
        }
        do { try config.validate() } catch let TrainingError.invalidConfig(message) {
            throw TrainingError.invalidConfig(message)
        } catch { throw TrainingError.invalidConfig("\(error)") }
        return config
    }

    /// Canonical JSON (sorted keys, pretty): the bytes the run cache hashes.
    public var canonicalJSON: Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted]
        return try! encoder.encode(self)
    }
}
