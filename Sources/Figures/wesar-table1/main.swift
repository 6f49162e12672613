// wesar Table 1: the initial std of every matrix under He, Small init and WeSaR (gate and raw
// weight), as formulas and as values at the small model's d and N, computed by the init code.
import Foundation
import PaperWeSaR
import SpikeFigures
import SpikeModel

FigureProgram.main {
    var context = try FigureContext<WeSaRSetup>(name: "table1", figure: "Table 1", title: "Initial standard deviation per matrix and scheme")
    let setup = context.setup
    let plain = setup.model(.smallInit, size: setup.small)
    let wesarConfig = setup.model(.wesar, size: setup.small)
    // WeSaR's gates as the initialiser sets them (read back from an initialised model).
    let wesar = try LlamaModel(config: wesarConfig)
    wesar.initialize(scheme: WeSaRMethod.wesar.backbone, seed: 0)
    let sigma = wesarConfig.reparameterization!.rawStd!
    let symbols = [("model.embed_tokens.weight", "W_e"), ("model.layers.0.self_attn.q_proj.weight", "W_q, W_k, W_v"),
                   ("model.layers.0.self_attn.o_proj.weight", "W_o"), ("model.layers.0.mlp.up_proj.weight", "W_u"),
                   ("model.layers.0.mlp.down_proj.weight", "W_d"), ("lm_head.weight", "W_p")]
    let f = NumberFormat.significant(4)
    var rows: [[TableCell]] = []
    var gatesAgree = true
    for (name, symbol) in symbols {
        let spec = ParameterLayout(plain)[name]!
        let m = wesar.layout.reparameterized.first { wesar.layout.specs[$0.tensor].name == name }!
        let gate = Double(wesar.parameters[m.gain!])
        let he = InitScheme.he.std(for: spec, config: plain)!, small = InitScheme.small.std(for: spec, config: plain)!
        let expectedGate = spec.role == .embedding ? 1 : he / sigma
        gatesAgree = gatesAgree && abs(gate / expectedGate - 1) < 1e-6
        rows.append([.text(symbol), .text(InitScheme.he.formula(for: spec)!), .number(he, f),
                     .text(InitScheme.small.formula(for: spec)!), .number(small, f),
                     .text(spec.role == .embedding ? "1" : "He / sigma"), .number(gate, f), .number(sigma, f)])
        context.result.numbers["\(symbol).he"] = he
        context.result.numbers["\(symbol).small"] = small
        context.result.numbers["\(symbol).wesar_gate"] = gate
    }
    let c = setup.small.model
    context.result.add(Table(id: "init_std", title: "wesar Table 1 (\(setup.scale.rawValue) scale): initial std at d = \(c.dModel), N = \(c.nLayers), h = \(c.mlpHidden)",
                             columns: ["matrix", "He formula", "He", "Small formula", "Small", "WeSaR gate formula", "WeSaR gate", "WeSaR weight (sigma)"],
                             rows: rows,
                             notes: ["Values from InitScheme.std and from the gates of an initialised WeSaR model (sigma^2 = \(formatLR(setup.defaultSigma2))).",
                                     "The embedding output is multiplied by 1 / (its initial std) in every scheme, so it starts with std 1 (Spike No More)."]))
    context.result.add(Claim(id: "gate_times_weight_is_he", statement: "WeSaR's gate times its common-std weight reproduces the He std of every matrix (embedding: gate 1)",
                             paper: "Table 1: gate sigma_i / sigma, weight sigma", ours: .text(gatesAgree ? "every gate = He std / sigma" : "a gate differs"),
                             rule: "every initialised gate within 1e-6 relative of He std / sigma (embedding: 1)", holds: gatesAgree))
    try context.output.write(context.result)
}
