// lmc Figs. 12-15: linear-mode-connectivity graphs of the checkpoints of each setting. Nodes are the
// checkpoints `setup.nodeSteps` (the paper: 50, 100, ..., 950), an edge joins A and B when eq. (1)
// holds at every alpha of the grid (with the stated tolerance), node shade = loss at the checkpoint.
import PaperLMC
import SpikeFigures

FigureProgram.main {
    var context = try FigureContext<LMCSetup>(name: "fig12_15", figure: "Figs. 12-15", title: "Linear mode connectivity graphs of the checkpoints")
    let setup = context.setup
    try context.runs.trainAll()
    let settings = try context.runs.settings()
    let landscape = try LMCLandscape(setup: setup)
    let criterion = landscape.connectivity.settings
    let steps = setup.nodeSteps
    let spike = analysedSpike(settings.runs[0].spikes)
    let one = settings.runs[0]

    var graphs: [String: ConnectivityGraph] = [:]
    for s in settings.runs {
        let graph = try ConnectivityGraph(s.run, steps: steps, landscape: landscape, spikeStart: spike?.start)
        graph.record(into: &context.result.numbers, key: "setting\(s.name)")
        graphs[s.name] = graph
        try context.result.record(s.run)
    }
    let losses = settings.runs.flatMap { graphs[$0.name]!.graph.nodeLosses }.filter(\.isFinite)
    let shadeRange = (losses.min() ?? 0, max(losses.max() ?? 1, (losses.min() ?? 0) + 1e-6))
    let panels = settings.runs.map { s in
        Panel.graph(graphs[s.name]!.plot(title: s.panelTitle, shadeRange: shadeRange, marksSpike: s.name == one.name))
    }
    try context.output.render(Figure(title: "lmc Figs. 12-15 (\(setup.scale.rawValue) scale): LMC graphs, nodes = checkpoints in step order, edge = eq. (1) holds on the whole alpha grid",
                                     panels: panels, size: (1680, 470)))

    let crossing = graphs[one.name]!.crossingSpike
    context.result.add(Claim(id: "connectivity_breaks_at_spike", statement: "In (1) connectivity breaks at the spike: no edge joins a checkpoint before it to one after it",
                     paper: "graph of (1) split near step 400",
                     ours: .text(spike.map { s in crossing.map { "spike start \(s.start): \($0.edges) of \($0.pairs) crossing pairs connected" } ?? "spike start \(s.start) outside the node range" } ?? "no spike in (1)"),
                     rule: "a (non-diverged) spike in (1) whose start lies inside the node range, and 0 edges (a, b) with a < spike start <= b",
                     holds: crossing?.edges == 0))
    let controls = settings.runs.dropFirst().map { ($0.name, graphs[$0.name]!) }
    let half = graphs[one.name]!.half
    context.result.add(Claim(id: "neighbours_connect", statement: "In (2) and (3) neighbouring checkpoints are connected (in most cases)",
                     paper: "neighbouring checkpoints joined by edges almost everywhere",
                     allOf: controls.map { name, g in ("fraction of neighbour pairs connected in \(name)", g.neighbourFraction, ClaimRule.greaterThan(0.5)) }))
    context.result.add(Claim(id: "late_dense", statement: "In (2) and (3) late checkpoints are densely connected (more than early ones)",
                     paper: "late checkpoints densely connected",
                     allOf: controls.flatMap { name, g -> [(quantity: String, value: Double, rule: ClaimRule)] in
                         [("edge fraction among the last \(half) nodes in \(name)", g.lateEdgeFraction, .greaterThan(0.5)),
                          ("late minus early (first \(half) nodes) edge fraction in \(name)", g.lateEdgeFraction - g.earlyEdgeFraction, .atLeast(0))]
                     }))

    context.result.numbers["evaluations"] = Double(settings.runs.map { graphs[$0.name]!.evaluations }.reduce(0, +))
    try context.result.setting("nodes", steps)
    try landscape.recordSettings(into: &context.result)
    try context.result.setting("criterion", criterion.criterion)
    try context.result.setting("evaluation_order", criterion.evaluationOrder)
    try context.result.setting("stops_at_first_violation", true)
    try context.result.setting("early_nodes", steps.prefix(half).map { $0 })
    try context.result.setting("late_nodes", steps.suffix(half).map { $0 })
    try context.recordSettingsRule(settings)
    context.result.notes.append("The paper shows 4 graphs (Figs. 12-15); this setup has the 3 settings of Table 1, so there are 3 panels.")
    context.result.notes.append("Edge test: \(criterion.criterion); interior alphas tried nearest 1/2 first, stopping at the first violation (early exit), so barriers are not computed here (see Fig. 11).")
    context.result.notes.append(landscape.evaluationNote)
    if spike == nil { context.result.notes.append("Setting (1) has no (non-diverged) loss spike at this scale: the break-at-spike claim cannot be reproduced.") }
    try context.output.write(context.result)
}
