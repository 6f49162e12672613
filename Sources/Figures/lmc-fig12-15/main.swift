// lmc Figs. 12-15: linear-mode-connectivity graphs of the checkpoints of each setting. Nodes are the
// checkpoints `setup.nodeSteps` (the paper: 50, 100, ..., 950), an edge joins A and B when eq. (1)
// holds at every alpha of the grid (with the stated tolerance), node shade = loss at the checkpoint.
import Foundation
import PaperLMC
import SpikeAnalysis
import SpikeFigures

FigureProgram.main {
    var context = try FigureContext<LMCSetup>(name: "fig12_15", figure: "Figs. 12-15", title: "Linear mode connectivity graphs of the checkpoints")
    let (setup, sweep, output) = (context.setup, context.sweep, context.output)
    let settings = try sweep.settings()
    let landscape = try LMCLandscape(setup: setup)
    let lmc = landscape.connectivity
    let steps = setup.nodeSteps
    let n = steps.count
    let half = n / 2
    let early = Set(steps.prefix(half)), late = Set(steps.suffix(half))
    let spike = analysedSpike(settings.runs[0].spikes)
    // The spike splits the nodes when some node lies before its start and some at or after it.
    let spikeInside = spike.map { s in steps.contains { $0 < s.start } && steps.contains { $0 >= s.start } } ?? false

    // Semicircle layout in step order (left to right): straight edges stay distinguishable, unlike
    // on a line, and the order is read off as on a line.
    let positions = (0..<n).map { i -> (x: Double, y: Double) in
        let angle = Double.pi * (1 - Double(i) / Double(max(n - 1, 1)))
        return ((cos(angle) * 1e9).rounded() / 1e9, (sin(angle) * 1e9).rounded() / 1e9)
    }

    struct Summary { var name: String; var graph: LMCGraph; var evaluations: Int }
    var summaries: [Summary] = []
    for s in settings.runs {
        let set = try landscape.checkpoints(s.run, steps: steps)
        var evaluations = n
        let graph = try lmc.graph(set, steps: steps, barriers: false) { evaluations += $0.evaluations }
        summaries.append(Summary(name: s.name, graph: graph, evaluations: evaluations))
        try context.result.record(s.run)
    }
    let allLosses = summaries.flatMap(\.graph.nodeLosses).filter(\.isFinite)
    let shadeRange = (allLosses.min() ?? 0, max(allLosses.max() ?? 1, (allLosses.min() ?? 0) + 1e-6))

    var panels: [Panel] = []
    var stats: [String: (neighbour: Double, early: Double, late: Double)] = [:]
    for (s, summary) in zip(settings.runs, summaries) {
        let graph = summary.graph
        let edges = Set(graph.edges)
        func density(_ nodes: Set<Int>) -> Double {
            let pairs = graph.pairs.filter { nodes.contains($0.stepA) && nodes.contains($0.stepB) }
            return pairs.isEmpty ? .nan : Double(pairs.filter(\.connected).count) / Double(pairs.count)
        }
        let neighbourEdges = zip(steps, steps.dropFirst()).filter { edges.contains(LMCEdge(a: $0, b: $1)) }.count
        let neighbourFraction = Double(neighbourEdges) / Double(max(n - 1, 1))
        let (earlyDensity, lateDensity) = (density(early), density(late))
        stats[s.name] = (neighbourFraction, earlyDensity, lateDensity)
        let key = "setting\(s.name)"
        context.result.numbers[key + ".edges"] = Double(edges.count)
        context.result.numbers[key + ".pairs"] = Double(graph.pairs.count)
        context.result.numbers[key + ".neighbour_edges"] = Double(neighbourEdges)
        context.result.numbers[key + ".neighbour_fraction"] = neighbourFraction
        context.result.numbers[key + ".early_edge_fraction"] = earlyDensity
        context.result.numbers[key + ".late_edge_fraction"] = lateDensity
        context.result.numbers[key + ".evaluations"] = Double(summary.evaluations)
        if let spike, spikeInside {
            // Measured at the spike start of (1) in every setting, so (2) and (3) serve as controls.
            let crossing = graph.edges.filter { $0.a < spike.start && spike.start <= $0.b }.count
            let crossingPairs = graph.pairs.filter { $0.stepA < spike.start && spike.start <= $0.stepB }.count
            context.result.numbers[key + ".edges_crossing_spike"] = Double(crossing)
            context.result.numbers[key + ".pairs_crossing_spike"] = Double(crossingPairs)
        }
        for (i, step) in steps.enumerated() { context.result.numbers[key + ".node_loss.\(step)"] = graph.nodeLosses[i] }

        let nodes = steps.indices.map { GraphNode("\(steps[$0])", x: positions[$0].x, y: positions[$0].y, shade: graph.nodeLosses[$0]) }
        let index = Dictionary(uniqueKeysWithValues: steps.enumerated().map { ($1, $0) })
        var extra: [String] = []
        if let spike, spikeInside, s.name == settings.runs[0].name {
            // A red tick across the arc where the spike starts (between the nodes around it).
            let b = steps.firstIndex { $0 >= spike.start }!, a = max(b - 1, 0)
            let f = b == a ? Double(a) : Double(a) + Double(spike.start - steps[a]) / Double(steps[b] - steps[a])
            let angle = Double.pi * (1 - f / Double(max(n - 1, 1)))
            let (c, sn) = (cos(angle), sin(angle))
            extra.append(String(format: "set arrow 1 from %.4f,%.4f to %.4f,%.4f nohead lc rgb '#d62728' dt 2 lw 2 back", 0.75 * c, 0.75 * sn, 1.12 * c, 1.12 * sn))
            extra.append(String(format: "set label 1 'spike (step %d)' at %.4f,%.4f center textcolor rgb '#d62728' font ',9'", spike.start, 0.62 * c, 0.62 * sn))
        }
        extra.append("set label 2 '\(edges.count)/\(graph.pairs.count) pairs connected' at 0,-0.12 center font ',9'")
        panels.append(.graph(GraphPlot(title: s.panelTitle,
                                       nodes: nodes, edges: graph.edges.map { GraphEdge(index[$0.a]!, index[$0.b]!) },
                                       shadeLabel: "loss at checkpoint (nats)", shadeRange: shadeRange, palette: .viridis,
                                       nodeSize: n > 12 ? 1.8 : 2.5, edgeColor: "#7f7f7f", extraCommands: extra)))
    }
    try output.render(Figure(title: "lmc Figs. 12-15 (\(setup.scale.rawValue) scale): LMC graphs, nodes = checkpoints in step order, edge = eq. (1) holds on the whole alpha grid",
                             panels: panels, size: (1680, 470)))

    let one = settings.runs[0]
    let crossing = context.result.numbers["setting\(one.name).edges_crossing_spike"]
    context.result.add(Claim(id: "connectivity_breaks_at_spike", statement: "In (1) connectivity breaks at the spike: no edge joins a checkpoint before it to one after it",
                     paper: "graph of (1) split near step 400",
                     ours: .text(spike.map { s in spikeInside ? "spike start \(s.start): \(Int(crossing!)) of \(Int(context.result.numbers["setting\(one.name).pairs_crossing_spike"]!)) crossing pairs connected" : "spike start \(s.start) outside the node range" } ?? "no spike in (1)"),
                     rule: "a (non-diverged) spike in (1) whose start lies inside the node range, and 0 edges (a, b) with a < spike start <= b",
                     holds: spikeInside && crossing == 0))
    let controls = settings.runs.dropFirst()
    context.result.add(Claim(id: "neighbours_connect", statement: "In (2) and (3) neighbouring checkpoints are connected (in most cases)",
                     paper: "neighbouring checkpoints joined by edges almost everywhere",
                     allOf: controls.map { ("fraction of neighbour pairs connected in \($0.name)", stats[$0.name]!.neighbour, ClaimRule.greaterThan(0.5)) }))
    context.result.add(Claim(id: "late_dense", statement: "In (2) and (3) late checkpoints are densely connected (more than early ones)",
                     paper: "late checkpoints densely connected",
                     allOf: controls.flatMap { s -> [(quantity: String, value: Double, rule: ClaimRule)] in
                         let st = stats[s.name]!
                         return [("edge fraction among the last \(half) nodes in \(s.name)", st.late, .greaterThan(0.5)),
                                 ("late minus early (first \(half) nodes) edge fraction in \(s.name)", st.late - st.early, .atLeast(0))]
                     }))

    let evaluations = summaries.map(\.evaluations).reduce(0, +)
    context.result.numbers["evaluations"] = Double(evaluations)
    try context.result.setting("nodes", steps)
    try context.result.setting("lmc", lmc.settings)
    try context.result.setting("criterion", lmc.settings.criterion)
    try context.result.setting("evaluation_order", lmc.settings.evaluationOrder)
    try context.result.setting("stops_at_first_violation", true)
    try context.result.setting("early_nodes", steps.prefix(half).map { $0 })
    try context.result.setting("late_nodes", steps.suffix(half).map { $0 })
    try context.result.setting("evaluation_set", landscape.evaluationDescription)
    try context.result.setting("detector", sweep.detector)
    try context.result.setting("selection_rule", LearningRateSweep.ruleText)
    context.result.notes.append("The paper shows 4 graphs (Figs. 12-15); this setup has the 3 settings of Table 1, so there are 3 panels.")
    context.result.notes.append("Edge test: \(lmc.settings.criterion); interior alphas tried nearest 1/2 first, stopping at the first violation (early exit), so barriers are not computed here (see Fig. 11).")
    context.result.notes.append("Loss on \(landscape.evaluationDescription) (the paper: the first 100 FineWeb-Edu training examples).")
    if spike == nil { context.result.notes.append("Setting (1) has no (non-diverged) loss spike at this scale: the break-at-spike claim cannot be reproduced.") }
    try output.write(context.result)
}
