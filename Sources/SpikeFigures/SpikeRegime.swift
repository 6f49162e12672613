/// Where the lmc settings and the adam baseline train: the LR, batch and beta2 of one spike-map
/// cell, chosen by a rule from the map's measurements (never by hand), and written into every
/// figure's metadata.
public struct SpikeRegime: Sendable, Equatable, Encodable {
    public var lr: Double
    public var batchSize: Int
    public var beta2: Double
    /// Whether the chosen cell had a recovered optimisation spike (otherwise the fallback chose).
    public var spikes: Bool
    /// The map's seeds whose run of this cell has a recovered optimisation spike.
    public var spikingSeeds: [UInt64]

    public init(lr: Double, batchSize: Int, beta2: Double, spikes: Bool, spikingSeeds: [UInt64]) {
        self.lr = lr; self.batchSize = batchSize; self.beta2 = beta2; self.spikes = spikes; self.spikingSeeds = spikingSeeds
    }

    public static let ruleText = "Regime = the spike-map cell with the largest share of seeds showing a recovered optimisation spike "
        + "(ties: the lower LR, then fewer stalls); LR_high, tokens per step and beta2 are that cell's. Settings: (1) LR_high, "
        + "(2) LR_high with clipping, (3) LR_high / 2, each over the setup's seeds. With no spiking cell: the finite cell with "
        + "the most optimisation spikes of any kind, then the largest LR, batch and beta2 (the spike claims are then not reproduced)."

    /// What the rule reads of one map cell.
    public struct Candidate: Sendable {
        public var lr: Double
        public var batchSize: Int
        public var beta2: Double
        public var seeds: Int
        /// Seeds with a recovered optimisation spike.
        public var spikingSeeds: [UInt64]
        /// Optimisation spikes of any kind, stalls, divergences (over the seeds).
        public var spikes: Int, stalls: Int, divergences: Int

        public init(lr: Double, batchSize: Int, beta2: Double, seeds: Int, spikingSeeds: [UInt64], spikes: Int, stalls: Int, divergences: Int) {
            self.lr = lr; self.batchSize = batchSize; self.beta2 = beta2; self.seeds = seeds; self.spikingSeeds = spikingSeeds
            self.spikes = spikes; self.stalls = stalls; self.divergences = divergences
        }

        public init(_ cell: SpikeMapCell) {
            self.init(lr: cell.lr, batchSize: cell.batchSize, beta2: cell.beta2, seeds: cell.runs.count,
                      spikingSeeds: cell.runs.filter { $0.spikes.contains(where: \.recovered) }.map(\.seed),
                      spikes: cell.runs.map(\.spikes.count).reduce(0, +), stalls: cell.stalls, divergences: cell.divergences)
        }

        var share: Double { Double(spikingSeeds.count) / Double(max(1, seeds)) }
    }

    /// Applies `ruleText` to the map's cells.
    public static func choose(from cells: [SpikeMapCell]) -> SpikeRegime { choose(cells.map(Candidate.init)) }

    public static func choose(_ candidates: [Candidate]) -> SpikeRegime {
        if let best = candidates.filter({ !$0.spikingSeeds.isEmpty }).max(by: { a, b in
            (a.share, -a.lr, -Double(a.stalls)) < (b.share, -b.lr, -Double(b.stalls))
        }) {
            return SpikeRegime(lr: best.lr, batchSize: best.batchSize, beta2: best.beta2, spikes: true, spikingSeeds: best.spikingSeeds)
        }
        let finite = candidates.filter { $0.divergences == 0 }
        let best = (finite.isEmpty ? candidates : finite).max { a, b in
            (a.spikes, a.lr, Double(a.batchSize), a.beta2) < (b.spikes, b.lr, Double(b.batchSize), b.beta2)
        }!
        return SpikeRegime(lr: best.lr, batchSize: best.batchSize, beta2: best.beta2, spikes: false, spikingSeeds: [])
    }

    /// "lr 6.3e-2, batch 128, beta2 0.999".
    public var description: String { "lr \(formatLR(lr)), batch \(batchSize), beta2 \(beta2)" }
}

extension SpikeMap {
    /// The regime `SpikeRegime.ruleText` chooses from this map's cells (trained or reused).
    public func regime() throws -> SpikeRegime { SpikeRegime.choose(from: try cells()) }
}
