import Foundation
import SpikeAnalysis
import SpikeFigures

/// What lmc Figs. 16-19 read off one setting's matrix of distances between its checkpoints:
/// whether distance grows with the step gap, whether late checkpoints lie farther apart than early
/// ones, and how far apart the two neighbours around the spike are.
public struct CheckpointDistances {
    public let steps: [Int]
    /// distances[i][j] = ||theta_i - theta_j||_2.
    public let distances: [[Double]]
    /// The first and the last `half` checkpoints are "early" and "late".
    public let half: Int
    /// d(checkpoint i, checkpoint i + 1).
    public let neighbour: [Double]
    /// Mean distance of the pairs `gap` checkpoints apart inside the early and inside the late half,
    /// for every gap below `half`.
    public let gapMeans: [(gap: Int, early: Double, late: Double)]
    public let earlyNeighbour: Double, lateNeighbour: Double
    public let medianNeighbour: Double
    /// Over every anchor i and every j, k on the same side of i with j nearer to i than k: the
    /// fraction with d(i, j) < d(i, k).
    public let monotoneFraction: Double
    /// Spearman correlation of distance with the step gap, pooled over all pairs.
    public let spearman: Double
    /// i of the neighbour pair (i, i + 1) whose steps straddle the spike start, if any.
    public let acrossSpike: Int?

    public init(_ matrix: DistanceMatrix, spikeStart: Int?) {
        let (steps, d, n) = (matrix.steps, matrix.distances, matrix.steps.count)
        self.steps = steps
        distances = d
        half = n / 2
        neighbour = (0..<(n - 1)).map { d[$0][$0 + 1] }
        func mean(gap g: Int, from first: Int) -> Double {
            Statistics.mean((first..<(first + n / 2 - g)).map { d[$0][$0 + g] })
        }
        gapMeans = (1..<max(half, 1)).map { g in (g, mean(gap: g, from: 0), mean(gap: g, from: n - n / 2)) }
        earlyNeighbour = mean(gap: 1, from: 0)
        lateNeighbour = mean(gap: 1, from: n - half)
        medianNeighbour = Statistics.median(neighbour)
        var concordant = 0, comparisons = 0
        for i in 0..<n {
            for side in [Array((i + 1)..<n), Array((0..<i).reversed())] where side.count >= 2 {
                for a in 0..<side.count { for b in (a + 1)..<side.count {
                    comparisons += 1
                    if d[i][side[a]] < d[i][side[b]] { concordant += 1 }
                } }
            }
        }
        monotoneFraction = Double(concordant) / Double(max(comparisons, 1))
        spearman = Statistics.spearman(CheckpointDistances.upperTriangle(n) { Double(steps[$1] - steps[$0]) },
                                       CheckpointDistances.upperTriangle(n) { d[$0][$1] })
        acrossSpike = spikeStart.flatMap { start in
            guard let b = steps.firstIndex(where: { $0 >= start }), b > 0 else { return nil }
            return b - 1
        }
    }

    /// `value(i, j)` for every pair i < j, row by row.
    static func upperTriangle(_ n: Int, _ value: (Int, Int) -> Double) -> [Double] {
        var out: [Double] = []
        for i in 0..<n { for j in (i + 1)..<n { out.append(value(i, j)) } }
        return out
    }

    /// The neighbour distance across the spike start over the median neighbour distance.
    public var acrossSpikeRatio: Double? { acrossSpike.map { neighbour[$0] / medianNeighbour } }
    public var lateOverEarly: Double { lateNeighbour / earlyNeighbour }

    /// The figure's numbers of this setting, under `key` ("setting(1)").
    public func record(into numbers: inout [String: Double], key: String) {
        for (g, early, late) in gapMeans {
            numbers["\(key).gap\(g).early_mean"] = early
            numbers["\(key).gap\(g).late_mean"] = late
        }
        numbers[key + ".max_distance"] = CheckpointDistances.upperTriangle(steps.count) { distances[$0][$1] }.max() ?? .nan
        numbers[key + ".spearman_distance_vs_gap"] = spearman
        numbers[key + ".monotone_fraction"] = monotoneFraction
        numbers[key + ".neighbour_mean_early"] = earlyNeighbour
        numbers[key + ".neighbour_mean_late"] = lateNeighbour
        numbers[key + ".neighbour_late_over_early"] = lateOverEarly
        numbers[key + ".neighbour_median"] = medianNeighbour
        numbers[key + ".neighbour_max_over_median"] = (neighbour.max() ?? .nan) / medianNeighbour
        numbers[key + ".gaps_late_farther"] = Double(gapMeans.filter { $0.late > $0.early }.count)
        if let acrossSpike, let ratio = acrossSpikeRatio {
            numbers[key + ".neighbour_across_spike"] = neighbour[acrossSpike]
            numbers[key + ".across_spike_over_median"] = ratio
        }
        for i in 0..<(steps.count - 1) { numbers[key + ".neighbour.\(steps[i])_\(steps[i + 1])"] = neighbour[i] }
    }

    /// The matrix as a heat map (step 0 at the top left), with dashed red lines between the two
    /// checkpoints around the spike start when `marksSpike`.
    public func heatMap(title: String, colorMax: Double, marksSpike: Bool) -> HeatMap {
        var extra: [String] = []
        if let acrossSpike, marksSpike {
            let v = Double(acrossSpike) + 0.5
            extra.append("set arrow 1 from \(v), graph 0 to \(v), graph 1 nohead lc rgb '#d62728' dt 2 lw 2 front")
            extra.append("set arrow 2 from graph 0, first \(v) to graph 1, first \(v) nohead lc rgb '#d62728' dt 2 lw 2 front")
        }
        let axis = HeatAxis("checkpoint step", tickLabels: steps.map(String.init), tickEvery: steps.count > 12 ? 2 : 1)
        return HeatMap(title: title, values: distances, x: axis, y: axis, colorLabel: "", colorRange: (0, colorMax),
                       palette: .viridis, yReversed: true, extraCommands: extra + ["set size square"])
    }

    /// How `monotoneFraction` tests "distance grows with the gap", for the figure's settings.
    public static let gapTest = "distance grows moving away from the diagonal: over every anchor checkpoint i and every two checkpoints j, k on the same side of i with |step_j - step_i| < |step_k - step_i|, the fraction with d(i, j) < d(i, k) (monotone_fraction, must exceed 0.9). The pooled Spearman correlation of distance with |step gap| over all pairs (spearman_distance_vs_gap) mixes the gap with the position in training (late steps move less under the LR decay) and is reported only"
}
