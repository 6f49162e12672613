// lmc Fig. 11: loss on the segment theta(alpha) = (1-alpha) theta_A + alpha theta_B between checkpoint
// pairs around the spike of setting (1), and the same pairs in setting (3).
import Foundation
import PaperLMC
import SpikeAnalysis
import SpikeFigures

FigureProgram.main {
    var context = try FigureContext<LMCSetup>(name: "fig11", figure: "Fig. 11", title: "Loss landscape on the segment between two checkpoints")
    let setup = context.setup
    try context.runs.trainAll()
    let settings = try context.runs.settings()
    let landscape = try LMCLandscape(setup: setup)
    let tolerance = landscape.connectivity.settings.tolerance
    let (one, three) = (settings.runs[0], settings.runs[2])
    let pairs = SegmentPairs(setup: setup, spikesOfSetting1: one.spikes)
    context.result.notes.append(pairs.note)

    var panels: [Panel] = []
    var barriers: [String: [Double]] = [:]
    var evaluations = 0
    for s in [one, three] {
        let segments = try landscape.segments(s.run, pairs: pairs.all)
        for segment in segments {
            SegmentPairs.record(segment, into: &context.result.numbers, key: "setting\(s.name)")
            // Each segment also evaluates its two endpoints.
            evaluations += segment.evaluations + 2
        }
        barriers[s.name] = segments.map { $0.barrier! }
        panels.append(.lines(pairs.plot(segments, title: s.panelTitle)))
        try context.result.record(s.run)
    }
    try context.output.render(Figure(title: "lmc Fig. 11 (\(setup.scale.rawValue) scale): loss along checkpoint segments (dashed: linear reference)",
                                     panels: panels, size: (1120, 520)))

    let (main, mainBarrier) = (pairs.main, barriers[one.name]![pairs.mainIndex])
    context.result.add(Claim(id: "straddling_pair_has_barrier", statement: "In (1) the pair straddling the spike has a loss barrier (a hill)",
                     paper: "(350, 450) in (1) has a hill",
                     ours: .text("(\(main.0), \(main.1))\(pairs.straddle == nil ? " (no spike in (1): paper-proportional pair)" : ""): barrier \(String(format: "%.4g", mainBarrier)) nats"),
                     rule: "a (non-diverged) spike in (1) and barrier of the straddling pair > tolerance \(tolerance) nats",
                     holds: pairs.straddle != nil && mainBarrier > tolerance))
    let worst3 = barriers[three.name]!.max()!
    context.result.add(Claim(id: "setting3_no_barrier", statement: "In (3) no pair has a loss barrier (smoothly connected)",
                     paper: "no hill for any pair in (3)",
                     ours: .text("largest barrier in (3): \(String(format: "%.4g", worst3)) nats over \(pairs.all.count) pairs"),
                     rule: "every (3) barrier <= tolerance \(tolerance) nats", holds: worst3 <= tolerance))

    context.result.numbers["evaluations"] = Double(evaluations)
    try context.result.setting("pairs", pairs.all.map { [$0.0, $0.1] })
    try context.result.setting("straddling_pair", [main.0, main.1])
    try context.result.setting("barrier", "max over the alpha grid of L(theta(alpha)) - ((1-alpha) L(A) + alpha L(B)), >= 0 (0 at the endpoints)")
    try landscape.recordSettings(into: &context.result)
    try context.recordSettingsRule(settings)
    context.result.notes.append(landscape.evaluationNote)
    try context.output.write(context.result)
}
