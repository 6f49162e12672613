import Foundation
import SpikeRuns
import SpikeAnalysis
import SpikeFigures

/// What lmc Figs. 12-15 read off one setting's LMC graph: how many neighbouring checkpoints are
/// connected, how dense the early and the late checkpoints are, and whether any edge crosses the
/// spike start.
public struct ConnectivityGraph {
    public let graph: LMCGraph
    /// Model evaluations spent: one per node, plus the interior alphas of every pair.
    public let evaluations: Int
    /// Connected pairs of consecutive nodes.
    public let neighbourEdges: Int
    /// Fraction of connected pairs among the first and among the last `half` nodes.
    public let earlyEdgeFraction: Double, lateEdgeFraction: Double
    public let half: Int
    /// Edges and pairs (a, b) with a < spike start <= b; nil unless the spike start lies inside the
    /// nodes (some node before it and some at or after it).
    public let crossingSpike: (start: Int, edges: Int, pairs: Int)?

    /// The graph of `run` over `steps`, each pair stopping at its first violation of eq. (1).
    /// `spikeStart` is setting (1)'s, in every setting, so (2) and (3) serve as controls.
    public init(_ run: CachedRun, steps: [Int], landscape: LMCLandscape, spikeStart: Int?) throws {
        var evaluations = steps.count
        graph = try landscape.connectivity.graph(try landscape.checkpoints(run, steps: steps), steps: steps, barriers: false) {
            evaluations += $0.evaluations
        }
        self.evaluations = evaluations
        let edges = Set(graph.edges)
        neighbourEdges = zip(steps, steps.dropFirst()).filter { edges.contains(LMCEdge(a: $0, b: $1)) }.count
        half = steps.count / 2
        earlyEdgeFraction = ConnectivityGraph.edgeFraction(graph, among: Set(steps.prefix(steps.count / 2)))
        lateEdgeFraction = ConnectivityGraph.edgeFraction(graph, among: Set(steps.suffix(steps.count / 2)))
        if let start = spikeStart, steps.contains(where: { $0 < start }), steps.contains(where: { $0 >= start }) {
            crossingSpike = (start, graph.edges.filter { $0.a < start && start <= $0.b }.count,
                             graph.pairs.filter { $0.stepA < start && start <= $0.stepB }.count)
        } else {
            crossingSpike = nil
        }
    }

    static func edgeFraction(_ graph: LMCGraph, among nodes: Set<Int>) -> Double {
        let pairs = graph.pairs.filter { nodes.contains($0.stepA) && nodes.contains($0.stepB) }
        return pairs.isEmpty ? .nan : Double(pairs.filter(\.connected).count) / Double(pairs.count)
    }

    public var steps: [Int] { graph.steps }
    public var neighbourFraction: Double { Double(neighbourEdges) / Double(max(steps.count - 1, 1)) }

    /// The figure's numbers of this setting, under `key` ("setting(1)").
    public func record(into numbers: inout [String: Double], key: String) {
        numbers[key + ".edges"] = Double(Set(graph.edges).count)
        numbers[key + ".pairs"] = Double(graph.pairs.count)
        numbers[key + ".neighbour_edges"] = Double(neighbourEdges)
        numbers[key + ".neighbour_fraction"] = neighbourFraction
        numbers[key + ".early_edge_fraction"] = earlyEdgeFraction
        numbers[key + ".late_edge_fraction"] = lateEdgeFraction
        numbers[key + ".evaluations"] = Double(evaluations)
        if let crossingSpike {
            numbers[key + ".edges_crossing_spike"] = Double(crossingSpike.edges)
            numbers[key + ".pairs_crossing_spike"] = Double(crossingSpike.pairs)
        }
        for (i, step) in steps.enumerated() { numbers[key + ".node_loss.\(step)"] = graph.nodeLosses[i] }
    }

    /// The graph on a semicircle in step order, nodes shaded by their loss, with a red tick across
    /// the arc where the spike starts when `marksSpike`.
    public func plot(title: String, shadeRange: (Double, Double), marksSpike: Bool) -> GraphPlot {
        let n = steps.count
        let positions = GraphPlot.semicircleLayout(count: n)
        let nodes = steps.indices.map { GraphNode("\(steps[$0])", x: positions[$0].x, y: positions[$0].y, shade: graph.nodeLosses[$0]) }
        let index = Dictionary(uniqueKeysWithValues: steps.enumerated().map { ($1, $0) })
        var extra: [String] = []
        if let start = crossingSpike?.start, marksSpike {
            // Between the nodes around the spike start, in proportion to its step.
            let b = steps.firstIndex { $0 >= start }!, a = max(b - 1, 0)
            let f = b == a ? Double(a) : Double(a) + Double(start - steps[a]) / Double(steps[b] - steps[a])
            let angle = GraphPlot.semicircleAngle(at: f, count: n)
            let (c, sn) = (cos(angle), sin(angle))
            extra.append(String(format: "set arrow 1 from %.4f,%.4f to %.4f,%.4f nohead lc rgb '#d62728' dt 2 lw 2 back", 0.75 * c, 0.75 * sn, 1.12 * c, 1.12 * sn))
            extra.append(String(format: "set label 1 'spike (step %d)' at %.4f,%.4f center textcolor rgb '#d62728' font ',9'", start, 0.62 * c, 0.62 * sn))
        }
        extra.append("set label 2 '\(Set(graph.edges).count)/\(graph.pairs.count) pairs connected' at 0,-0.12 center font ',9'")
        return GraphPlot(title: title, nodes: nodes, edges: graph.edges.map { GraphEdge(index[$0.a]!, index[$0.b]!) },
                         shadeLabel: "loss at checkpoint (nats)", shadeRange: shadeRange, palette: .viridis,
                         nodeSize: n > 12 ? 1.8 : 2.5, edgeColor: "#7f7f7f", extraCommands: extra)
    }
}
