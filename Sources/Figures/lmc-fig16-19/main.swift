// lmc Figs. 16-19: Euclidean distance ||theta_i - theta_j||_2 between the flattened parameter vectors
// of every pair of checkpoints, one matrix per setting.
import Foundation
import PaperLMC
import SpikeAnalysis
import SpikeFigures

FigureProgram.main {
    var context = try FigureContext<LMCSetup>(name: "fig16_19", figure: "Figs. 16-19", title: "Euclidean distance matrices between checkpoints")
    let (setup, sweep, output) = (context.setup, context.sweep, context.output)
    let settings = try sweep.settings()
    // The graph's nodes plus the final checkpoint.
    let steps = setup.checkpointSteps
    let n = steps.count
    let half = n / 2
    let spike = analysedSpike(settings.runs[0].spikes)
    // The neighbour pair (a, b) with a < spike start <= b, when the spike lies inside the checkpoints.
    let across = spike.flatMap { s -> Int? in
        guard let b = steps.firstIndex(where: { $0 >= s.start }), b > 0 else { return nil }
        return b - 1
    }

    struct Stats {
        var matrix: [[Double]]
        var spearman: Double
        /// Over every anchor i and every j, k on the same side of i with j nearer to i than k: the
        /// fraction with d(i, j) < d(i, k).
        var monotoneFraction: Double
        var earlyNeighbour: Double, lateNeighbour: Double
        var medianNeighbour: Double
        var acrossRatio: Double?
        var lateFartherGaps: Int, comparedGaps: Int
    }
    var all: [String: Stats] = [:]
    for s in settings.runs {
        let set = try CheckpointSet(runDirectory: s.run.directory, config: setup.model, steps: steps)
        let d = try ParameterDistances.matrix(set, steps: steps).distances
        var gaps: [Double] = [], values: [Double] = []
        for i in 0..<n { for j in (i + 1)..<n { gaps.append(Double(steps[j] - steps[i])); values.append(d[i][j]) } }
        let neighbour = (0..<(n - 1)).map { d[$0][$0 + 1] }
        // Early pairs: both checkpoints in the first half of the checkpoints; late: both in the last half.
        func mean(gap g: Int, from first: Int) -> Double {
            Statistics.mean((first..<(first + half - g)).map { d[$0][$0 + g] })
        }
        var lateFarther = 0, compared = 0
        for g in 1..<max(half, 1) {
            let (e, l) = (mean(gap: g, from: 0), mean(gap: g, from: n - half))
            compared += 1
            if l > e { lateFarther += 1 }
            context.result.numbers["setting\(s.name).gap\(g).early_mean"] = e
            context.result.numbers["setting\(s.name).gap\(g).late_mean"] = l
        }
        let median = Statistics.median(neighbour)
        var concordant = 0, comparisons = 0
        for i in 0..<n {
            for side in [Array((i + 1)..<n), Array((0..<i).reversed())] where side.count >= 2 {
                for a in 0..<side.count { for b in (a + 1)..<side.count {
                    comparisons += 1
                    if d[i][side[a]] < d[i][side[b]] { concordant += 1 }
                } }
            }
        }
        let stats = Stats(matrix: d, spearman: Statistics.spearman(gaps, values),
                          monotoneFraction: Double(concordant) / Double(max(comparisons, 1)),
                          earlyNeighbour: mean(gap: 1, from: 0), lateNeighbour: mean(gap: 1, from: n - half),
                          medianNeighbour: median, acrossRatio: across.map { neighbour[$0] / median },
                          lateFartherGaps: lateFarther, comparedGaps: compared)
        all[s.name] = stats
        let key = "setting\(s.name)"
        context.result.numbers[key + ".max_distance"] = values.max() ?? .nan
        context.result.numbers[key + ".spearman_distance_vs_gap"] = stats.spearman
        context.result.numbers[key + ".monotone_fraction"] = stats.monotoneFraction
        context.result.numbers[key + ".neighbour_mean_early"] = stats.earlyNeighbour
        context.result.numbers[key + ".neighbour_mean_late"] = stats.lateNeighbour
        context.result.numbers[key + ".neighbour_late_over_early"] = stats.lateNeighbour / stats.earlyNeighbour
        context.result.numbers[key + ".neighbour_median"] = median
        context.result.numbers[key + ".neighbour_max_over_median"] = (neighbour.max() ?? .nan) / median
        context.result.numbers[key + ".gaps_late_farther"] = Double(lateFarther)
        if let across, let r = stats.acrossRatio {
            context.result.numbers[key + ".neighbour_across_spike"] = neighbour[across]
            context.result.numbers[key + ".across_spike_over_median"] = r
        }
        for i in 0..<(n - 1) { context.result.numbers[key + ".neighbour.\(steps[i])_\(steps[i + 1])"] = neighbour[i] }
        try context.result.record(s.run)
    }

    let maxDistance = all.values.flatMap { $0.matrix.flatMap { $0 } }.max() ?? 1
    let labels = steps.map(String.init)
    let every = n > 12 ? 2 : 1
    var panels: [Panel] = []
    for s in settings.runs {
        var extra: [String] = []
        if let across, s.name == settings.runs[0].name {
            let v = Double(across) + 0.5
            extra.append("set arrow 1 from \(v), graph 0 to \(v), graph 1 nohead lc rgb '#d62728' dt 2 lw 2 front")
            extra.append("set arrow 2 from graph 0, first \(v) to graph 1, first \(v) nohead lc rgb '#d62728' dt 2 lw 2 front")
        }
        panels.append(.heatMap(HeatMap(title: "\(s.panelTitle)\(across != nil && s.name == settings.runs[0].name ? " (red: start, step \(spike!.start))" : "")",
                                       values: all[s.name]!.matrix,
                                       x: HeatAxis("checkpoint step", tickLabels: labels, tickEvery: every),
                                       y: HeatAxis("checkpoint step", tickLabels: labels, tickEvery: every),
                                       colorLabel: "", colorRange: (0, maxDistance), palette: .viridis,
                                       yReversed: true, extraCommands: extra + ["set size square"])))
    }
    try output.render(Figure(title: "lmc Figs. 16-19 (\(setup.scale.rawValue) scale): Euclidean distance ||theta_i - theta_j||_2 between checkpoint parameter vectors (colour)",
                             panels: panels, size: (1680, 520)))

    let runs = settings.runs
    context.result.add(Claim(id: "distance_grows_with_gap", statement: "The larger the step gap, the larger the distance between checkpoints",
                     paper: "distance grows with the step difference in every setting",
                     allOf: runs.map { ("fraction of same-anchor comparisons where the farther checkpoint is farther in parameter space in \($0.name)", all[$0.name]!.monotoneFraction, ClaimRule.greaterThan(0.9)) }))
    context.result.add(Claim(id: "late_farther_than_early", statement: "Checkpoints late in training are farther apart than early ones (at the same step gap)",
                     paper: "late-training checkpoints farther apart than early-training ones",
                     allOf: runs.map { ("late/early mean neighbour distance in \($0.name)", all[$0.name]!.lateNeighbour / all[$0.name]!.earlyNeighbour, ClaimRule.greaterThan(1)) }))
    let one = runs[0]
    let ratio = all[one.name]!.acrossRatio
    context.result.add(Claim(id: "sharp_change_at_spike", statement: "In (1) the parameters change sharply across the spike",
                     paper: "distance changes sharply around step 400 in (1)",
                     ours: .text(spike.map { s in ratio.map { "spike start \(s.start): neighbour distance across it = \(String(format: "%.3g", $0)) x the median neighbour distance" } ?? "spike start \(s.start) outside the checkpoints" } ?? "no spike in (1)"),
                     rule: "a (non-diverged) spike in (1) and neighbour distance across its start > 2 x the median neighbour distance of (1)",
                     holds: (ratio ?? 0) > 2))

    try context.result.setting("checkpoints", steps)
    try context.result.setting("early_checkpoints", steps.prefix(half).map { $0 })
    try context.result.setting("late_checkpoints", steps.suffix(half).map { $0 })
    try context.result.setting("gap_test", "distance grows moving away from the diagonal: over every anchor checkpoint i and every two checkpoints j, k on the same side of i with |step_j - step_i| < |step_k - step_i|, the fraction with d(i, j) < d(i, k) (monotone_fraction, must exceed 0.9). The pooled Spearman correlation of distance with |step gap| over all pairs (spearman_distance_vs_gap) mixes the gap with the position in training (late steps move less under the LR decay) and is reported only")
    try context.result.setting("distance", "||theta_i - theta_j||_2 over every parameter (flattened, fp32 weights, differences summed in Double)")
    try context.result.setting("detector", sweep.detector)
    try context.result.setting("selection_rule", LearningRateSweep.ruleText)
    context.result.notes.append("Checkpoints every \(setup.checkpointEvery) steps over the whole run (\(setup.totalSteps) steps, warm-up \(setup.warmupSteps), cosine decay to \(setup.minLRFraction) x max LR). The paper's matrices cover steps 50-950 of 35,075, all inside its 1,000-step warm-up where the LR rises; here the late checkpoints lie in the LR decay, so per-step movement shrinks late in training and the late-vs-early comparison is not like for like.")
    context.result.notes.append("Early/late: the first and last \(half) checkpoints; gap g compares the mean distance of pairs g checkpoints apart within each half (numbers gapG.early_mean / late_mean).")
    if spike == nil { context.result.notes.append("Setting (1) has no (non-diverged) loss spike at this scale: the sharp-change claim cannot be reproduced.") }
    try output.write(context.result)
}
