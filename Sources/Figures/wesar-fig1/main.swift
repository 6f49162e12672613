// wesar Fig. 1: early training of the large (13B stand-in) model, Rapid: loss, and the update
// ratio ||dW|| / ||W|| of the last layer's W_d and W_u (effective weights), WeSaR vs Small init.
import Foundation
import PaperWeSaR
import SpikeAnalysis
import SpikeFigures

FigureProgram.main {
    var context = try FigureContext<WeSaRSetup>(name: "fig1", figure: "Fig. 1", title: "Early training: loss and update ratios of the last W_d and W_u")
    let setup = context.setup
    let baseline = try context.runs.run(.smallInit, size: setup.large)
    let wesar = try context.runs.run(.wesar, size: setup.large)
    let last = setup.large.model.nLayers - 1
    let down = "model.layers.\(last).mlp.down_proj.weight", up = "model.layers.\(last).mlp.up_proj.weight"
    // The first quarter of the run ("early training"; the paper shows the first 5B of 30B tokens).
    let early = max(10, setup.rapidSteps / 4)
    var lossSeries: [Series] = [], ratioSeries: [Series] = []
    var ratios: [String: Double] = [:]
    for (r, color, name) in [(baseline, "#d62728", "Small init"), (wesar, "#1f77b4", "WeSaR")] {
        let log = r.run.log
        lossSeries.append(Series("\(name): loss", x: Array(log.stepValues.prefix(early)), y: Array(log.loss.prefix(early)), color: color))
        guard let stats = try r.run.tensorStatistics(), let d = stats[down], let u = stats[up] else {
            throw FigureError("\(r.run.label) has no tensor statistics for \(down) / \(up)")
        }
        for (series, label, dash) in [(d, "W_d", 1), (u, "W_u", 2)] {
            var s = Series("\(name): \(label)", x: series.step.prefix(early).map(Double.init), y: Array(series.effectiveUpdateRatio.prefix(early)), color: color)
            s.dashType = dash
            ratioSeries.append(s)
            // Mean over the first tenth of the run: where the paper sees the baseline's W_d ratio start high.
            let first = Array(series.effectiveUpdateRatio.prefix(max(5, setup.rapidSteps / 10)))
            let mean = Statistics.mean(first)
            ratios["\(name).\(label)"] = mean
            context.result.numbers["\(name == "WeSaR" ? "wesar" : "small_init").\(label).early_mean_update_ratio"] = mean
        }
        context.result.numbers["\(name == "WeSaR" ? "wesar" : "small_init").spikes"] = Double(r.spikes.count)
        try context.result.record(r.run)
    }
    try context.output.render(Figure(title: "wesar Fig. 1 (\(setup.scale.rawValue) scale, \(setup.large.paperName) stand-in, Rapid)", panels: [
        .lines(LinePlot(x: Axis("step"), y: Axis("training loss"), series: lossSeries)),
        .lines(LinePlot(x: Axis("step"), y: Axis("update ratio ||dW||/||W||", log: true), series: ratioSeries)),
    ], layout: (2, 1), size: (900, 800)))
    let baseImbalance = ratios["Small init.W_d"]! / ratios["Small init.W_u"]!
    let wesarImbalance = ratios["WeSaR.W_d"]! / ratios["WeSaR.W_u"]!
    context.result.numbers["small_init.wd_over_wu"] = baseImbalance
    context.result.numbers["wesar.wd_over_wu"] = wesarImbalance
    context.result.add(Claim(id: "baseline_wd_ratio_larger", statement: "Early in training the baseline's W_d update ratio is far larger than its W_u ratio",
                             paper: "W_d ratio starts far above W_u", ours: baseImbalance, rule: .greaterThan(2), quantity: "mean W_d ratio / mean W_u ratio (first 10 % of steps)"))
    context.result.add(Claim(id: "wesar_ratios_uniform", statement: "WeSaR keeps the W_d and W_u update ratios uniform",
                             paper: "ratios close to each other and small",
                             ours: .text("W_d/W_u = \(NumberFormat.significant(3).format(wesarImbalance)) (baseline \(NumberFormat.significant(3).format(baseImbalance)))"),
                             rule: "|log(W_d/W_u)| of WeSaR below half the baseline's",
                             holds: abs(log(wesarImbalance)) < 0.5 * abs(log(baseImbalance))))
    context.result.add(Claim(id: "wesar_loss_stable", statement: "With WeSaR the loss decreases without spikes while the baseline spikes",
                             paper: "baseline small spikes, WeSaR smooth",
                             ours: .text("spikes: Small init \(baseline.spikes.count), WeSaR \(wesar.spikes.count)"),
                             rule: "detector finds spikes in the baseline and none with WeSaR", holds: !baseline.spikes.isEmpty && wesar.spikes.isEmpty))
    try context.result.setting("detector", context.runs.detector)
    try context.output.write(context.result)
}
