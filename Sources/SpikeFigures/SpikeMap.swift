import Foundation
import SpikeAnalysis
import SpikeModel
import SpikeRuns
import SpikeTraining

/// The grid of `lmc-spike-map` (a figure the paper lacks): where a model of this suite spikes, as a
/// search over the knobs the literature names (`../shared/papers/spike-regimes.md`): learning rate
/// x tokens per step (less gradient noise) x beta2 (Bai et al. 2025: 0.999 spikes, 0.95 much
/// less), several seeds per cell. Every run is short, holds the LR constant after its warm-up (a
/// long stable phase is one of the levers), trains without clipping, and measures the fixed
/// held-out batch every `probeEvery` steps so the detector can tell a spike from a hard batch.
public struct SpikeMapGrid: Sendable {
    public var model: ModelConfig
    public var learningRates: [Double]
    /// Sequences per step (tokens per step = sequences x context length).
    public var batchSizes: [Int]
    public var beta2s: [Double]
    public var seeds: [UInt64]
    public var steps: Int
    public var warmupSteps: Int
    public var probeEvery: Int
    public var weightDecay: Double
    /// The training corpus (tests train the grid on "synthetic").
    public var corpus = "webtext"

    public static func forScale(_ scale: Scale) -> SpikeMapGrid {
        switch scale {
        case .ci:
            return SpikeMapGrid(model: ModelConfig(vocabSize: 1024, dModel: 32, nLayers: 2, nHeads: 2, contextLength: 64, mlpKind: .swiglu),
                                learningRates: [1e-2, 1e-1], batchSizes: [8, 32], beta2s: [0.999, 0.95], seeds: [1, 2],
                                steps: 100, warmupSteps: 20, probeEvery: 10, weightDecay: 0.1)
        case .default:
            // d=64 x 4 layers with a 1024-token vocabulary: the LM head is small, so 8k tokens per
            // step fit the 40-minute budget (2k: about 0.06 s a step on 2 cores, 8k: 0.25 s).
            return SpikeMapGrid(model: ModelConfig(vocabSize: 1024, dModel: 64, nLayers: 4, nHeads: 4, contextLength: 64, mlpKind: .swiglu),
                                learningRates: [3.6e-2, 6.3e-2, 1.1e-1], batchSizes: [32, 128], beta2s: [0.999, 0.95],
                                seeds: [1, 2, 3], steps: 400, warmupSteps: 50, probeEvery: 10, weightDecay: 0.1)
        case .large:
            return SpikeMapGrid(model: ModelConfig(vocabSize: 1024, dModel: 64, nLayers: 4, nHeads: 4, contextLength: 64, mlpKind: .swiglu),
                                learningRates: [2e-2, 3.6e-2, 6.3e-2, 1.1e-1, 2e-1], batchSizes: [32, 128, 512], beta2s: [0.999, 0.95],
                                seeds: [1, 2, 3], steps: 1000, warmupSteps: 50, probeEvery: 10, weightDecay: 0.1)
        }
    }

    public func tokensPerStep(_ batchSize: Int) -> Int { batchSize * model.contextLength }

    /// One run of the grid: AdamW (0.9, beta2, 1e-8), linear warm-up then constant LR, no clipping.
    public func config(lr: Double, batchSize: Int, beta2: Double, seed: UInt64) -> RunConfig {
        let optimizer = OptimizerConfig(maxLR: lr, minLR: lr, warmupSteps: warmupSteps, totalSteps: steps, beta1: 0.9, beta2: beta2,
                                        eps: 1e-8, weightDecay: weightDecay, clipNorm: nil)
        return RunConfig(model: model, optimizer: optimizer, initialization: .default, data: DataSpec(corpus: corpus),
                         batchSize: batchSize, seed: seed, probe: ObserverSchedule(every: probeEvery))
    }

    /// The settings line of the figure's metadata.
    public var summary: String {
        "d=\(model.dModel), \(model.nLayers) layers, vocab \(model.vocabSize), context \(model.contextLength); \(steps) steps, "
            + "warm-up \(warmupSteps) then constant LR; AdamW (0.9, beta2, 1e-8), weight decay \(weightDecay), no clipping; "
            + "held-out probe every \(probeEvery) steps; seeds \(seeds.map(String.init).joined(separator: ", "))"
    }
}

/// One seed of one cell: its run and what the detector found in it.
public struct SpikeMapRun {
    public var seed: UInt64
    public var run: CachedRun
    public var spikes: [LossSpike]
    public var dataOutliers: [LossSpike]
    /// Mean of the last 5 % of the losses (infinite for a diverged run).
    public var finalLoss: Double
}

/// One (LR, batch, beta2) cell over its seeds.
public struct SpikeMapCell {
    public var lr: Double
    public var batchSize: Int
    public var beta2: Double
    public var runs: [SpikeMapRun]
    public var steps: Int

    private var all: [LossSpike] { runs.flatMap(\.spikes) }
    /// Recovered optimisation spikes per 1,000 steps, over every seed of the cell.
    public var spikeRate: Double { 1000 * Double(recovered) / Double(steps * max(1, runs.count)) }
    public var recovered: Int { all.filter(\.recovered).count }
    /// Rises that never came back (not diverged): stalls.
    public var stalls: Int { all.filter { !$0.recovered && !$0.diverged }.count }
    public var divergences: Int { all.filter(\.diverged).count }
    public var dataOutliers: Int { runs.map(\.dataOutliers.count).reduce(0, +) }
    /// Seeds with at least one recovered spike.
    public var spikingSeeds: Int { runs.filter { $0.spikes.contains(where: \.recovered) }.count }
    public var meanFinalLoss: Double { Statistics.mean(runs.map(\.finalLoss)) }
    /// "lr_6.3e-2.tokens_8192.beta2_0.999": the key of its numbers.
    public func key(tokens: Int) -> String { "lr_\(formatLR(lr)).tokens_\(tokens).beta2_\(beta2)" }
}

/// Trains (or reuses) every run of the grid and measures each cell.
public struct SpikeMap {
    public let grid: SpikeMapGrid
    public let cache: RunCache
    public let detector = SpikeDetector.standard

    public init(grid: SpikeMapGrid, cache: RunCache) {
        self.grid = grid
        self.cache = cache
    }

    /// Every cell, beta2 outermost, then batch size, then LR (ascending as the grid lists them).
    public func cells() throws -> [SpikeMapCell] {
        try trainAll()
        var cells: [SpikeMapCell] = []
        for beta2 in grid.beta2s {
            for batchSize in grid.batchSizes {
                for lr in grid.learningRates {
                    let runs = try grid.seeds.map { seed in
                        try measure(grid.config(lr: lr, batchSize: batchSize, beta2: beta2, seed: seed), seed: seed)
                    }
                    cells.append(SpikeMapCell(lr: lr, batchSize: batchSize, beta2: beta2, runs: runs, steps: grid.steps))
                }
            }
        }
        return cells
    }

    /// Trains the grid's runs that are not cached yet, several at once (`RunCache.trainAll`): the
    /// map's small models leave cores idle one at a time. The numbers do not depend on it.
    public func trainAll() throws {
        try cache.trainAll(grid.beta2s.flatMap { beta2 in grid.batchSizes.flatMap { batchSize in grid.learningRates.flatMap { lr in
            grid.seeds.map { seed in
                let config = grid.config(lr: lr, batchSize: batchSize, beta2: beta2, seed: seed)
                return RunRequest(config, label: label(config, seed: seed))
            }
        } } })
    }

    private func label(_ config: RunConfig, seed: UInt64) -> String {
        "map lr=\(formatLR(config.optimizer.maxLR)) tokens \(grid.tokensPerStep(config.batchSize)) beta2 \(config.optimizer.beta2) seed \(seed)"
    }

    private func measure(_ config: RunConfig, seed: UInt64) throws -> SpikeMapRun {
        let run = try cache.run(config, label: label(config, seed: seed))
        let (spikes, dataOutliers) = try run.spikesAndOutliers(detector)
        return SpikeMapRun(seed: seed, run: run, spikes: spikes, dataOutliers: dataOutliers, finalLoss: run.finalLoss)
    }
}

extension SpikeMap {
    /// One heat map per beta2: recovered spikes per 1,000 steps over LR (x) and tokens per step (y),
    /// on one colour scale.
    public func heatMaps(_ cells: [SpikeMapCell]) -> [Panel] {
        let lrTicks = grid.learningRates.map(formatLR), tokenTicks = grid.batchSizes.map { "\(grid.tokensPerStep($0))" }
        let highest = max(1, cells.map(\.spikeRate).max() ?? 1)
        return grid.beta2s.map { beta2 in
            let rows = grid.batchSizes.map { b in grid.learningRates.map { lr in
                cells.first { $0.beta2 == beta2 && $0.batchSize == b && $0.lr == lr }!.spikeRate } }
            return .heatMap(HeatMap(title: "beta2 \(beta2): recovered spikes per 1,000 steps", values: rows,
                                    x: HeatAxis("peak LR", tickLabels: lrTicks), y: HeatAxis("tokens per step", tickLabels: tokenTicks),
                                    colorLabel: "spikes / 1000 steps", colorRange: (0, highest), palette: .magma))
        }
    }

    /// The map's claims (some cell spikes; beta2's high value spikes more; the largest batch spikes
    /// more) and the mean rates they compare.
    public func claims(_ cells: [SpikeMapCell]) -> (claims: [Claim], numbers: [String: Double]) {
        func rate(_ include: (SpikeMapCell) -> Bool) -> Double {
            let chosen = cells.filter(include)
            return chosen.isEmpty ? 0 : Statistics.mean(chosen.map(\.spikeRate))
        }
        let top = cells.max { $0.spikeRate < $1.spikeRate }!
        let anywhere = cells.contains { $0.recovered > 0 }
        var claims = [Claim(id: "spikes_at_this_scale", statement: "Recovered optimisation spikes occur somewhere on the map",
                            paper: "all four papers study spikes of models of 100M+ parameters",
                            ours: .text(anywhere ? "most in \(title(top)) (\(DataFormat.number(top.spikeRate)) per 1000 steps)" : "no cell spikes"),
                            rule: "a recovered optimisation spike in at least one cell", holds: anywhere)]
        var numbers: [String: Double] = [:]
        if let high = grid.beta2s.max(), let low = grid.beta2s.min(), high != low {
            let (rHigh, rLow) = (rate { $0.beta2 == high }, rate { $0.beta2 == low })
            numbers["beta2_\(high).mean_spike_rate"] = rHigh
            numbers["beta2_\(low).mean_spike_rate"] = rLow
            claims.append(Claim(id: "large_beta2_spikes_more", statement: "beta2 \(high) spikes more than beta2 \(low)",
                                paper: "Bai et al. 2025: 0.999 spikes, 0.95 much less",
                                ours: .text("\(DataFormat.number(rHigh)) against \(DataFormat.number(rLow)) spikes per 1000 steps"),
                                rule: "mean spike rate over the cells higher at beta2 \(high)", holds: rHigh > rLow))
        }
        if let most = grid.batchSizes.max(), let least = grid.batchSizes.min(), most != least {
            let (rMost, rLeast) = (rate { $0.batchSize == most }, rate { $0.batchSize == least })
            claims.append(Claim(id: "larger_batches_spike_more", statement: "More tokens per step (less gradient noise) spikes more",
                                paper: "adam paper and Bai et al.: larger batches make spikes likelier",
                                ours: .text("\(DataFormat.number(rMost)) at \(grid.tokensPerStep(most)) tokens against \(DataFormat.number(rLeast)) at \(grid.tokensPerStep(least))"),
                                rule: "mean spike rate over the cells higher at the largest batch", holds: rMost > rLeast))
        }
        return (claims, numbers)
    }

    /// "lr 6.3e-2, 8192 tokens/step, beta2 0.999": a cell's name in titles.
    public func title(_ cell: SpikeMapCell) -> String {
        "lr \(formatLR(cell.lr)), \(grid.tokensPerStep(cell.batchSize)) tokens/step, beta2 \(cell.beta2)"
    }
}
