// lmc Figs. 16-19: Euclidean distance ||theta_i - theta_j||_2 between the flattened parameter vectors
// of every pair of checkpoints, one matrix per setting.
import Foundation
import PaperLMC
import SpikeAnalysis
import SpikeFigures

FigureProgram.main {
    var context = try FigureContext<LMCSetup>(name: "fig16_19", figure: "Figs. 16-19", title: "Euclidean distance matrices between checkpoints")
    let setup = context.setup
    try context.runs.trainAll()
    let settings = try context.runs.settings()
    // The graph's nodes plus the final checkpoint.
    let steps = setup.checkpointSteps
    let spike = analysedSpike(settings.runs[0].spikes)
    let one = settings.runs[0]

    var all: [String: CheckpointDistances] = [:]
    for s in settings.runs {
        let checkpoints = try CheckpointSet(runDirectory: s.run.directory, config: setup.model, steps: steps)
        let distances = CheckpointDistances(try ParameterDistances.matrix(checkpoints, steps: steps), spikeStart: spike?.start)
        distances.record(into: &context.result.numbers, key: "setting\(s.name)")
        all[s.name] = distances
        try context.result.record(s.run)
    }
    let maxDistance = all.values.flatMap { $0.distances.flatMap { $0 } }.max() ?? 1
    let panels = settings.runs.map { s -> Panel in
        let marked = all[s.name]!.acrossSpike != nil && s.name == one.name
        return .heatMap(all[s.name]!.heatMap(title: "\(s.panelTitle)\(marked ? " (red: start, step \(spike!.start))" : "")",
                                             colorMax: maxDistance, marksSpike: marked))
    }
    try context.output.render(Figure(title: "lmc Figs. 16-19 (\(setup.scale.rawValue) scale): Euclidean distance ||theta_i - theta_j||_2 between checkpoint parameter vectors (colour)",
                                     panels: panels, size: (1680, 520)))

    context.result.add(Claim(id: "distance_grows_with_gap", statement: "The larger the step gap, the larger the distance between checkpoints",
                     paper: "distance grows with the step difference in every setting",
                     allOf: settings.runs.map { ("fraction of same-anchor comparisons where the farther checkpoint is farther in parameter space in \($0.name)", all[$0.name]!.monotoneFraction, ClaimRule.greaterThan(0.9)) }))
    context.result.add(Claim(id: "late_farther_than_early", statement: "Checkpoints late in training are farther apart than early ones (at the same step gap)",
                     paper: "late-training checkpoints farther apart than early-training ones",
                     allOf: settings.runs.map { ("late/early mean neighbour distance in \($0.name)", all[$0.name]!.lateOverEarly, ClaimRule.greaterThan(1)) }))
    let ratio = all[one.name]!.acrossSpikeRatio
    context.result.add(Claim(id: "sharp_change_at_spike", statement: "In (1) the parameters change sharply across the spike",
                     paper: "distance changes sharply around step 400 in (1)",
                     ours: .text(spike.map { s in ratio.map { "spike start \(s.start): neighbour distance across it = \(String(format: "%.3g", $0)) x the median neighbour distance" } ?? "spike start \(s.start) outside the checkpoints" } ?? "no spike in (1)"),
                     rule: "a (non-diverged) spike in (1) and neighbour distance across its start > 2 x the median neighbour distance of (1)",
                     holds: (ratio ?? 0) > 2))

    let half = all[one.name]!.half
    try context.result.setting("checkpoints", steps)
    try context.result.setting("early_checkpoints", steps.prefix(half).map { $0 })
    try context.result.setting("late_checkpoints", steps.suffix(half).map { $0 })
    try context.result.setting("gap_test", CheckpointDistances.gapTest)
    try context.result.setting("distance", "||theta_i - theta_j||_2 over every parameter (flattened, fp32 weights, differences summed in Double)")
    try context.recordSettingsRule(settings)
    context.result.notes.append("Checkpoints every \(setup.checkpointEvery) steps over the whole run (\(setup.totalSteps) steps, warm-up \(setup.warmupSteps), then the LR held). The paper's matrices cover steps 50-950 of 35,075, all inside its 1,000-step warm-up where the LR rises; here the LR is constant after a short warm-up, so the late-vs-early comparison sees no LR decay, as in the paper, but no rising LR either.")
    context.result.notes.append("Early/late: the first and last \(half) checkpoints; gap g compares the mean distance of pairs g checkpoints apart within each half (numbers gapG.early_mean / late_mean).")
    if spike == nil { context.result.notes.append("Setting (1) has no (non-diverged) loss spike at this scale: the sharp-change claim cannot be reproduced.") }
    try context.output.write(context.result)
}
