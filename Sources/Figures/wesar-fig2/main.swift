// wesar Fig. 2: loss over the whole run of the large model: WeSaR (Rapid), Small init Rapid and
// Small init Stable, against tokens seen, spikes marked.
import Foundation
import PaperWeSaR
import SpikeFigures

FigureProgram.main {
    var context = try FigureContext<WeSaRSetup>(name: "fig2", figure: "Fig. 2", title: "Loss over training: WeSaR vs Small init Rapid and Stable")
    let setup = context.setup
    let runs = [("WeSaR (Rapid)", try context.runs.run(.wesar, size: setup.large), "#1f77b4", "wesar"),
                ("Small init Rapid", try context.runs.run(.smallInit, size: setup.large), "#d62728", "small_rapid"),
                ("Small init Stable", try context.runs.run(.smallInit, size: setup.large, regime: .stable), "#2ca02c", "small_stable")]
    var series: [Series] = [], marks: [Series] = []
    for (title, r, color, key) in runs {
        let tokensPerStep = Double(r.run.config.batchSize * r.run.config.model.contextLength)
        series.append(Series(title, x: r.run.log.stepValues.map { $0 * tokensPerStep }, y: r.run.log.loss, color: color))
        if !r.spikes.isEmpty { marks.append(.spikeMarks(r.spikes, run: r.run, title: "spike: \(title)", xPerStep: tokensPerStep)) }
        context.result.numbers["\(key).spikes"] = Double(r.spikes.count)
        context.result.numbers["\(key).final_loss"] = r.run.log.loss.last ?? .nan
        try context.result.record(r.run)
    }
    try context.output.render(Figure(title: "wesar Fig. 2 (\(setup.scale.rawValue) scale, \(setup.large.paperName) stand-in)",
                                     .lines(LinePlot(x: Axis("tokens"), y: Axis("training loss"), series: series + marks))))
    let (w, rapid, stable) = (runs[0].1, runs[1].1, runs[2].1)
    context.result.add(Claim(id: "baselines_spike", statement: "Both baselines spike (Stable too)", paper: "spikes in Small init Rapid and Stable",
                             ours: .text("Rapid \(rapid.spikes.count), Stable \(stable.spikes.count) spikes"),
                             rule: "detector finds at least one spike in each baseline", holds: !rapid.spikes.isEmpty && !stable.spikes.isEmpty))
    context.result.add(Claim(id: "wesar_no_spike", statement: "WeSaR never spikes", paper: "no spike", ours: .number(Double(w.spikes.count)),
                             rule: ClaimRule.atMost(0).describe("WeSaR spikes"), holds: w.spikes.isEmpty && !w.run.diverged))
    try context.result.setting("detector", context.runs.detector)
    try context.output.write(context.result)
}
