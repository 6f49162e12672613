import Foundation
import SpikeRuns

/// The layer groups of the adam figures: the embedding, each block's attention and MLP matrices,
/// the norm gains, and an untied LM head, from the Hugging Face tensor names.
public enum LayerGroup {
    /// The group of a tensor: "embedding", "block 0 attention", "block 0 MLP", "norm gains" or "head".
    public static func of(_ tensor: String) -> String {
        if tensor == "model.embed_tokens.weight" { return "embedding" }
        if tensor.hasSuffix("layernorm.weight") || tensor == "model.norm.weight" { return "norm gains" }
        if tensor == "lm_head.weight" { return "head" }
        let parts = tensor.split(separator: ".")
        if parts.count > 3, parts[1] == "layers", let block = Int(parts[2]) {
            return "block \(block) \(parts[3] == "self_attn" ? "attention" : "MLP")"
        }
        return tensor
    }

    /// The groups of `tensors` in order of first appearance (the layout's order: embedding first,
    /// then the blocks in depth order, the norms collected where the first one appears).
    public static func ordered(_ tensors: [String]) -> [String] {
        var seen: [String] = []
        for t in tensors where !seen.contains(of(t)) { seen.append(of(t)) }
        return seen
    }
}

/// The update histograms summed over each layer group's tensors, per recorded step.
public struct GroupedHistograms: Sendable {
    public var steps: [Int] = []
    public var groups: [String] = []
    /// rows[group][i]: the histogram at steps[i] (counts and power sums added over the group).
    public var rows: [String: [UpdateHistograms.Row]] = [:]

    public init(_ histograms: UpdateHistograms) {
        groups = LayerGroup.ordered(histograms.tensors)
        for tensor in histograms.tensors {
            let group = LayerGroup.of(tensor), tensorRows = histograms[tensor]!
            if steps.isEmpty { steps = tensorRows.map(\.step) }
            if rows[group] == nil { rows[group] = tensorRows; continue }
            for (i, row) in tensorRows.enumerated() {
                rows[group]![i].count += row.count
                rows[group]![i].sums = zip(rows[group]![i].sums, row.sums).map(+)
                rows[group]![i].bins = zip(rows[group]![i].bins, row.bins).map(+)
            }
        }
    }

    /// Sarle's bimodality coefficient of `group` over time.
    public func bimodality(_ group: String) -> [Double] { rows[group]!.map(\.bimodality) }
}
