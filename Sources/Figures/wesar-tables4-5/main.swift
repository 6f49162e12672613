// wesar Tables 4-5: model and training settings of both sizes and both regimes, from the configs
// the runs are trained with, beside the paper's.
import Foundation
import PaperWeSaR
import SpikeFigures
import SpikeModel

FigureProgram.main {
    var context = try FigureContext<WeSaRSetup>(name: "tables4_5", figure: "Tables 4-5", title: "Model and training settings")
    let setup = context.setup
    var model = Table(id: "models", title: "wesar Table 4 (\(setup.scale.rawValue) scale): models",
                      columns: ["size", "stands for", "d", "layers", "heads", "MLP", "hidden", "vocab", "context", "parameters", "tied"])
    for size in setup.sizes {
        let c = size.model
        let count = ParameterLayout(c).count
        model.append([.text(size.name), .text(size.paperName), .number(Double(c.dModel), .integer), .number(Double(c.nLayers), .integer),
                      .number(Double(c.nHeads), .integer), .text(c.mlpKind.rawValue), .number(Double(c.mlpHidden), .integer),
                      .number(Double(c.vocabSize), .integer), .number(Double(c.contextLength), .integer),
                      .number(Double(count), .integer), .text(c.tiedEmbeddings ? "yes" : "no")])
        context.result.numbers["\(size.name).parameters"] = Double(count)
    }
    model.notes = ["Paper: 1.3B (d 2048, N 24, 16 heads) and 13B (d 5120, N 40), GELU up/down MLP, RMSNorm eps 1e-5, RoPE, no biases, vocab 32000."]
    context.result.add(model)
    var training = Table(id: "training", title: "wesar Table 5 (\(setup.scale.rawValue) scale): training",
                         columns: ["regime", "max LR", "min LR", "batch (sequences)", "tokens per batch", "warm-up", "steps", "tokens",
                                   "Adam betas", "eps", "clip", "weight decay", "z-loss"])
    for regime in Regime.allCases {
        let r = setup.runConfig(.smallInit, size: setup.small, regime: regime)
        let o = r.optimizer
        let tokensPerBatch = r.batchSize * r.model.contextLength
        training.append([.text(regime.label), .text(formatLR(o.maxLR)), .text(formatLR(o.minLR)), .number(Double(r.batchSize), .integer),
                         .number(Double(tokensPerBatch), .integer), .number(Double(o.warmupSteps), .integer),
                         .number(Double(o.totalSteps), .integer), .number(Double(tokensPerBatch * o.totalSteps), .integer),
                         .text("(\(o.beta1), \(o.beta2))"), .text(formatLR(o.eps)), .text(o.clipNormText ?? "none"),
                         .text("\(o.weightDecay)"), .text("\(r.model.zLoss)")])
        context.result.numbers["\(regime.rawValue).max_lr"] = o.maxLR
        context.result.numbers["\(regime.rawValue).tokens"] = Double(tokensPerBatch * o.totalSteps)
    }
    training.notes = ["Paper: Rapid LR 1e-3, 1M-token batches, warm-up 100; Stable LR 5e-4, 4M-token batches, warm-up 2000; 30B tokens; Adam (0.9, 0.95), clip 1.0, weight decay 0.01, z-loss 1e-4, bf16.",
                      "Both sizes share these settings; the Table 2 methods train with Rapid. Sigma^2 grid: \(setup.sigma2Grid.map(formatLR).joined(separator: ", ")) (paper default \(formatLR(setup.defaultSigma2))); the value chosen for each method in Table 2 is used by Figs. 1-2 and Table 3 too."]
    context.result.add(training)
    try context.output.write(context.result)
}
