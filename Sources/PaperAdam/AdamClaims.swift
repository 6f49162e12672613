import Foundation
import SpikeAnalysis
import SpikeFigures
import SpikeRuns

/// Claim C9a: Adam's update r is unimodal around 0 in stable training and bimodal (mass near
/// +-1) before or around a spike, measured by Sarle's bimodality coefficient b of each layer
/// group (`UpdateHistograms.Row.bimodality`; b > 5/9 reads as bimodal).
public struct UpdateShape {
    public static let bimodalAbove = 5.0 / 9.0
    public static let rule = "every group's median b over stable steps (after the warm-up, outside spike windows) below 5/9, "
        + "and some group's largest b in a spike window (10 % of the run before a spike's start to its peak) above 5/9"

    /// Median b of each group over the stable steps, and its largest b in the spike windows, over
    /// every baseline (nil where a baseline has no spike).
    public var stable: [String: Double] = [:]
    public var nearSpike: [String: Double] = [:]
    public var groups: [String] = []
    public var spikes = 0

    public init(_ baselines: [(histograms: GroupedHistograms, spikes: [LossSpike], steps: Int, warmup: Int)]) {
        var stableValues: [String: [Double]] = [:]
        for b in baselines {
            let margin = max(1, b.steps / 10)
            spikes += b.spikes.count
            if groups.isEmpty { groups = b.histograms.groups }
            for group in b.histograms.groups {
                let values = b.histograms.bimodality(group)
                for (i, step) in b.histograms.steps.enumerated() where values[i].isFinite {
                    if b.spikes.contains(where: { step >= $0.start - margin && step <= $0.peak }) {
                        nearSpike[group] = max(nearSpike[group] ?? -.infinity, values[i])
                    } else if step >= b.warmup && !b.spikes.contains(where: { step >= $0.start - margin && step <= $0.end + margin }) {
                        stableValues[group, default: []].append(values[i])
                    }
                }
            }
        }
        for (group, values) in stableValues { stable[group] = Statistics.median(values) }
    }

    public var claim: Claim {
        let unimodal = !stable.isEmpty && stable.values.allSatisfy { $0 < Self.bimodalAbove }
        let bimodal = groups.filter { (nearSpike[$0] ?? 0) > Self.bimodalAbove }
        let ours: String
        if spikes == 0 {
            ours = "no spike in the baseline: nothing to compare (stable median b up to \(NumberFormat.significant(3).format(stable.values.max() ?? .nan)))"
        } else {
            ours = "stable median b up to \(NumberFormat.significant(3).format(stable.values.max() ?? .nan)); near a spike b > 5/9 in "
                + (bimodal.isEmpty ? "no group" : bimodal.joined(separator: ", "))
        }
        return Claim(id: "C9a_bimodal_near_spike", statement: "The update distribution is unimodal around 0 in stable training and bimodal before or around a spike",
                     paper: "Molybog et al.: r concentrates near +-1 (sign-like updates) when the instability sets in",
                     ours: .text(ours), rule: Self.rule, holds: spikes > 0 && unimodal && !bimodal.isEmpty)
    }
}

/// Claim C9b: the embedding's gradients sit at the scale of eps for a long time while the deep
/// layers keep updating, from `adam_stats.csv`.
public struct GradientsAgainstEps {
    public static let rule = "the embedding has more than half its coordinates with |g| < 10 eps on at least 20 % of the recorded steps, "
        + "while the last block's MLP has under 10 % on those steps"
    public var embeddingShare: [Double] = []
    public var deepShare: [Double] = []

    public init(_ statistics: AdamStatistics, nLayers: Int) {
        embeddingShare = statistics["model.embed_tokens.weight"]?.gradNearEps ?? []
        deepShare = statistics["model.layers.\(nLayers - 1).mlp.down_proj.weight"]?.gradNearEps ?? []
    }

    /// Recorded steps on which the embedding is mostly near eps and the deep MLP is not.
    public var longShare: Double {
        guard !embeddingShare.isEmpty else { return 0 }
        let hits = zip(embeddingShare, deepShare).filter { $0 > 0.5 && $1 < 0.1 }.count
        return Double(hits) / Double(embeddingShare.count)
    }

    public var claim: Claim {
        Claim(id: "C9b_shallow_gradients_near_eps", statement: "The embedding's gradients shrink to the scale of eps for a long time while deep layers keep updating",
              paper: "Molybog et al.: shallow layers' gradients near eps for long stretches before the instability",
              ours: .text("largest embedding share with |g| < 10 eps \(NumberFormat.significant(3).format(embeddingShare.max() ?? 0)); steps meeting the rule: \(NumberFormat.significant(3).format(100 * longShare)) %"),
              rule: Self.rule, holds: longShare >= 0.2)
    }
}

/// Claim C10: each mitigation reduces the spike count, smaller eps does not, and larger batches
/// spike more, from the spike counts summed over the seeds.
public struct MitigationClaims {
    public var counts: [String: Int] = [:]
    public var baseline = 0

    public init(_ bySeed: [[MitigationRun]]) {
        for runs in bySeed {
            for r in runs where r.run != nil { counts[r.mitigation.id, default: 0] += r.spikes.count }
        }
        baseline = counts["baseline"] ?? 0
    }

    public func claims(mitigations: [Mitigation], setup: AdamSetup) -> [Claim] {
        var claims: [Claim] = []
        let reducing = mitigations.filter { [.learningRate, .embeddingShrink, .rewind].contains($0.kind) || $0.id == "eps_1e-6" }
        for m in reducing {
            let n = counts[m.id]
            claims.append(Claim(id: "C10_\(m.id)_reduces_spikes", statement: "\(m.label.split(separator: "(")[0].trimmingCharacters(in: .whitespaces)) reduces the spike count",
                                paper: "Molybog et al. (and PaLM, GLM-130B): the mitigation removes or delays the spikes",
                                ours: .text(n.map { "\($0) spikes against \(baseline) in the baseline" } ?? "not applicable (no spike in the baseline)"),
                                rule: "fewer optimisation spikes than the baseline, summed over the seeds", holds: (n ?? .max) < baseline))
        }
        if let small = counts["eps_1e-12"], let large = counts["eps_1e-6"] {
            claims.append(Claim(id: "C10_smaller_eps_not_safer", statement: "A smaller eps does not make training more stable",
                                paper: "Molybog et al.: updates turn sign-like as gradients approach eps", ours: .text("eps 1e-12: \(small) spikes, eps 1e-6: \(large)"),
                                rule: "spikes at eps 1e-12 >= spikes at eps 1e-6, with at least one spike", holds: small >= large && small > 0))
        }
        let largest = setup.batchMultipliers.max() ?? 1
        if largest > 1, let big = counts["batch_x\(largest)"] {
            claims.append(Claim(id: "C10_larger_batches_spike_more", statement: "Larger batches (same tokens) spike more",
                                paper: "Molybog et al.: larger batches make the instability likelier",
                                ours: .text("x\(largest): \(big) spikes, x1: \(baseline)"), rule: "more spikes at x\(largest) than at x1", holds: big > baseline))
        }
        return claims
    }
}
