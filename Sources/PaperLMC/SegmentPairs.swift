import Foundation
import SpikeRuns
import SpikeAnalysis
import SpikeFigures

/// The checkpoint pairs of lmc Fig. 11: the main pair, straddling the spike of setting (1), and
/// the pairs of the same span just before and just after it (where the checkpoints allow). Without
/// a (non-diverged) spike in (1) the main pair is placed as the paper's (350, 450) of its ~1000
/// shown steps: the checkpoints nearest 35 % and 45 % of training.
public struct SegmentPairs {
    /// The main pair, as (before, after) checkpoint steps.
    public let main: (Int, Int)
    /// Nil when (1) has no spike with a checkpoint before it (then the pair is paper-proportional).
    public let straddle: SpikeStraddle?
    /// Every pair in step order; `all[mainIndex] == main`.
    public let all: [(Int, Int)]
    public let mainIndex: Int
    /// How the main pair was chosen, for the figure's notes.
    public let note: String

    public init(setup: LMCSetup, spikesOfSetting1 spikes: [LossSpike]) {
        let checkpoints = setup.checkpointSteps
        let spike = analysedSpike(spikes)
        let straddle = spike.flatMap { SpikeStraddle($0, checkpoints: checkpoints) }
        let main: (Int, Int)
        if let straddle, let spike {
            main = (straddle.before, straddle.after)
            note = "Setting (1) spikes (start \(spike.start), peak \(spike.peak), end \(spike.end)); the straddling pair is the last checkpoint before the spike start and the first at or after its recovery."
        } else {
            main = (setup.nearestCheckpoint(to: 0.35 * Double(setup.totalSteps)),
                    setup.nearestCheckpoint(to: 0.45 * Double(setup.totalSteps), preferLater: true))
            note = "Setting (1) has no (non-diverged) loss spike at this scale\(spikes.isEmpty ? "" : " (only a divergence)"): the pairs are placed paper-proportionally instead (checkpoints nearest 35 % and 45 % of training, as (350, 450) of the paper's 1000 analysed steps), and the straddling claim cannot be reproduced."
        }
        let (first, last) = (checkpoints.first!, checkpoints.last!)
        let span = main.1 - main.0
        var pairs: [(Int, Int)] = []
        if main.0 > first { pairs.append((checkpoints.filter { $0 <= main.0 - span }.last ?? first, main.0)) }
        pairs.append(main)
        if main.1 < last { pairs.append((main.1, checkpoints.first { $0 >= main.1 + span } ?? last)) }
        self.main = main
        self.straddle = straddle
        all = pairs
        mainIndex = pairs.firstIndex { $0 == main }!
    }

    /// One setting's segments (every alpha evaluated), as curves with their linear references
    /// (dashed): eq. (1) holds where a curve stays below its reference. The main pair is drawn thicker.
    public func plot(_ segments: [LMCSegment], title: String) -> LinePlot {
        let colors = ["#1f77b4", "#d62728", "#2ca02c"]
        var series: [Series] = []
        for (k, segment) in segments.enumerated() {
            let mark = k == mainIndex ? (straddle != nil ? " (straddles spike)" : " (35-45 %)") : ""
            series.append(Series("(\(segment.stepA), \(segment.stepB))\(mark): barrier \(String(format: "%.3g", segment.barrier!))",
                                 x: segment.alphas, y: segment.losses.map { $0! }, style: .linesPoints, color: colors[k % colors.count],
                                 lineWidth: k == mainIndex ? 2.5 : 1.5, pointSize: 0.7))
            series.append(Series("", x: [0, 1], y: [segment.lossA, segment.lossB], style: .lines,
                                 color: colors[k % colors.count], lineWidth: 1, dashType: 2))
        }
        return LinePlot(title: title, x: Axis("alpha  (theta = (1-alpha) theta_A + alpha theta_B)", min: 0, max: 1),
                        y: Axis("loss on the evaluation set (nats)"), series: series, key: "below center vertical")
    }

    /// A segment's numbers under `key` ("setting(1)").
    public static func record(_ segment: LMCSegment, into numbers: inout [String: Double], key: String) {
        let pair = "\(key).pair_\(segment.stepA)_\(segment.stepB)"
        numbers[pair + ".barrier"] = segment.barrier!
        numbers[pair + ".loss_a"] = segment.lossA
        numbers[pair + ".loss_b"] = segment.lossB
        numbers[pair + ".max_loss"] = segment.losses.map { $0! }.max()!
    }
}

extension LMCLandscape {
    /// The segments between the checkpoints of `run` for `pairs`, every alpha evaluated.
    public func segments(_ run: CachedRun, pairs: [(Int, Int)]) throws -> [LMCSegment] {
        let set = try checkpoints(run, steps: Array(Set(pairs.flatMap { [$0.0, $0.1] })).sorted())
        return try pairs.map { try connectivity.segment(set, stepA: $0.0, stepB: $0.1) }
    }
}
