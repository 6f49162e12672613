// Finite-difference gradient checks of every layer of SpikeModel, one test per layer.
//
// Method (details, tolerances and measured errors in GradientCheck.swift): L = sum(w ⊙ y) with a
// fixed random N(0, 1) weighting w of the layer output y, accumulated in Double; the layer's
// backward, fed dL/dy = w, gives the analytic gradient of every input and parameter. Each is
// compared with
//   fp32: Richardson central differences (h = 2e-2) of the layer's own fp32 forward;
//         per coordinate |num - ana| / max(|num|, |ana|, 1e-2 * max|ana|) < 1e-2, per tensor
//         ||num - ana|| / ||num|| < 1e-3;
//   fp64: central differences (h = 1e-5) of an independent Double reference forward
//         (DoubleReference.swift), which must first reproduce the fp32 output to 1e-5;
//         per coordinate (floor 1e-3 * max|ana|) < 1e-3, per tensor < 1e-5.
// Tensors of up to 120 coordinates are checked everywhere, larger ones at 120 fixed random
// coordinates (60 for Linear). Each test also checks the layer's overwrite / accumulate contract
// (outputs documented as overwritten are pre-filled with garbage; a second accumulating call must
// give twice the first gradient), since the model relies on both.

import Foundation
import Testing
import SpikeKernels
@testable import SpikeModel

@Suite struct LayerGradientTests {

    // MARK: Linear

    /// y = x W^T: gradients of x and W. The larger shape has more than 64 rows in both products, so
    /// parallelGemm splits them across workers (on machines with 2+ cores).
    @Test(arguments: [(10, 12, 7), (72, 9, 67)])
    func linear(shape: (Int, Int, Int)) {
        let (rows, nIn, nOut) = shape
        let x = GradCheck.normal(rows * nIn, name: "linear.x")
        let wt = GradCheck.normal(nOut * nIn, std: 0.5, name: "linear.W")
        let weighting = GradCheck.normal(rows * nOut, name: "linear.w")
        let y = FloatBuffer(count: rows * nOut)
        // Both start non-zero: backward overwrites them unless told to accumulate.
        let dW = GradCheck.filled(nOut * nIn, 7), dx = GradCheck.filled(rows * nIn, 7)
        Linear.backward(weighting.pointer, x.pointer, wt.pointer, dw: dW.pointer, dx: dx.pointer,
                        rows: rows, inFeatures: nIn, outFeatures: nOut)
        let dWOnce = dW.array, dxOnce = dx.array
        GradCheck.checkLayer("linear\(shape)", inputs: [("x", x, dxOnce), ("W", wt, dWOnce)],
                             weighting: GradCheck.doubles(weighting), sample: 60,
                             forward32: {
                                 Linear.forward(x.pointer, wt.pointer, y.pointer, rows: rows, inFeatures: nIn, outFeatures: nOut)
                                 return GradCheck.doubles(y)
                             },
                             forward64: { b in
                                 Reference.linear(GradCheck.doubles(b[0]), b[1].pointer, rows: rows, inFeatures: nIn, outFeatures: nOut)
                             })
        // Each accumulates only when asked.
        Linear.backward(weighting.pointer, x.pointer, wt.pointer, dw: dW.pointer, dx: dx.pointer,
                        rows: rows, inFeatures: nIn, outFeatures: nOut, accumulateWeight: true, accumulateInput: true)
        GradCheck.expectDoubled("linear.W", dW, dWOnce)
        GradCheck.expectDoubled("linear.x", dx, dxOnce)
    }

    // MARK: Embedding

    /// out = table[tokens] * scale: gradient of the table, with repeated tokens (their gradients
    /// add) and tokens that never occur (their gradient rows must be exactly zero).
    @Test(arguments: [false, true])
    func embedding(scaled: Bool) {
        let vocab = 11, d = 8
        let tokens: [Int32] = [3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7]  // 0 and 10 never occur
        let rows = tokens.count
        let scale: Float = scaled ? Float(d).squareRoot() : 1
        let table = GradCheck.normal(vocab * d, name: "embedding.table")
        let weighting = GradCheck.normal(rows * d, name: "embedding.w")
        let out = FloatBuffer(count: rows * d)
        let dTable = FloatBuffer(count: vocab * d)
        func backward() {
            tokens.withUnsafeBufferPointer { t in
                Embedding.backward(tokens: t.baseAddress!, dOut: weighting.pointer, dTable: dTable.pointer, rows: rows, d: d,
                                   scale: scale)
            }
        }
        backward()
        let once = dTable.array
        GradCheck.checkLayer("embedding(scaled: \(scaled))", inputs: [("table", table, once)],
                             weighting: GradCheck.doubles(weighting),
                             forward32: {
                                 tokens.withUnsafeBufferPointer { t in
                                     Embedding.forward(tokens: t.baseAddress!, table: table.pointer, out: out.pointer,
                                                       rows: rows, d: d, scale: scale)
                                 }
                                 return GradCheck.doubles(out)
                             },
                             forward64: { b in
                                 Reference.embedding(tokens, b[0].pointer, d: d, scale: scaled ? Double(d).squareRoot() : 1)
                             })
        for token in [0, 10] {
            #expect(once[(token * d)..<((token + 1) * d)].allSatisfy { $0 == 0 }, "unused token \(token) got a gradient")
        }
        backward()
        GradCheck.expectDoubled("embedding.table", dTable, once)
    }

    // MARK: RMSNorm

    /// y = x / sqrt(mean(x^2) + eps) * weight: gradients of x and weight, overwriting and
    /// accumulating dx. eps = 0.5 makes eps matter in every row (rows have mean square 0.1..9);
    /// d = 13 exercises the non-multiple-of-4 tail of the vectorised dot product; 300 rows make
    /// three blocks of the weight gradient's partial sums (RMSNorm.weightBlockRows), the last short.
    @Test(arguments: [(Float(1e-5), 10), (0.5, 10), (1e-5, 300)])
    func rmsNorm(setting: (Float, Int)) {
        let (eps, rows) = setting, d = 13
        let x = GradCheck.normal(rows * d, name: "rmsnorm.x")
        for r in 0..<rows {  // row scales 0.3 ... 3
            let s = Float(0.3 * pow(10, Double(r % 10) / 9))
            for j in 0..<d { x[r * d + j] *= s }
        }
        let weight = GradCheck.normal(d, std: 0.3, mean: 1, name: "rmsnorm.weight")
        let weighting = GradCheck.normal(rows * d, name: "rmsnorm.w")
        let y = FloatBuffer(count: rows * d), rstd = FloatBuffer(count: rows)
        func forward() {
            RMSNorm.forward(x.pointer, weight: weight.pointer, out: y.pointer, rstd: rstd.pointer, rows: rows, d: d, eps: eps)
        }
        let dx = GradCheck.filled(rows * d, 7), dWeight = FloatBuffer(count: d)
        func backward(accumulate: Bool) {
            forward()  // rstd of the current x
            RMSNorm.backward(dy: weighting.pointer, x: x.pointer, weight: weight.pointer, rstd: rstd.pointer, dx: dx.pointer,
                             dWeight: dWeight.pointer, rows: rows, d: d, accumulate: accumulate)
        }
        backward(accumulate: false)
        let dxOnce = dx.array, dWeightOnce = dWeight.array
        GradCheck.checkLayer("rmsnorm(eps: \(eps), rows: \(rows))", inputs: [("x", x, dxOnce), ("weight", weight, dWeightOnce)],
                             weighting: GradCheck.doubles(weighting),
                             forward32: { forward(); return GradCheck.doubles(y) },
                             forward64: { b in
                                 Reference.rmsNorm(GradCheck.doubles(b[0]), b[1].pointer, rows: rows, d: d, eps: Double(eps))
                             })
        backward(accumulate: true)
        GradCheck.expectDoubled("rmsnorm.x", dx, dxOnce)
        GradCheck.expectDoubled("rmsnorm.weight", dWeight, dWeightOnce)
    }

    // MARK: RoPE and the attention core

    /// Shapes (batch, length) for the attention tests: 2 heads of dimension 6 (d = 12), context 8;
    /// includes a full-context batch and single-token sequences.
    // (1, 70) spans three query blocks of AttentionCore.queryBlock = 32, the last one partial.
    static let attentionShapes: [(Int, Int)] = [(2, 5), (1, 8), (3, 1), (1, 70)]
    static let nHeads = 2, headDim = 6, ropeTheta: Float = 500

    static func attention(contextLength: Int = 80) -> AttentionCore {
        AttentionCore(nHeads: nHeads, headDim: headDim, rope: RoPE(headDim: headDim, maxPositions: contextLength, theta: ropeTheta))
    }

    /// RoPE alone on a packed q|k|v buffer: y = rotate(x) for q and k, v untouched. The analytic
    /// gradient is the inverse (transposed) rotation of the weighting, as the model's backward uses.
    @Test(arguments: attentionShapes)
    func rope(shape: (Int, Int)) {
        let (batch, length) = shape
        let core = Self.attention()
        let d = core.d, rows = batch * length, n = rows * 3 * d
        let x = GradCheck.normal(n, name: "rope.x")
        let weighting = GradCheck.normal(n, name: "rope.w")
        let y = FloatBuffer(count: n)
        func forward() {
            y.copy(from: x)
            core.applyRoPE(y.pointer, batch: batch, length: length, inverse: false)
        }
        let dx = FloatBuffer(count: n)
        dx.copy(from: weighting)
        core.applyRoPE(dx.pointer, batch: batch, length: length, inverse: true)
        GradCheck.checkLayer("rope\(shape)", inputs: [("x", x, dx.array)], weighting: GradCheck.doubles(weighting),
                             forward32: { forward(); return GradCheck.doubles(y) },
                             forward64: { b in
                                 Reference.rope(GradCheck.doubles(b[0]), rows: rows, length: length, nHeads: Self.nHeads,
                                                headDim: Self.headDim, theta: Double(Self.ropeTheta))
                             })
        // v is never rotated; the rotation is orthogonal (inverse ∘ forward = identity).
        forward()
        for r in 0..<rows {
            #expect((0..<d).allSatisfy { y[r * 3 * d + 2 * d + $0] == x[r * 3 * d + 2 * d + $0] }, "row \(r): v was rotated")
        }
        core.applyRoPE(y.pointer, batch: batch, length: length, inverse: true)
        #expect(GradCheck.relativeDifference(GradCheck.doubles(y), GradCheck.doubles(x)) < 1e-6)
    }

    /// The causal attention core alone on a packed q|k|v buffer: out = softmax(q k^T / sqrt(hd)) v.
    @Test(arguments: attentionShapes)
    func attentionCore(shape: (Int, Int)) {
        checkAttention(batch: shape.0, length: shape.1, withRoPE: false)
    }

    /// RoPE followed by the attention core, exactly as the model chains them: forward rotates q and
    /// k in place then attends; backward runs the core's backward on the rotated q, k and then the
    /// inverse rotation on dq, dk. The gradient is with respect to the unrotated projections.
    @Test(arguments: attentionShapes)
    func ropeAndAttentionCore(shape: (Int, Int)) {
        checkAttention(batch: shape.0, length: shape.1, withRoPE: true)
    }

    func checkAttention(batch: Int, length: Int, withRoPE: Bool) {
        let core = Self.attention()
        let d = core.d, rows = batch * length
        let qkvIn = GradCheck.normal(rows * 3 * d, name: "attention.qkv")
        let weighting = GradCheck.normal(rows * d, name: "attention.w")
        let qkv = FloatBuffer(count: rows * 3 * d)
        let probs = FloatBuffer(count: batch * core.nHeads * length * length), out = FloatBuffer(count: rows * d)
        func forward() {
            qkv.copy(from: qkvIn)
            if withRoPE { core.applyRoPE(qkv.pointer, batch: batch, length: length, inverse: false) }
            core.forward(qkv: qkv.pointer, probs: probs.pointer, out: out.pointer, batch: batch, length: length)
        }
        forward()  // qkv (rotated) and probs for backward
        let dqkv = GradCheck.filled(rows * 3 * d, 7), scratch = GradCheck.filled(probs.count, 7)
        core.backward(dOut: weighting.pointer, qkv: qkv.pointer, probs: probs.pointer, dqkv: dqkv.pointer, scratch: scratch.pointer,
                      batch: batch, length: length)
        if withRoPE { core.applyRoPE(dqkv.pointer, batch: batch, length: length, inverse: true) }
        GradCheck.checkLayer((withRoPE ? "rope+attention" : "attention") + "(\(batch), \(length))",
                             inputs: [("qkv", qkvIn, dqkv.array)], weighting: GradCheck.doubles(weighting),
                             forward32: { forward(); return GradCheck.doubles(out) },
                             forward64: { b in
                                 var q = GradCheck.doubles(b[0])
                                 if withRoPE {
                                     q = Reference.rope(q, rows: rows, length: length, nHeads: Self.nHeads, headDim: Self.headDim,
                                                        theta: Double(Self.ropeTheta))
                                 }
                                 return Reference.attention(q, batch: batch, length: length, nHeads: Self.nHeads, headDim: Self.headDim)
                             })
    }

    // MARK: MLP activation

    /// swiglu: act = silu(gate) * up on pre = [gate | up]; gelu: act = gelu(pre) (exact erf GELU).
    /// Pre-activations N(0, 2^2) reach both tails of silu and gelu.
    @Test(arguments: MLPKind.allCases)
    func mlpActivation(kind: MLPKind) {
        let rows = 6, h = 10
        let width = kind == .swiglu ? 2 * h : h
        let pre = GradCheck.normal(rows * width, std: 2, name: "mlp.pre")
        let weighting = GradCheck.normal(rows * h, name: "mlp.w")
        let act = FloatBuffer(count: rows * h)
        let dPre = GradCheck.filled(rows * width, 7)
        MLPActivation.backward(kind: kind, pre: pre.pointer, dAct: weighting.pointer, dPre: dPre.pointer, rows: rows, hidden: h)
        GradCheck.checkLayer("mlp(\(kind))", inputs: [("pre", pre, dPre.array)], weighting: GradCheck.doubles(weighting),
                             forward32: {
                                 MLPActivation.forward(kind: kind, pre: pre.pointer, act: act.pointer, rows: rows, hidden: h)
                                 return GradCheck.doubles(act)
                             },
                             forward64: { b in Reference.mlpActivation(kind, GradCheck.doubles(b[0]), rows: rows, hidden: h) })
    }

    // MARK: Cross-entropy with z-loss, through the LM head

    /// L = mean cross-entropy + zLoss * mean(logsumexp^2) on logits = X W^T (the layer's output is
    /// already the scalar loss, so w = 1): gradients of the hidden states X and the head W from
    /// `backwardThroughHead`, which never forms dL/dlogits. Targets repeat (rows 0-5 use 3 tokens,
    /// so several rows correct the same head row). An offset added to X's first column, with W's
    /// first column set to 1, shifts every logit and so moves logsumexp (the z term's gradient
    /// scales with it); zLoss = 0.3 makes that gradient comparable to the cross-entropy's. dX is
    /// pre-filled with garbage (overwritten); a second call that accumulates must double dW.
    @Test(arguments: [(Float(0), 0.0), (0.3, 0.0), (0.3, 6.0), (1e-4, -4.0)])
    func crossEntropyThroughHead(setting: (Float, Double)) {
        let (zLoss, offset) = setting
        let rows = 10, vocab = 17, d = 6
        let x = GradCheck.normal(rows * d, std: 1.5, name: "ce.hidden")
        let w = GradCheck.normal(vocab * d, std: 0.7, name: "ce.head")
        for r in 0..<rows { x[r * d] += Float(offset) }
        for v in 0..<vocab { w[v * d] = 1 }
        var rng = RandomGenerator.stream(seed: 1, name: "ce.targets")
        let targets = (0..<rows).map { r in Int32(r < 6 ? r % 3 : rng.int(below: vocab)) }
        let logits = FloatBuffer(count: rows * vocab)
        let logSumExp = FloatBuffer(count: rows), rowLoss = FloatBuffer(count: rows), inverseSum = FloatBuffer(count: rows)
        func loss() -> Double {
            Linear.forward(x.pointer, w.pointer, logits.pointer, rows: rows, inFeatures: d, outFeatures: vocab)
            let (ce, z) = targets.withUnsafeBufferPointer { t in
                CrossEntropy.forward(logits: logits.pointer, targets: t.baseAddress!, logSumExp: logSumExp.pointer,
                                     inverseSum: inverseSum.pointer, rowLoss: rowLoss.pointer, rows: rows, vocab: vocab)
            }
            return ce + Double(zLoss) * z
        }
        let dW = FloatBuffer(count: vocab * d), dX = GradCheck.filled(rows * d, 7)
        func backward(accumulateWeight: Bool) {
            _ = loss()  // exponentials, their inverse sums and logsumexp for backward
            targets.withUnsafeBufferPointer { t in
                CrossEntropy.backwardThroughHead(exponentials: logits.pointer, targets: t.baseAddress!, logSumExp: logSumExp.pointer,
                                                 inverseSum: inverseSum.pointer, hidden: x.pointer, head: w.pointer,
                                                 dHead: dW.pointer, dHidden: dX.pointer, rows: rows, d: d, vocab: vocab,
                                                 zLoss: zLoss, accumulateWeight: accumulateWeight)
            }
        }
        backward(accumulateWeight: false)
        let dWOnce = dW.array
        GradCheck.checkLayer("crossEntropyThroughHead\(setting)", inputs: [("hidden", x, dX.array), ("head", w, dWOnce)],
                             weighting: [1], sample: 60,
                             forward32: { [loss()] },
                             forward64: { b in
                                 let z = Reference.linear(GradCheck.doubles(b[0]), b[1].pointer, rows: rows, inFeatures: d, outFeatures: vocab)
                                 return [Reference.crossEntropy(z, targets, vocab: vocab, zLoss: Double(zLoss))]
                             })
        backward(accumulateWeight: true)
        GradCheck.expectDoubled("crossEntropyThroughHead.head", dW, dWOnce)
    }
}
