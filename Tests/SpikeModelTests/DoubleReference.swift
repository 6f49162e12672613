// Double-precision reference forward passes of every SpikeModel layer and of the whole model, written
// independently of Sources/ from the documented formulas (plain loops, no BLAS). They serve the
// double-precision half of the gradient checks: central differences of a Double forward are exact
// to ~1e-10, so the fp32 analytic gradients can be held to a tight tolerance. Each reference is
// first required to reproduce the fp32 forward's output (to ~1e-5 relative), which pins it to the
// code under test: the check then says "backward is the derivative of this forward".

import Foundation
@testable import SpikeModel

/// A fixed-size Double array with a stable address (so one coordinate can be perturbed in place).
final class DoubleBuffer {
    let count: Int
    let pointer: UnsafeMutablePointer<Double>

    init(count: Int) {
        self.count = count
        pointer = .allocate(capacity: max(1, count))
        pointer.initialize(repeating: 0, count: max(1, count))
    }

    convenience init(_ floats: UnsafePointer<Float>, count: Int) {
        self.init(count: count)
        for i in 0..<count { pointer[i] = Double(floats[i]) }
    }

    deinit { pointer.deallocate() }

    subscript(i: Int) -> Double {
        get { pointer[i] }
        set { pointer[i] = newValue }
    }
}

enum Reference {
    /// y[rows, out] = x[rows, in] W^T with W [out, in]. (Raw pointers: this loop dominates the
    /// reference model's time, and tests build in debug.)
    static func linear(_ x: [Double], _ w: UnsafePointer<Double>, rows: Int, inFeatures n: Int, outFeatures m: Int) -> [Double] {
        precondition(x.count == rows * n)
        return [Double](unsafeUninitializedCapacity: rows * m) { y, initialized in
            x.withUnsafeBufferPointer { xb in
                let xp = xb.baseAddress!, yp = y.baseAddress!
                for r in 0..<rows {
                    let xr = xp + r * n
                    for o in 0..<m {
                        let wo = w + o * n
                        var s = 0.0
                        for i in 0..<n { s += xr[i] * wo[i] }
                        yp[r * m + o] = s
                    }
                }
            }
            initialized = rows * m
        }
    }

    static func embedding(_ tokens: [Int32], _ table: UnsafePointer<Double>, d: Int, scale: Double) -> [Double] {
        var y = [Double](repeating: 0, count: tokens.count * d)
        for (r, t) in tokens.enumerated() {
            for j in 0..<d { y[r * d + j] = table[Int(t) * d + j] * scale }
        }
        return y
    }

    static func rmsNorm(_ x: [Double], _ weight: UnsafePointer<Double>, rows: Int, d: Int, eps: Double) -> [Double] {
        var y = [Double](repeating: 0, count: rows * d)
        for r in 0..<rows {
            var ms = 0.0
            for j in 0..<d { ms += x[r * d + j] * x[r * d + j] }
            let s = 1 / (ms / Double(d) + eps).squareRoot()
            for j in 0..<d { y[r * d + j] = x[r * d + j] * s * weight[j] }
        }
        return y
    }

    /// Rotates q and k of a packed [batch * length, 3d] q|k|v buffer (Hugging Face convention:
    /// dimension i pairs with i + hd/2, angle = position * theta^(-2i/hd), position = t).
    static func rope(_ qkv: [Double], rows: Int, length: Int, nHeads: Int, headDim hd: Int, theta: Double) -> [Double] {
        var y = qkv
        let d = nHeads * hd, half = hd / 2
        for r in 0..<rows {
            let position = Double(r % length)
            for head in 0..<(2 * nHeads) {
                let base = r * 3 * d + head * hd
                for i in 0..<half {
                    let angle = position * pow(theta, -Double(2 * i) / Double(hd))
                    let a = qkv[base + i], b = qkv[base + i + half]
                    y[base + i] = a * cos(angle) - b * sin(angle)
                    y[base + i + half] = b * cos(angle) + a * sin(angle)
                }
            }
        }
        return y
    }

    /// Causal softmax(q k^T / sqrt(hd)) v per (batch, head) on a packed q|k|v buffer -> [rows, d].
    static func attention(_ qkv: [Double], batch: Int, length T: Int, nHeads: Int, headDim hd: Int) -> [Double] {
        let d = nHeads * hd
        var out = [Double](repeating: 0, count: batch * T * d)
        for b in 0..<batch {
            for h in 0..<nHeads {
                for i in 0..<T {
                    let qi = (b * T + i) * 3 * d + h * hd
                    var scores = [Double](repeating: 0, count: i + 1)
                    for j in 0...i {
                        let kj = (b * T + j) * 3 * d + d + h * hd
                        var s = 0.0
                        for e in 0..<hd { s += qkv[qi + e] * qkv[kj + e] }
                        scores[j] = s / Double(hd).squareRoot()
                    }
                    let m = scores.max()!
                    let exps = scores.map { exp($0 - m) }
                    let sum = exps.reduce(0, +)
                    for j in 0...i {
                        let vj = (b * T + j) * 3 * d + 2 * d + h * hd
                        for e in 0..<hd { out[(b * T + i) * d + h * hd + e] += exps[j] / sum * qkv[vj + e] }
                    }
                }
            }
        }
        return out
    }

    /// swiglu: silu(gate) * up on [gate | up] rows; gelu: x * Phi(x) (exact).
    static func mlpActivation(_ kind: MLPKind, _ pre: [Double], rows: Int, hidden h: Int) -> [Double] {
        var act = [Double](repeating: 0, count: rows * h)
        for r in 0..<rows {
            for j in 0..<h {
                switch kind {
                case .swiglu:
                    let g = pre[r * 2 * h + j], u = pre[r * 2 * h + h + j]
                    act[r * h + j] = g / (1 + exp(-g)) * u
                case .gelu:
                    let x = pre[r * h + j]
                    act[r * h + j] = 0.5 * x * (1 + erf(x / 2.0.squareRoot()))
                }
            }
        }
        return act
    }

    /// Mean cross-entropy + zLoss * mean(logsumexp^2).
    static func crossEntropy(_ logits: [Double], _ targets: [Int32], vocab V: Int, zLoss: Double) -> Double {
        var ce = 0.0, z = 0.0
        for (r, t) in targets.enumerated() {
            let row = logits[(r * V)..<((r + 1) * V)]
            let m = row.max()!
            let lse = m + log(row.reduce(0) { $0 + exp($1 - m) })
            ce += lse - logits[r * V + Int(t)]
            z += lse * lse
        }
        let n = Double(targets.count)
        return ce / n + zLoss * z / n
    }

    /// The training loss of a LlamaModel with parameters `p` (same layout as the model's buffer).
    static func modelLoss(_ c: ModelConfig, _ layout: ParameterLayout, _ p: UnsafePointer<Double>,
                          inputs: [Int32], targets: [Int32], batch: Int, length: Int) -> Double {
        let d = c.dModel, h = c.mlpHidden, rows = batch * length, eps = Double(c.normEps)
        let preWidth = c.mlpKind == .swiglu ? 2 * h : h
        var x = embedding(inputs, p + layout.embedding, d: d, scale: c.embeddingScale ? Double(d).squareRoot() : 1)
        for o in layout.blocks {
            var qkv = linear(rmsNorm(x, p + o.attentionNorm, rows: rows, d: d, eps: eps), p + o.qkv,
                             rows: rows, inFeatures: d, outFeatures: 3 * d)
            qkv = rope(qkv, rows: rows, length: length, nHeads: c.nHeads, headDim: c.headDim, theta: Double(c.ropeTheta))
            let attended = attention(qkv, batch: batch, length: length, nHeads: c.nHeads, headDim: c.headDim)
            let projected = linear(attended, p + o.output, rows: rows, inFeatures: d, outFeatures: d)
            let middle = zip(x, projected).map { $0 + $1 }
            let pre = linear(rmsNorm(middle, p + o.mlpNorm, rows: rows, d: d, eps: eps), p + o.gateUp,
                             rows: rows, inFeatures: d, outFeatures: preWidth)
            let down = linear(mlpActivation(c.mlpKind, pre, rows: rows, hidden: h), p + o.down,
                              rows: rows, inFeatures: h, outFeatures: d)
            x = zip(middle, down).map { $0 + $1 }
        }
        let logits = linear(rmsNorm(x, p + layout.finalNorm, rows: rows, d: d, eps: eps), p + layout.head,
                            rows: rows, inFeatures: d, outFeatures: c.vocabSize)
        return crossEntropy(logits, targets, vocab: c.vocabSize, zLoss: Double(c.zLoss))
    }
}
