import Foundation
import SpikeKernels

/// The maps between a reparameterised model's trained tensors (raw matrices plus gates, in the
/// trained buffer) and its effective weights (plain layout, in the weight buffer): the forward
/// map before each forward pass, the chain rule after each backward pass, and sigmaReparam's
/// power iteration once per training step.
final class WeightReparameterizer {
    let method: Reparameterization
    let layout: ParameterLayout
    let residualScale: Float
    /// Plain tensors that are not reparameterised (norm gains, and the other matrices under
    /// Residual Scaling): copied between the buffers unchanged.
    private let copied: [Range<Int>]
    /// sigmaReparam's spectral norm estimate u^T W v of each matrix (index: `layout.reparameterized`)
    /// at the last forward map, which the backward map reuses.
    private(set) var spectralNorms: [Float]

    init(method: Reparameterization, config: ModelConfig, layout: ParameterLayout) {
        self.method = method
        self.layout = layout
        residualScale = Reparameterization.residualScale(config)
        let reparameterized = Set(layout.reparameterized.map(\.tensor))
        copied = layout.specs.indices.filter { layout.specs[$0].offset < layout.plainCount && !reparameterized.contains($0) }
            .map { layout.specs[$0].offset..<(layout.specs[$0].offset + layout.specs[$0].count) }
        spectralNorms = [Float](repeating: 1, count: layout.reparameterized.count)
    }

    // MARK: forward map

    /// Effective weights from the trained tensors.
    func materialize(trained p: UnsafeMutablePointer<Float>, effective w: UnsafeMutablePointer<Float>) {
        for r in copied { (w + r.lowerBound).update(from: p + r.lowerBound, count: r.count) }
        for (i, m) in layout.reparameterized.enumerated() {
            let raw = p + m.offset, out = w + m.offset, cols = m.columns
            switch method {
            case .wesar:
                scale(raw, by: p[m.gain!], into: out, count: m.rows * cols)
            case .residualScaling:
                scale(raw, by: residualScale, into: out, count: m.rows * cols)
            case .sigmaReparam:
                let sigma = spectralEstimate(m, p)
                spectralNorms[i] = sigma
                scale(raw, by: p[m.gain!] / sigma, into: out, count: m.rows * cols)
            case .weightNormalization:
                let gains = p + m.gain!
                parallelRanges(m.rows, minChunk: 64) { r0, r1 in
                    for r in r0..<r1 {
                        let v = raw + r * cols, o = out + r * cols
                        let factor = gains[r] / Float(Reduce.sumOfSquares(v, cols).squareRoot())
                        for j in 0..<cols { o[j] = factor * v[j] }
                    }
                }
            }
        }
    }

    // MARK: backward map (chain rule)

    /// Gradients of the trained tensors from the gradients of the effective weights `dW` (the
    /// forward map must have run on the same trained values).
    func backward(trained p: UnsafePointer<Float>, effectiveGradients dW: UnsafePointer<Float>,
                  gradients g: UnsafeMutablePointer<Float>) {
        for r in copied { (g + r.lowerBound).update(from: dW + r.lowerBound, count: r.count) }
        for (i, m) in layout.reparameterized.enumerated() {
            let raw = p + m.offset, dRaw = g + m.offset, dEff = dW + m.offset, count = m.rows * m.columns
            switch method {
            case .wesar:
                // W = alpha W_raw: dW_raw = alpha dW, dalpha = <dW, W_raw>.
                scale(dEff, by: p[m.gain!], into: dRaw, count: count)
                g[m.gain!] = Float(dot(dEff, raw, rows: m.rows, columns: m.columns))
            case .residualScaling:
                scale(dEff, by: residualScale, into: dRaw, count: count)
            case .sigmaReparam:
                // W = gamma W_raw / sigma with sigma = u^T W_raw v and u, v held constant:
                // dgamma = <dW, W_raw> / sigma, dW_raw = gamma/sigma (dW - <dW, W_raw>/sigma u v^T).
                let sigma = spectralNorms[i], gamma = p[m.gain!]
                let inner = dot(dEff, raw, rows: m.rows, columns: m.columns)
                g[m.gain!] = Float(inner / Double(sigma))
                let factor = gamma / sigma, along = Float(inner / Double(sigma))
                let u = p + m.spectralU!, v = p + m.spectralV!, cols = m.columns
                parallelRanges(m.rows, minChunk: 64) { r0, r1 in
                    for r in r0..<r1 {
                        let dw = dEff + r * cols, out = dRaw + r * cols, ur = along * u[r]
                        for j in 0..<cols { out[j] = factor * (dw[j] - ur * v[j]) }
                    }
                }
                g.advanced(by: m.spectralU!).update(repeating: 0, count: m.rows)
                g.advanced(by: m.spectralV!).update(repeating: 0, count: m.columns)
            case .weightNormalization:
                // w = g u with u = v/||v||: dg = <dw, u>, dv = g/||v|| (dw - <dw, u> u).
                let gains = p + m.gain!, dGains = g + m.gain!, cols = m.columns
                parallelRanges(m.rows, minChunk: 64) { r0, r1 in
                    for r in r0..<r1 {
                        let v = raw + r * cols, dw = dEff + r * cols, dv = dRaw + r * cols
                        let norm = Reduce.sumOfSquares(v, cols).squareRoot()
                        var projection = 0.0
                        for j in 0..<cols { projection += Double(dw[j]) * Double(v[j]) }
                        projection /= norm
                        dGains[r] = Float(projection)
                        let factor = Float(Double(gains[r]) / norm), along = Float(projection / norm)
                        for j in 0..<cols { dv[j] = factor * (dw[j] - along * v[j]) }
                    }
                }
            }
        }
    }

    // MARK: sigmaReparam's power iteration

    /// One power iteration per sigmaReparam matrix: v = W^T u / ||W^T u||, u = W v / ||W v||.
    func powerIteration(trained p: UnsafeMutablePointer<Float>, iterations: Int = 1) {
        guard case .sigmaReparam = method else { return }
        for m in layout.reparameterized {
            let w = p + m.offset, u = p + m.spectralU!, v = p + m.spectralV!
            for _ in 0..<iterations {
                Blas.gemv(transpose: true, m: m.rows, n: m.columns, a: w, x: u, y: v)
                normalize(v, m.columns)
                Blas.gemv(transpose: false, m: m.rows, n: m.columns, a: w, x: v, y: u)
                normalize(u, m.rows)
            }
        }
    }

    /// sigma = u^T W v with the current vectors (no update).
    private func spectralEstimate(_ m: ReparameterizedMatrix, _ p: UnsafeMutablePointer<Float>) -> Float {
        let wv = UnsafeMutablePointer<Float>.allocate(capacity: m.rows)
        defer { wv.deallocate() }
        Blas.gemv(transpose: false, m: m.rows, n: m.columns, a: p + m.offset, x: p + m.spectralV!, y: wv)
        var sigma = 0.0
        let u = p + m.spectralU!
        for r in 0..<m.rows { sigma += Double(u[r]) * Double(wv[r]) }
        return Float(sigma)
    }

    private func normalize(_ x: UnsafeMutablePointer<Float>, _ n: Int) {
        let norm = Float(Reduce.sumOfSquares(x, n).squareRoot())
        guard norm > 0 else { return }
        for i in 0..<n { x[i] /= norm }
    }

    // MARK: helpers

    private func scale(_ x: UnsafePointer<Float>, by factor: Float, into y: UnsafeMutablePointer<Float>, count: Int) {
        parallelRanges(count, minChunk: 16384) { i0, i1 in
            for i in i0..<i1 { y[i] = factor * x[i] }
        }
    }

    /// <a, b> over a [rows, columns] matrix: per-row sums in parallel, added in row order, so the
    /// result does not depend on the number of threads.
    private func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, rows: Int, columns: Int) -> Double {
        var rowSums = [Double](repeating: 0, count: rows)
        rowSums.withUnsafeMutableBufferPointer { out in
            parallelRanges(rows, minChunk: 64) { r0, r1 in
                for r in r0..<r1 {
                    var s = 0.0
                    let x = a + r * columns, y = b + r * columns
                    for j in 0..<columns { s += Double(x[j]) * Double(y[j]) }
                    out[r] = s
                }
            }
        }
        return rowSums.reduce(0, +)
    }
}
