// lmc Table 1: the three settings and whether the spike detector finds a spike in each run.
import Foundation
import PaperLMC
import SpikeAnalysis
import SpikeFigures

FigureProgram.main {
    var context = try FigureContext<LMCSetup>(name: "table1", figure: "Table 1", title: "Training settings and detected loss spikes")
    let (setup, sweep, output) = (context.setup, context.sweep, context.output)
    let settings = try sweep.settings()
    let paperSpike = ["(1)": "yes", "(2)": "no", "(3)": "no"]
    var rows: [[TableCell]] = []
    for s in settings.runs {
        let spiked = !s.spikes.isEmpty
        rows.append([.text(s.name), .text(formatLR(s.lr)), .text(s.run.config.optimizer.clipNormText ?? "none"),
                     .text(paperSpike[s.name]!), .text(spiked ? "yes" : "no"),
                     .text(s.spikes.first.map { "step \($0.peak)" } ?? "-"), .text("\(s.dataOutliers.count)")])
        context.result.numbers["setting\(s.name).spikes"] = Double(s.spikes.count)
        try context.result.record(s.run)
    }
    context.result.add(Table(id: "settings", title: "lmc Table 1 (\(setup.scale.rawValue) scale): LR_high = \(formatLR(settings.highLR))",
                     columns: ["setting", "max LR", "clipping", "spike (paper)", "spike (ours)", "first spike peak", "data outliers"], rows: rows,
                     notes: ["Model d=\(setup.model.dModel), \(setup.model.nLayers) layers, vocab \(setup.model.vocabSize), context \(setup.model.contextLength), batch \(setup.batchSize), \(setup.totalSteps) steps, warm-up \(setup.warmupSteps).",
                             "Spike column: optimisation spikes found by SpikeDetector.standard in each run's loss log; data outliers (one or two hard batches) are counted apart and are not spikes."]))
    let spikes = settings.runs.map { !$0.spikes.isEmpty }
    context.result.add(Claim(id: "spike_only_in_1", statement: "A loss spike occurs in setting (1) only",
                     paper: "(1) yes, (2) no, (3) no",
                     ours: .text(settings.runs.map { "\($0.name) \($0.spikes.isEmpty ? "no" : "yes")" }.joined(separator: ", ")),
                     rule: "detector finds a spike in (1) and none in (2) and (3)", holds: spikes == [true, false, false]))
    try context.recordSweepSettings()
    try output.write(context.result)
}
