import Foundation
import SpikeRuns

/// Gradient spike scores grouped by layer type (the parameter layout's roles: embedding,
/// attention, mlp, norm, head): per step the spike count summed over the type's tensors and the
/// largest GSS among them, the largest GSS over the run, and the type's share of all spikes.
public struct SpikeScoresByLayer: Sendable {
    public static let roles = ["embedding", "attention", "mlp", "norm", "head"]
    public var steps: [Int] = []
    public var counts: [String: [Double]] = [:]
    public var stepLargest: [String: [Double]] = [:]
    public var largest: [String: Double] = [:]
    public var total: [String: Int] = [:]

    public init(_ spikes: GradientSpikes) {
        for role in Self.roles { counts[role] = []; stepLargest[role] = []; largest[role] = 0; total[role] = 0 }
        for name in spikes.tensors {
            guard let s = spikes[name], counts[s.role] != nil else { continue }
            if steps.isEmpty {
                steps = s.step
                for role in Self.roles { counts[role] = [Double](repeating: 0, count: s.step.count); stepLargest[role] = counts[role] }
            }
            for (t, n) in s.spikes.enumerated() { counts[s.role]![t] += Double(n) }
            for (t, x) in s.maxScore.enumerated() { stepLargest[s.role]![t] = max(stepLargest[s.role]![t], x) }
            largest[s.role] = max(largest[s.role]!, s.maxScore.max() ?? 0)
            total[s.role]! += s.spikes.reduce(0, +)
        }
    }

    public var allSpikes: Int { total.values.reduce(0, +) }
    public func share(_ role: String) -> Double { allSpikes > 0 ? Double(total[role]!) / Double(allSpikes) : 0 }
    /// The layer types with at least one spike.
    public var spikingRoles: [String] { Self.roles.filter { total[$0]! > 0 } }
}
