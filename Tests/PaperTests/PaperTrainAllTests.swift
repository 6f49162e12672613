import Foundation
import Testing
@testable import PaperAdam
@testable import PaperLMC
@testable import SpikeFigures
import SpikeModel
import SpikeRuns
import SpikeTestSupport
import SpikeTraining

/// A paper's `trainAll` must train exactly the runs its figures then read: a run it leaves out is
/// trained later one at a time (the lanes gain nothing), a run no figure reads is wasted work.
@Suite struct PaperTrainAllTests {
    /// A spike map of four tiny runs (two LRs, two seeds) on synthetic tokens.
    static let grid = SpikeMapGrid(model: ModelConfig(vocabSize: 32, dModel: 16, nLayers: 1, nHeads: 2, contextLength: 8, mlpKind: .swiglu),
                                   learningRates: [3e-3, 3e-2], batchSizes: [2], beta2s: [0.95], seeds: [1, 2],
                                   steps: 40, warmupSteps: 5, probeEvery: 5, weightDecay: 0.1, corpus: "synthetic")

    /// The hashes of the runs a cache trains (its `batches` is asked once per trained run).
    final class Trained: @unchecked Sendable {
        private let lock = NSLock()
        private var hashes: [String] = []
        func add(_ config: RunConfig) { lock.lock(); hashes.append(RunCache.hash(config)); lock.unlock() }
        var all: [String] { lock.lock(); defer { lock.unlock() }; return hashes }
    }

    func countingCache(_ root: URL) -> (RunCache, Trained) {
        var cache = tinyCache(root)
        let trained = Trained()
        cache.batches = { config, _ in trained.add(config); return syntheticBatches(config) }
        return (cache, trained)
    }

    func mapHashes(_ grid: SpikeMapGrid) -> Set<String> {
        Set(grid.seeds.flatMap { seed in grid.learningRates.map { RunCache.hash(grid.config(lr: $0, batchSize: 2, beta2: 0.95, seed: seed)) } })
    }

    @Test func lmcTrainAllTrainsEveryRunOfTheFiguresOnce() throws {
        let root = temporaryDirectory("lmc-train-all")
        defer { try? FileManager.default.removeItem(at: root) }
        let (cache, trained) = countingCache(root)
        let runs = LMCRuns(setup: LMCSetup(scale: .ci, map: Self.grid, totalSteps: 40, checkpointEvery: 10, seeds: [1, 2], evaluationSequences: 2),
                           cache: cache)
        try runs.trainAll()
        let byTrainAll = trained.all
        // What the figures read: the map, the settings of every seed, the sweep, the knob probes.
        let settings = try runs.settings()
        let read = try settings.bySeed.flatMap { $0.runs.map(\.run.hash) } + runs.sweep(settings).map(\.run.hash)
            + runs.setup.knobProbes(settings).map { try cache.run($0.config, label: $0.label).hash }
        #expect(trained.all == byTrainAll, "a figure trained a run that trainAll left out")
        #expect(Set(byTrainAll) == mapHashes(Self.grid).union(read))
        #expect(byTrainAll.count == Set(byTrainAll).count, "a run trained twice")
        try runs.trainAll()
        #expect(trained.all == byTrainAll)
    }

    @Test func adamTrainAllTrainsEveryRunOfTheFiguresOnce() throws {
        let root = temporaryDirectory("adam-train-all")
        defer { try? FileManager.default.removeItem(at: root) }
        let (cache, trained) = countingCache(root)
        let runs = AdamRuns(setup: AdamSetup(scale: .ci, map: Self.grid, checkpointEvery: 10, statisticsEvery: 5, seedCount: 2), cache: cache)
        try runs.trainAll()
        let byTrainAll = trained.all
        let regime = try runs.regime()
        let read = try runs.seeds(regime).flatMap { try runs.mitigations(regime, seed: $0).compactMap(\.run?.hash) }
        #expect(trained.all == byTrainAll, "a figure trained a run that trainAll left out")
        #expect(Set(byTrainAll) == mapHashes(Self.grid).union(read))
        #expect(byTrainAll.count == Set(byTrainAll).count, "a run trained twice")
        #expect(read.count >= 2 * 9)   // per seed: the baseline, LR / 2 and / 4, four eps, the shrink, two batch sizes
    }
}
