// GLM-130B's embedding-gradient shrink e = alpha e + (1 - alpha) stop_grad(e): the forward value is
// unchanged, and the gradient the embedding table receives through the input is alpha times the
// plain one, which finite differences of the (unchanged) loss confirm after dividing by alpha.

import Foundation
import Testing
import SpikeKernels
@testable import SpikeModel

@Suite struct EmbeddingShrinkTests {
    static let alpha: Float = 0.1

    func fixtures(tied: Bool) throws -> (plain: ModelFixture, shrunk: ModelFixture) {
        let plain = ModelCase(mlpKind: .swiglu, tied: tied, embeddingScale: false, zLoss: 0.1).config
        var shrunk = plain
        shrunk.embeddingGradientShrink = Self.alpha
        return (try ModelFixture(config: plain), try ModelFixture(config: shrunk))
    }

    /// Untied: the same loss to the bit, the embedding gradient alpha x the plain one (to fp32
    /// rounding of one product per term), every other gradient bit-identical, and the shrunk
    /// gradient / alpha matches the Double reference's central differences of the loss.
    @Test func untiedEmbeddingGradientIsAlphaTimesThePlainOne() throws {
        let (plain, shrunk) = try fixtures(tied: false)
        #expect(plain.loss() == shrunk.loss())
        let g = plain.analyticGradients(), gs = shrunk.analyticGradients()
        let layout = plain.model.layout
        for spec in layout.specs {
            let range = spec.offset..<(spec.offset + spec.count)
            if spec.role == .embedding {
                let expected = g[range].map { Double($0) * Double(Self.alpha) }, got = gs[range].map(Double.init)
                let error = zip(expected, got).map { ($0 - $1) * ($0 - $1) }.reduce(0, +).squareRoot()
                let norm = expected.map { $0 * $0 }.reduce(0, +).squareRoot()
                // Each term is (alpha s) dOut instead of alpha (s dOut): a few fp32 roundings (2^-24 each).
                #expect(norm > 0 && error / norm < 1e-6, "embedding gradient: relative error \(error / norm)")
                let unshrunk = gs[range].map { $0 / Self.alpha }
                GradCheck.expectClose(GradCheck.compareDouble("shrunk embedding / alpha", values: shrunk.parameters64.pointer + spec.offset,
                                                              analytic: Array(unshrunk), sample: 24, loss: shrunk.loss64))
            } else {
                #expect(Array(g[range]) == Array(gs[range]), "\(spec.name) must not change")
            }
        }
    }

    /// Tied: the LM head's share of the embedding gradient is not shrunk, so the shrunk gradient is
    /// neither the plain one nor alpha times it; every other gradient is bit-identical.
    @Test func tiedHeadGradientIsNotShrunk() throws {
        let (plain, shrunk) = try fixtures(tied: true)
        #expect(plain.loss() == shrunk.loss())
        let g = plain.analyticGradients(), gs = shrunk.analyticGradients()
        for spec in plain.model.layout.specs {
            let a = Array(g[spec.offset..<(spec.offset + spec.count)]), b = Array(gs[spec.offset..<(spec.offset + spec.count)])
            if spec.role == .embedding {
                let scaled = a.map { $0 * Self.alpha }
                #expect(a != b && scaled != b)
                // The difference is (1 - alpha) x the input path's gradient, nonzero only in rows of input tokens.
                let inputRows = Set(plain.inputs.map(Int.init)), d = plain.model.config.dModel
                for row in 0..<plain.model.config.vocabSize where !inputRows.contains(row) {
                    #expect(a[(row * d)..<((row + 1) * d)] == b[(row * d)..<((row + 1) * d)], "row \(row) only has the head's gradient")
                }
            } else {
                #expect(a == b, "\(spec.name) must not change")
            }
        }
    }

    @Test func shrinkOutsideZeroToOneIsAnError() {
        for bad: Float in [0, -0.5, 1.5, .nan] {
            var c = ModelCase(mlpKind: .swiglu, tied: true, embeddingScale: false, zLoss: 0).config
            c.embeddingGradientShrink = bad
            #expect(throws: ModelError.self) { try c.validate() }
        }
    }
}
