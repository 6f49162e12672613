// lmc Fig. 11: loss on the segment theta(alpha) = (1-alpha) theta_A + alpha theta_B between checkpoint
// pairs around the spike of setting (1), and the same pairs in setting (3).
import Foundation
import PaperLMC
import SpikeAnalysis
import SpikeFigures

FigureProgram.main {
    var context = try FigureContext<LMCSetup>(name: "fig11", figure: "Fig. 11", title: "Loss landscape on the segment between two checkpoints")
    let (setup, sweep, output) = (context.setup, context.sweep, context.output)
    let settings = try sweep.settings()
    let landscape = try LMCLandscape(setup: setup)
    let lmc = landscape.connectivity
    let tolerance = lmc.settings.tolerance
    let (one, three) = (settings.runs[0], settings.runs[2])
    let checkpoints = setup.checkpointSteps

    // The pair straddling the spike of (1), or the paper-proportional pair (350, 450 of ~1000 shown
    // steps: 35 % and 45 % of training) when (1) has no non-diverged spike.
    let spike = analysedSpike(one.spikes)
    let straddle = spike.flatMap { SpikeStraddle($0, checkpoints: checkpoints) }
    let main: (Int, Int)
    if let straddle {
        main = (straddle.before, straddle.after)
        context.result.notes.append("Setting (1) spikes (start \(spike!.start), peak \(spike!.peak), end \(spike!.end)); the straddling pair is the last checkpoint before the spike start and the first at or after its recovery.")
    } else {
        main = (setup.nearestCheckpoint(to: 0.35 * Double(setup.totalSteps)),
                setup.nearestCheckpoint(to: 0.45 * Double(setup.totalSteps), preferLater: true))
        context.result.notes.append("Setting (1) has no (non-diverged) loss spike at this scale\(one.spikes.isEmpty ? "" : " (only a divergence)"): the pairs are placed paper-proportionally instead (checkpoints nearest 35 % and 45 % of training, as (350, 450) of the paper's 1000 analysed steps), and the straddling claim cannot be reproduced.")
    }
    let span = main.1 - main.0
    var pairs: [(Int, Int)] = []
    if main.0 > checkpoints.first! {
        pairs.append((checkpoints.filter { $0 <= main.0 - span }.last ?? checkpoints.first!, main.0))
    }
    pairs.append(main)
    if main.1 < checkpoints.last! {
        pairs.append((main.1, checkpoints.first { $0 >= main.1 + span } ?? checkpoints.last!))
    }
    let mainIndex = pairs.firstIndex { $0 == main }!

    let colors = ["#1f77b4", "#d62728", "#2ca02c"]
    var panels: [Panel] = []
    var barriers: [String: [Double]] = [:]
    var evaluations = 0
    for s in [one, three] {
        let set = try landscape.checkpoints(s.run, steps: Array(Set(pairs.flatMap { [$0.0, $0.1] })).sorted())
        var series: [Series] = []
        for (k, (a, b)) in pairs.enumerated() {
            let segment = try lmc.segment(set, stepA: a, stepB: b)
            evaluations += segment.evaluations + 2
            let losses = segment.losses.map { $0! }
            let barrier = segment.barrier!
            barriers[s.name, default: []].append(barrier)
            let key = "setting\(s.name).pair_\(a)_\(b)"
            context.result.numbers[key + ".barrier"] = barrier
            context.result.numbers[key + ".loss_a"] = segment.lossA
            context.result.numbers[key + ".loss_b"] = segment.lossB
            context.result.numbers[key + ".max_loss"] = losses.max()!
            let mark = k == mainIndex ? (straddle != nil ? " (straddles spike)" : " (35-45 %)") : ""
            series.append(Series("(\(a), \(b))\(mark): barrier \(String(format: "%.3g", barrier))", x: segment.alphas, y: losses,
                                 style: .linesPoints, color: colors[k % colors.count], lineWidth: k == mainIndex ? 2.5 : 1.5,
                                 pointSize: 0.7))
            // The linear reference (1-alpha) L_A + alpha L_B: eq. (1) holds where the curve is below it.
            series.append(Series("", x: [0, 1], y: [segment.lossA, segment.lossB], style: .lines,
                                 color: colors[k % colors.count], lineWidth: 1, dashType: 2))
        }
        panels.append(.lines(LinePlot(title: s.panelTitle,
                                      x: Axis("alpha  (theta = (1-alpha) theta_A + alpha theta_B)", min: 0, max: 1),
                                      y: Axis("loss on the evaluation set (nats)"), series: series, key: "below center vertical")))
        try context.result.record(s.run)
    }
    try output.render(Figure(title: "lmc Fig. 11 (\(setup.scale.rawValue) scale): loss along checkpoint segments (dashed: linear reference)",
                             panels: panels, size: (1120, 520)))

    let mainBarrier = barriers[one.name]![mainIndex]
    context.result.add(Claim(id: "straddling_pair_has_barrier", statement: "In (1) the pair straddling the spike has a loss barrier (a hill)",
                     paper: "(350, 450) in (1) has a hill",
                     ours: .text("(\(main.0), \(main.1))\(straddle == nil ? " (no spike in (1): paper-proportional pair)" : ""): barrier \(String(format: "%.4g", mainBarrier)) nats"),
                     rule: "a (non-diverged) spike in (1) and barrier of the straddling pair > tolerance \(tolerance) nats",
                     holds: straddle != nil && mainBarrier > tolerance))
    let worst3 = barriers[three.name]!.max()!
    context.result.add(Claim(id: "setting3_no_barrier", statement: "In (3) no pair has a loss barrier (smoothly connected)",
                     paper: "no hill for any pair in (3)",
                     ours: .text("largest barrier in (3): \(String(format: "%.4g", worst3)) nats over \(pairs.count) pairs"),
                     rule: "every (3) barrier <= tolerance \(tolerance) nats", holds: worst3 <= tolerance))

    context.result.numbers["evaluations"] = Double(evaluations)
    try context.result.setting("pairs", pairs.map { [$0.0, $0.1] })
    try context.result.setting("straddling_pair", [main.0, main.1])
    try context.result.setting("lmc", lmc.settings)
    try context.result.setting("barrier", "max over the alpha grid of L(theta(alpha)) - ((1-alpha) L(A) + alpha L(B)), >= 0 (0 at the endpoints)")
    try context.result.setting("evaluation_set", landscape.evaluationDescription)
    try context.result.setting("detector", sweep.detector)
    try context.result.setting("selection_rule", LearningRateSweep.ruleText)
    context.result.notes.append("Loss on \(landscape.evaluationDescription) (the paper: the first 100 FineWeb-Edu training examples).")
    try output.write(context.result)
}
