// adam, claim C9b: per layer group the gradient RMS and the RMS of sqrt(v_hat) over time with eps
// as a line, and the share of coordinates whose |g| or sqrt(v_hat) is within 10x of eps, in the
// baseline (the suite's spike regime): do the embedding's gradients sink to the scale of eps
// while the deep layers keep updating?
import Foundation
import PaperAdam
import SpikeAnalysis
import SpikeFigures
import SpikeModel
import SpikeRuns

FigureProgram.main {
    var context = try FigureContext<AdamSetup>(name: "grad-norms", figure: "Gradient scales against eps (C9b)",
                                               title: "Per-layer gradient RMS, sqrt(v) RMS and the share of coordinates near eps")
    let (setup, runs, output) = (context.setup, context.runs, context.output)
    try runs.trainAll()
    let regime = try runs.regime()
    let baseline = try runs.baseline(regime, seed: runs.seeds(regime)[0])
    let stats = try baseline.run!.adamStatistics()!
    let eps = baseline.run!.config.optimizer.eps

    // The gradient norm of a tensor is its RMS x sqrt(its size).
    let layout = ParameterLayout(baseline.run!.config.model)
    let norm = { (s: AdamStatistics.Series, t: String) in s.gradRMS.map { $0 * Double(layout[t]!.count).squareRoot() } }
    try output.render(Figure(title: "adam: gradient scales, seed \(baseline.seed) (\(setup.scale.rawValue) scale; dashed: detected spikes)", panels: [
        AdamPlots.statistic("gradient norm", stats, norm, log: true, eps: nil, spikes: baseline.spikes),
        AdamPlots.statistic("gradient RMS", stats, \.gradRMS, log: true, eps: eps, spikes: baseline.spikes),
        AdamPlots.statistic("RMS of sqrt(v_hat)", stats, \.sqrtVRMS, log: true, eps: eps, spikes: baseline.spikes),
        AdamPlots.statistic("share with |g| < 10 eps", stats, \.gradNearEps, log: false, eps: nil, spikes: baseline.spikes),
        // This share is near 0 after the first steps: its panel carries the key.
        AdamPlots.statistic("share with sqrt(v_hat) < 10 eps", stats, \.sqrtVNearEps, log: false, eps: nil, spikes: baseline.spikes, key: "top right"),
        AdamPlots.statistic("update RMS sqrt(mean g^2 / v_hat)", stats, \.updateRMS, log: false, eps: nil, spikes: baseline.spikes),
    ], layout: (2, 3), size: (1900, 900)))

    for tensor in stats.tensors {
        let s = stats[tensor]!
        context.result.numbers["\(tensor).median_grad_rms"] = Statistics.median(s.gradRMS)
        context.result.numbers["\(tensor).max_grad_near_eps"] = s.gradNearEps.max() ?? 0
    }
    let nearEps = GradientsAgainstEps(stats, nLayers: setup.map.model.nLayers)
    context.result.numbers["embedding.steps_near_eps_share"] = nearEps.longShare
    context.result.add(nearEps.claim)
    try context.result.record(baseline.run!)
    try context.result.setting("baseline", setup.summary(regime))
    try context.result.setting("eps", eps)
    try context.result.setting("near_eps", "a coordinate is near eps when |g| (or sqrt(v_hat)) < 10 eps; g is the clipped gradient that entered the moments")
    try output.write(context.result)
}
