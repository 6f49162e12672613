// spam Fig. (GSS): gradient spikes (GSS > 50, exact over the whole run) of Adam's run (small
// size, first seed) per layer type over training, the largest GSS and each type's share of all
// spikes. Claim C11: spikes occur in every layer type, most of them in the norm layers.
import Foundation
import PaperSPAM
import SpikeFigures

let colors = ["embedding": "#1f77b4", "attention": "#ff7f0e", "mlp": "#2ca02c", "norm": "#d62728", "head": "#9467bd"]

FigureProgram.main {
    var context = try FigureContext<SPAMSetup>(name: "gss", figure: "GSS", title: "Gradient spike scores per layer type (Adam)")
    let setup = context.setup
    try context.runs.trainAll()
    let (run, spikes) = try context.runs.gradientSpikes()
    let layers = SpikeScoresByLayer(spikes)
    func series(_ values: [String: [Double]]) -> [Series] {
        SpikeScoresByLayer.roles.map { Series($0, x: layers.steps, y: values[$0]!, color: colors[$0]) }
    }
    let threshold = ReferenceLine(.horizontal, at: 50, label: "GSS 50")
    try context.output.render(Figure(title: "spam GSS (\(setup.scale.rawValue) scale, Adam, \(setup.small.paperName) stand-in)", panels: [
        .lines(LinePlot(x: Axis("step"), y: Axis("coordinates with GSS > 50"), series: series(layers.counts))),
        .lines(LinePlot(x: Axis("step"), y: Axis("largest GSS", log: true), series: series(layers.stepLargest), referenceLines: [threshold])),
    ], layout: (rows: 2, columns: 1), size: (width: 800, height: 900)))
    var table = Table(id: "layers", title: "Gradient spikes per layer type (GSS > 50 over \(setup.steps) steps)",
                      columns: ["layer type", "spikes", "share", "largest GSS"])
    for role in SpikeScoresByLayer.roles {
        table.append([.text(role), .number(Double(layers.total[role]!), .integer), .number(layers.share(role), .percent(1)),
                      .number(layers.largest[role]!, .fixed(1))])
        context.result.numbers["\(role).spikes"] = Double(layers.total[role]!)
        context.result.numbers["\(role).largest_gss"] = layers.largest[role]!
    }
    table.notes = ["GSS = |g_i(t)| / mean over all \(setup.steps) steps of |g_i|, exact (two bit-identical passes); GSS <= the number of steps, so at most \(setup.steps) here."]
    context.result.add(table)
    let everywhere = layers.spikingRoles.count == SpikeScoresByLayer.roles.count
    let mostInNorm = layers.allSpikes > 0 && SpikeScoresByLayer.roles.allSatisfy { layers.total["norm"]! >= layers.total[$0]! }
    let largest = layers.largest.values.max() ?? 0
    context.result.add(Claim(id: "C11", statement: "Gradient spikes (GSS > 50, up to ~1000x) occur in every layer type, most of them in the norm layers",
                             paper: "spikes in all layers; most in LayerNorm",
                             ours: .text("spiking types: \(layers.spikingRoles.joined(separator: ", ")) (\(layers.spikingRoles.count) of \(SpikeScoresByLayer.roles.count)); "
                                         + "norm share \(NumberFormat.percent(1).format(layers.share("norm"))); largest GSS \(NumberFormat.fixed(1).format(largest))"),
                             rule: "every layer type has a GSS > 50 coordinate and the norm gains have the most spikes", holds: everywhere && mostInNorm))
    try context.result.record(run)
    try context.output.write(context.result)
}
