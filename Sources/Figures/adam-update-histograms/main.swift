// adam, claim C9a: for each layer group a time x value heat map of the histogram of Adam's
// per-coordinate update r = m_hat / (sqrt(v_hat) + eps) in the baseline (the suite's spike
// regime), spikes marked, and Sarle's bimodality coefficient of r over time.
import Foundation
import PaperAdam
import SpikeAnalysis
import SpikeFigures
import SpikeRuns

FigureProgram.main {
    var context = try FigureContext<AdamSetup>(name: "update-histograms", figure: "Update histograms (C9a)",
                                               title: "Histograms of Adam's update r per layer group, and their bimodality")
    let (setup, runs, output) = (context.setup, context.runs, context.output)
    try runs.trainAll()
    let regime = try runs.regime()
    let baselines = try runs.seeds(regime).map { try runs.baseline(regime, seed: $0) }
    let grouped = try baselines.map { GroupedHistograms(try $0.run!.updateHistograms()!) }

    let shown = baselines[0], histograms = grouped[0]
    let panels = histograms.groups.map { AdamPlots.histogram($0, histograms, spikes: shown.spikes) }
        + [AdamPlots.bimodality(histograms, spikes: shown.spikes)]
    try output.render(Figure(title: "adam: update histograms, seed \(shown.seed) (\(setup.scale.rawValue) scale; dashed: detected spikes)", panels: panels))

    let shape = UpdateShape(zip(baselines, grouped).map { b, h in
        (histograms: h, spikes: b.spikes, steps: setup.totalSteps, warmup: setup.map.warmupSteps)
    })
    for group in shape.groups {
        let key = group.replacingOccurrences(of: " ", with: "_")
        context.result.numbers["\(key).stable_median_b"] = shape.stable[group] ?? .nan
        if let near = shape.nearSpike[group] { context.result.numbers["\(key).near_spike_max_b"] = near }
    }
    context.result.numbers["baseline_spikes"] = Double(shape.spikes)
    for b in baselines { try context.result.record(b.run!) }
    context.result.add(shape.claim)
    try context.result.setting("baseline", setup.summary(regime))
    try context.result.setting("bins", UpdateBins.description)
    try context.result.setting("bimodality", "Sarle's b = (skewness^2 + 1) / kurtosis of r over a group's coordinates, from exact power sums; 1/3 normal, 5/9 uniform, 1 two-point")
    try context.result.setting("seeds", AdamRuns.seedRule)
    try context.result.setting("detector", runs.detector)
    try output.write(context.result)
}
