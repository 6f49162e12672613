import Foundation
import SpikeModel
import SpikeRuns
import SpikeTraining

/// A fresh, empty directory under the temporary directory (unique per process and call).
public func temporaryDirectory(_ name: String) -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("spikelab-tests-\(getpid())-\(name)-\(UInt32.random(in: 0...UInt32.max))")
    try? FileManager.default.removeItem(at: url)
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A run that trains in well under a second in a debug build.
public func tinyConfig(steps: Int = 12, seed: UInt64 = 7, maxLR: Double = 3e-3) -> RunConfig {
    let model = ModelConfig(vocabSize: 32, dModel: 16, nLayers: 1, nHeads: 2, contextLength: 8, mlpKind: .swiglu)
    let optimizer = OptimizerConfig(maxLR: maxLR, minLR: maxLR / 10, warmupSteps: 3, totalSteps: steps, beta1: 0.9, beta2: 0.95,
                                    eps: 1e-8, weightDecay: 0.1, clipNorm: 1.0)
    return RunConfig(model: model, optimizer: optimizer, initialization: .small, data: DataSpec(corpus: "synthetic"),
                     batchSize: 2, seed: seed, checkpointEvery: 4)
}

/// A small synthetic token stream (fast in debug builds) drawn with the config's seed.
public func syntheticBatches(_ c: RunConfig) -> TokenStreamBatches {
    TokenStreamBatches(tokens: SyntheticLanguage.tokens(vocabSize: c.model.vocabSize, count: 5000, seed: 3), seed: c.seed)
}

/// A quiet trainer for `config` in `directory`, on `syntheticBatches`.
public func quietTrainer(_ config: RunConfig, in directory: URL) throws -> Trainer {
    let trainer = try Trainer(config: config, batches: syntheticBatches(config), runDirectory: directory)
    trainer.progressInterval = nil
    return trainer
}

/// A cache in `root`, quiet, training on `syntheticBatches`.
public func tinyCache(_ root: URL) -> RunCache {
    var cache = RunCache(root: root)
    cache.progress = false
    cache.batches = { config, _ in syntheticBatches(config) }
    return cache
}

/// Every file of a run directory except the wall-clock timing, as bytes.
public func deterministicFiles(_ dir: URL) throws -> [String: Data] {
    var out: [String: Data] = [:]
    let fm = FileManager.default
    for case let path as String in fm.enumerator(atPath: dir.path)! {
        var isDir: ObjCBool = false
        let url = dir.appendingPathComponent(path)
        guard fm.fileExists(atPath: url.path, isDirectory: &isDir), !isDir.boolValue, path != "timing.csv" else { continue }
        out[path] = try Data(contentsOf: url)
    }
    return out
}
