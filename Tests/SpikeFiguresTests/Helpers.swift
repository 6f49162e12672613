import Foundation
import SpikeModel
import SpikeTraining
@testable import SpikeFigures

func temporaryDirectory(_ name: String) -> URL {
    let url = FileManager.default.temporaryDirectory
        .appendingPathComponent("spikelab-figures-tests-\(getpid())-\(name)-\(UInt32.random(in: 0...UInt32.max))")
    try? FileManager.default.removeItem(at: url)
    try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// A run that trains in well under a second in a debug build.
func tinyConfig(steps: Int = 12, seed: UInt64 = 7, maxLR: Double = 3e-3) -> RunConfig {
    let model = ModelConfig(vocabSize: 32, dModel: 16, nLayers: 1, nHeads: 2, contextLength: 8, mlpKind: .swiglu)
    let optimizer = OptimizerConfig(maxLR: maxLR, minLR: maxLR / 10, warmupSteps: 3, totalSteps: steps, beta1: 0.9, beta2: 0.95,
                                    eps: 1e-8, weightDecay: 0.1, clipNorm: 1.0)
    return RunConfig(model: model, optimizer: optimizer, initialization: .small, data: DataSpec(corpus: "synthetic"),
                     batchSize: 2, seed: seed, checkpointEvery: 4)
}

/// A cache in a fresh directory, quiet, with a small synthetic token stream (fast in debug).
func tinyCache(_ root: URL) -> RunCache {
    var cache = RunCache(root: root)
    cache.progress = false
    cache.batches = { config, _ in
        TokenStreamBatches(tokens: SyntheticLanguage.tokens(vocabSize: config.model.vocabSize, count: 4000, seed: 3), seed: config.seed)
    }
    return cache
}

func read(_ url: URL) throws -> String { try String(contentsOf: url, encoding: .utf8) }

/// A figure result with numbers, a table and two claims, as a paper's executable would write it.
func sampleResult(paper: String = "lmc", name: String = "fig4", scale: Scale = .ci, spikeStep: Double = 412,
                  spikeSeen: Bool = true) -> FigureResult {
    var r = FigureResult(paper: paper, figure: "Fig. 4", name: name, title: "Loss curves of the three settings", scale: scale)
    r.numbers["spike_step"] = spikeStep
    r.numbers["final_loss_1"] = 3.25
    r.numbers["undefined"] = .nan
    r.settings["grid"] = .array([.number(0), .number(0.5), .number(1)])
    var table = Table(id: "settings", title: "Table 1: settings", columns: ["setting", "max LR", "clip", "spike"])
    table.append([.text("(1)"), .number(1e-3, .scientific(1)), .text("none"), .text(spikeSeen ? "yes" : "no")])
    table.append([.text("(2)"), .number(1e-3, .scientific(1)), .number(1, .fixed(1)), .text("no")])
    r.add(table)
    r.add(Claim(id: "spike", statement: "Higher LR without clipping spikes", paper: "spike near step 400",
                ours: .number(spikeStep), rule: "a spike is detected in run (1)", holds: spikeSeen))
    r.add(Claim(id: "no-spike", statement: "Clipping removes the spike", paper: 0, ours: 0, rule: .atMost(0), quantity: "spikes in run (2)"))
    return r
}
