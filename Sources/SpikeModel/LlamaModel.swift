import Foundation
import SpikeKernels

/// A Llama-style decoder with hand-written forward and backward passes over one flat parameter
/// buffer and one flat gradient buffer (same layout).
///
/// With a reparameterisation, `parameters` holds the trained tensors (raw matrices, then the
/// gates) and `weights` the effective weights the layers use, computed before every forward pass;
/// backward computes the effective weights' gradients and maps them onto `gradients` by the chain
/// rule. Without one, `weights` and `parameters` are the same buffer and nothing is copied.
public final class LlamaModel {
    public let config: ModelConfig
    /// Layout of `parameters` and `gradients`: the plain architecture, then any reparameterisation tensors.
    public let layout: ParameterLayout
    /// The trained tensors.
    public let parameters: FloatBuffer
    public let gradients: FloatBuffer
    /// The effective weights (plain layout: `layout`'s first `plainCount` floats) and their gradients.
    public let weights: FloatBuffer
    public let weightGradients: FloatBuffer
    public let profiler = Profiler()
    private let reparameterizer: WeightReparameterizer?

    private let attention: AttentionCore
    /// The gradient tensors backward adds into rather than overwrites (norm gains, an untied
    /// embedding): the only ones zeroed before it. Every matrix product writes its gradient whole.
    private let accumulatedGradients: [Range<Int>]
    private var activations: Activations?
    /// Shape and inputs of the last forward pass, needed by backward.
    private var lastBatch = 0, lastLength = 0
    private var lastTokens: [Int32] = []
    private var lastTargets: [Int32] = []
    public private(set) var lastCrossEntropy: Double = .nan
    public private(set) var lastZTerm: Double = .nan

    public init(config: ModelConfig) throws {
        try config.validate()
        Blas.configure()
        self.config = config
        layout = ParameterLayout(config)
        parameters = FloatBuffer(count: layout.count)
        gradients = FloatBuffer(count: layout.count)
        if let method = config.reparameterization {
            reparameterizer = WeightReparameterizer(method: method, config: config, layout: layout)
            weights = FloatBuffer(count: layout.plainCount)
            weightGradients = FloatBuffer(count: layout.plainCount)
        } else {
            reparameterizer = nil
            weights = parameters
            weightGradients = gradients
        }
        let plainCount = layout.plainCount, tied = config.tiedEmbeddings
        accumulatedGradients = layout.specs.filter { spec in
            spec.offset < plainCount && (spec.role == .norm || (spec.role == .embedding && !tied))
        }.map { $0.offset..<($0.offset + $0.count) }
        attention = AttentionCore(nHeads: config.nHeads, headDim: config.headDim,
                                  rope: RoPE(headDim: config.headDim, maxPositions: config.contextLength, theta: config.ropeTheta))
    }

    public var parameterCount: Int { layout.count }

    @inline(__always) private func p(_ offset: Int) -> UnsafeMutablePointer<Float> { weights.pointer + offset }
    @inline(__always) private func g(_ offset: Int) -> UnsafeMutablePointer<Float> { weightGradients.pointer + offset }

    private var embeddingMultiplier: Float { config.embeddingOutputScale }

    /// Computes the effective weights from the trained tensors (a no-op for plain models).
    public func materializeWeights() {
        reparameterizer?.materialize(trained: parameters.pointer, effective: weights.pointer)
    }

    /// Work done once per training step before its forward pass: sigmaReparam's power iteration.
    public func prepareTrainingStep() {
        reparameterizer?.powerIteration(trained: parameters.pointer)
    }

    /// `iterations` power iterations at once (at initialisation, so the first estimate is sound).
    func runPowerIterations(_ iterations: Int) {
        reparameterizer?.powerIteration(trained: parameters.pointer, iterations: iterations)
    }

    /// A plain model (no reparameterisation, same tensor names) with this model's effective
    /// weights: the same function, loadable by any Llama implementation.
    public func merged() throws -> LlamaModel {
        guard reparameterizer != nil else { return self }
        materializeWeights()
        let plain = try LlamaModel(config: config.plain)
        plain.parameters.pointer.update(from: weights.pointer, count: layout.plainCount)
        return plain
    }

    private func activations(batch: Int, length: Int) throws -> Activations {
        // Buffers sized for a larger shape serve smaller ones (kernels take the shape explicitly).
        if let a = activations, a.batch * a.length >= batch * length,
           a.batch * a.length * a.length >= batch * length * length { return a }
        do { try config.checkMemory(batchSize: batch, length: length) } catch ModelError.invalidConfig(let m) { throw ModelError.invalidInput(m) }
        let a = Activations(config: config, batch: batch, length: length)
        activations = a
        return a
    }

    private func validate(_ tokens: [Int32], _ name: String, batch: Int, length: Int) throws {
        guard batch >= 1, length >= 1, length <= config.contextLength else {
            throw ModelError.invalidInput("batch \(batch) x length \(length) does not fit context length \(config.contextLength)")
        }
        // Checked: release builds wrap an overflowing product, which could match by accident.
        let (expected, overflow) = batch.multipliedReportingOverflow(by: length)
        guard !overflow, tokens.count == expected else {
            throw ModelError.invalidInput("\(name) has \(tokens.count) tokens, expected \(batch) x \(length)")
        }
        let v = Int32(config.vocabSize)
        if let bad = tokens.firstIndex(where: { $0 < 0 || $0 >= v }) {
            throw ModelError.invalidInput("\(name)[\(bad)] = \(tokens[bad]) is outside the vocabulary 0..<\(v)")
        }
    }

    // MARK: forward

    /// Runs the model on `inputs` ([batch, length] row-major) and returns the logits buffer
    /// ([batch * length, vocab]); valid until the next call.
    @discardableResult
    public func forwardLogits(inputs: [Int32], batch: Int, length: Int) throws -> UnsafeMutablePointer<Float> {
        try validate(inputs, "inputs", batch: batch, length: length)
        let a = try activations(batch: batch, length: length)
        profiler.measure("reparameterisation") { materializeWeights() }
        runForward(a, inputs: inputs, batch: batch, length: length)
        lastBatch = batch; lastLength = length; lastTokens = inputs; lastTargets = []
        return a.logits.pointer
    }

    /// Forward pass with the loss (mean cross-entropy + z-loss) against `targets`. Afterwards the
    /// logits buffer holds what backward needs, no longer the logits (use `forwardLogits` for those).
    public func forward(inputs: [Int32], targets: [Int32], batch: Int, length: Int) throws -> Float {
        try validate(targets, "targets", batch: batch, length: length)
        try forwardLogits(inputs: inputs, batch: batch, length: length)
        let a = activations!
        let rows = batch * length
        let (ce, z) = profiler.measure("loss") {
            targets.withUnsafeBufferPointer { t in
                CrossEntropy.forward(logits: a.logits.pointer, targets: t.baseAddress!, logSumExp: a.logSumExp.pointer,
                                     inverseSum: a.inverseSum.pointer, rowLoss: a.rowLoss.pointer, rows: rows, vocab: config.vocabSize)
            }
        }
        lastTargets = targets
        lastCrossEntropy = ce
        lastZTerm = z
        return Float(ce + Double(config.zLoss) * z)
    }

    private func runForward(_ a: Activations, inputs: [Int32], batch: Int, length: Int) {
        let c = config, rows = batch * length, d = c.dModel, h = c.mlpHidden
        let preWidth = c.mlpKind == .swiglu ? 2 * h : h
        profiler.measure("embedding") {
            inputs.withUnsafeBufferPointer { t in
                Embedding.forward(tokens: t.baseAddress!, table: p(layout.embedding), out: a.residual[0].pointer,
                                  rows: rows, d: d, scale: embeddingMultiplier)
            }
        }
        for l in 0..<c.nLayers {
            let o = layout.blocks[l]
            let x = a.residual[l].pointer
            profiler.measure("norms") {
                RMSNorm.forward(x, weight: p(o.attentionNorm), out: a.attentionInput[l].pointer, rstd: a.attentionRstd[l].pointer,
                                rows: rows, d: d, eps: c.normEps)
            }
            profiler.measure("attention projections") {
                Linear.forward(a.attentionInput[l].pointer, p(o.qkv), a.qkv[l].pointer, rows: rows, inFeatures: d, outFeatures: 3 * d)
            }
            profiler.measure("rope") { attention.applyRoPE(a.qkv[l].pointer, batch: batch, length: length, inverse: false) }
            profiler.measure("attention core") {
                attention.forward(qkv: a.qkv[l].pointer, probs: a.probs[l].pointer, out: a.attentionOut[l].pointer,
                                  batch: batch, length: length)
            }
            profiler.measure("attention projections") {
                Linear.forward(a.attentionOut[l].pointer, p(o.output), a.middle[l].pointer, rows: rows, inFeatures: d, outFeatures: d)
            }
            profiler.measure("residual") { addInPlace(a.middle[l].pointer, x, rows * d) }
            profiler.measure("norms") {
                RMSNorm.forward(a.middle[l].pointer, weight: p(o.mlpNorm), out: a.mlpInput[l].pointer, rstd: a.mlpRstd[l].pointer,
                                rows: rows, d: d, eps: c.normEps)
            }
            profiler.measure("mlp projections") {
                Linear.forward(a.mlpInput[l].pointer, p(o.gateUp), a.mlpPre[l].pointer, rows: rows, inFeatures: d, outFeatures: preWidth)
            }
            profiler.measure("mlp activation") {
                MLPActivation.forward(kind: c.mlpKind, pre: a.mlpPre[l].pointer, act: a.mlpAct[l].pointer, rows: rows, hidden: h)
            }
            profiler.measure("mlp projections") {
                Linear.forward(a.mlpAct[l].pointer, p(o.down), a.residual[l + 1].pointer, rows: rows, inFeatures: h, outFeatures: d)
            }
            profiler.measure("residual") { addInPlace(a.residual[l + 1].pointer, a.middle[l].pointer, rows * d) }
        }
        profiler.measure("norms") {
            RMSNorm.forward(a.residual[c.nLayers].pointer, weight: p(layout.finalNorm), out: a.finalOut.pointer,
                            rstd: a.finalRstd.pointer, rows: rows, d: d, eps: c.normEps)
        }
        profiler.measure("lm head") {
            Linear.forward(a.finalOut.pointer, p(layout.head), a.logits.pointer, rows: rows, inFeatures: d, outFeatures: c.vocabSize)
        }
    }

    /// The largest attention logit q.k / sqrt(d_head) of each layer in the last forward pass (after
    /// RoPE, over the causal pairs of every sequence and head); empty before any forward pass.
    public func lastAttentionLogitMaxima() -> [Float] {
        guard let a = activations, lastBatch > 0 else { return [] }
        return (0..<config.nLayers).map { l in attention.maxLogit(qkv: a.qkv[l].pointer, batch: lastBatch, length: lastLength) }
    }

    // MARK: backward

    /// Gradients of the last `forward` loss with respect to every parameter, written into
    /// `gradients` (overwritten, not accumulated).
    public func backward() {
        precondition(!lastTargets.isEmpty, "backward() needs a preceding forward(inputs:targets:...)")
        let a = activations!
        let c = config, batch = lastBatch, length = lastLength, rows = batch * length, d = c.dModel, h = c.mlpHidden
        let preWidth = c.mlpKind == .swiglu ? 2 * h : h
        for range in accumulatedGradients { g(range.lowerBound).update(repeating: 0, count: range.count) }
        let dRes = a.dResidual.pointer, dHidden = a.dHidden.pointer
        profiler.measure("lm head") {
            lastTargets.withUnsafeBufferPointer { t in
                CrossEntropy.backwardThroughHead(exponentials: a.logits.pointer, targets: t.baseAddress!,
                                                 logSumExp: a.logSumExp.pointer, inverseSum: a.inverseSum.pointer,
                                                 hidden: a.finalOut.pointer, head: p(layout.head), dHead: g(layout.head),
                                                 dHidden: dHidden, rows: rows, d: d, vocab: c.vocabSize, zLoss: c.zLoss)
            }
        }
        profiler.measure("norms") {
            RMSNorm.backward(dy: dHidden, x: a.residual[c.nLayers].pointer, weight: p(layout.finalNorm), rstd: a.finalRstd.pointer,
                             dx: dRes, dWeight: g(layout.finalNorm), rows: rows, d: d, accumulate: false)
        }
        for l in stride(from: c.nLayers - 1, through: 0, by: -1) {
            let o = layout.blocks[l]
            // MLP branch: dRes is the gradient of the block output (= middle + mlp(middle)).
            profiler.measure("mlp projections") {
                Linear.backward(dRes, a.mlpAct[l].pointer, p(o.down), dw: g(o.down), dx: a.dAct.pointer,
                                rows: rows, inFeatures: h, outFeatures: d)
            }
            profiler.measure("mlp activation") {
                MLPActivation.backward(kind: c.mlpKind, pre: a.mlpPre[l].pointer, dAct: a.dAct.pointer, dPre: a.dPre.pointer,
                                       rows: rows, hidden: h)
            }
            profiler.measure("mlp projections") {
                Linear.backward(a.dPre.pointer, a.mlpInput[l].pointer, p(o.gateUp), dw: g(o.gateUp), dx: dHidden,
                                rows: rows, inFeatures: d, outFeatures: preWidth)
            }
            profiler.measure("norms") {
                RMSNorm.backward(dy: dHidden, x: a.middle[l].pointer, weight: p(o.mlpNorm), rstd: a.mlpRstd[l].pointer,
                                 dx: dRes, dWeight: g(o.mlpNorm), rows: rows, d: d, accumulate: true)
            }
            // Attention branch: dRes is now the gradient of `middle` (= x + attention(x)).
            profiler.measure("attention projections") {
                Linear.backward(dRes, a.attentionOut[l].pointer, p(o.output), dw: g(o.output), dx: a.dAttention.pointer,
                                rows: rows, inFeatures: d, outFeatures: d)
            }
            profiler.measure("attention core") {
                attention.backward(dOut: a.dAttention.pointer, qkv: a.qkv[l].pointer, probs: a.probs[l].pointer,
                                   dqkv: a.dQKV.pointer, scratch: a.dScores.pointer, batch: batch, length: length)
            }
            profiler.measure("rope") { attention.applyRoPE(a.dQKV.pointer, batch: batch, length: length, inverse: true) }
            profiler.measure("attention projections") {
                Linear.backward(a.dQKV.pointer, a.attentionInput[l].pointer, p(o.qkv), dw: g(o.qkv), dx: dHidden,
                                rows: rows, inFeatures: d, outFeatures: 3 * d)
            }
            profiler.measure("norms") {
                RMSNorm.backward(dy: dHidden, x: a.residual[l].pointer, weight: p(o.attentionNorm), rstd: a.attentionRstd[l].pointer,
                                 dx: dRes, dWeight: g(o.attentionNorm), rows: rows, d: d, accumulate: true)
            }
        }
        profiler.measure("embedding") {
            lastTokens.withUnsafeBufferPointer { t in
                // GLM-130B's shrink scales only this path: the input embedding's gradient.
                Embedding.backward(tokens: t.baseAddress!, dOut: dRes, dTable: g(layout.embedding), rows: rows, d: d,
                                   scale: embeddingMultiplier * (config.embeddingGradientShrink ?? 1))
            }
        }
        if let reparameterizer {
            profiler.measure("reparameterisation") {
                reparameterizer.backward(trained: parameters.pointer, effectiveGradients: weightGradients.pointer,
                                         gradients: gradients.pointer)
            }
        }
    }
}

@inline(__always)
func addInPlace(_ y: UnsafeMutablePointer<Float>, _ x: UnsafePointer<Float>, _ n: Int) {
    parallelRanges(n, minChunk: 16384) { i0, i1 in
        for i in i0..<i1 { y[i] += x[i] }
    }
}
