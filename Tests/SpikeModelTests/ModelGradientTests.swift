// Finite-difference gradient checks of the whole LlamaModel (forward + hand-written backward).
//
// Method (details, tolerances and measured errors in GradientCheck.swift): L is the model's
// training loss, mean cross-entropy + zLoss * mean(logsumexp^2), taken in Double from
// lastCrossEntropy and lastZTerm (not the Float that forward returns); `backward()` gives the
// analytic gradient of every parameter.
//   * Per tensor, every parameter tensor of the layout (Hugging Face names):
//       fp32: Richardson central differences (h = 2e-2) of the model's own forward at 12 fixed random
//             coordinates; per coordinate |num - ana| / max(|num|, |ana|, 1e-2 * max|ana|) < 5e-2,
//             per tensor ||num - ana|| / ||num|| < 3e-3;
//       fp64: central differences (h = 1e-5) of an independent Double forward (DoubleReference.swift,
//             whose loss must match the fp32 loss to 1e-5) at 24 coordinates (all 16 of a norm
//             gain); per coordinate (floor 1e-3 * max|ana|) < 1e-3, per tensor < 1e-5.
//   * Directional: for a random direction u ~ N(0, I) over the full parameter vector,
//     (L(θ + hu) - L(θ - hu)) / 2h against <∇L, u> (in Double): on the fp32 forward (Richardson,
//     h = 1e-3) within 1e-3 relative, on the Double forward (h = 1e-5) within 1e-5. Runs on all
//     eight combinations of MLP kind x tied/untied x embeddingScale on/off, each with zLoss > 0.
// Model: 2 layers, d 16, 2 heads (hd 8), vocab 16, batch 2 x length 5 of context 8. Parameters are
// drawn N(0, 0.25^2), so activations and logits have magnitude ~1 and gradients are not tiny, and
// norm gains 1 + N(0, 0.2^2), so they differ from each other and from 1. zLoss is 0.05..0.2, large
// enough that a wrong z-loss gradient is far outside tolerance.

import Foundation
import Testing
import SpikeKernels
@testable import SpikeModel

struct ModelCase: CustomStringConvertible, Sendable {
    var mlpKind: MLPKind
    var tied: Bool
    var embeddingScale: Bool
    var zLoss: Float

    var description: String { "\(mlpKind) tied:\(tied) scaled:\(embeddingScale) zLoss:\(zLoss)" }

    var config: ModelConfig {
        ModelConfig(vocabSize: 16, dModel: 16, nLayers: 2, nHeads: 2, contextLength: 8, mlpKind: mlpKind,
                    tiedEmbeddings: tied, embeddingScale: embeddingScale, zLoss: zLoss)
    }

    /// Every combination of MLP kind, tying and embedding scale, each with a zLoss > 0.
    static let all: [ModelCase] = MLPKind.allCases.flatMap { kind in
        [false, true].flatMap { tied in
            [false, true].map { scaled in
                ModelCase(mlpKind: kind, tied: tied, embeddingScale: scaled, zLoss: [0.05, 0.1, 0.2][(tied ? 1 : 0) + (scaled ? 1 : 0)])
            }
        }
    }

    /// Two of them for the per-tensor checks, between them covering each MLP kind, tied and untied
    /// embeddings, and embeddingScale on and off (the fp32 forward is slow in debug builds, where
    /// the SIMD exp of the softmaxes is not inlined; the directional test covers all eight).
    static let perTensor: [ModelCase] = [
        ModelCase(mlpKind: .swiglu, tied: true, embeddingScale: true, zLoss: 0.2),
        ModelCase(mlpKind: .gelu, tied: false, embeddingScale: false, zLoss: 0.05),
    ]
}

/// A model with random parameters and a fixed batch, its loss in Double, and a Double copy of its
/// parameters for the reference forward.
struct ModelFixture {
    let model: LlamaModel
    let inputs: [Int32], targets: [Int32]
    let batch = 2, length = 5
    let parameters64: DoubleBuffer

    init(_ c: ModelCase) throws { try self.init(config: c.config) }

    init(config: ModelConfig) throws {
        model = try LlamaModel(config: config)
        model.initialize(scheme: .normal(std: 0.25), seed: 11)
        for spec in model.layout.specs where spec.role == .norm {
            var rng = RandomGenerator.stream(seed: 12, name: spec.name)
            rng.fillNormal(model.parameters.pointer + spec.offset, count: spec.count, std: 0.2, mean: 1)
        }
        var rng = RandomGenerator(seed: 13)
        let vocab = config.vocabSize, n = batch * length
        inputs = (0..<n).map { _ in Int32(rng.int(below: vocab)) }
        targets = (0..<n).map { _ in Int32(rng.int(below: vocab)) }
        parameters64 = DoubleBuffer(model.parameters.pointer, count: model.parameterCount)
    }

    /// Mean cross-entropy + zLoss * mean z term of the fp32 model, in Double.
    func loss() -> Double {
        _ = try! model.forward(inputs: inputs, targets: targets, batch: batch, length: length)
        return model.lastCrossEntropy + Double(model.config.zLoss) * model.lastZTerm
    }

    /// The same loss from the Double reference forward on `parameters64`.
    func loss64() -> Double {
        Reference.modelLoss(model.config, model.layout, parameters64.pointer, inputs: inputs, targets: targets,
                            batch: batch, length: length)
    }

    /// Runs forward and backward and returns a copy of the gradient buffer.
    func analyticGradients() -> [Float] {
        _ = loss()
        model.backward()
        return model.gradients.array
    }

    /// Checks that the Double reference reproduces the fp32 loss.
    func expectReferenceAgrees(sourceLocation: SourceLocation = #_sourceLocation) {
        let l32 = loss(), l64 = loss64()
        let e = abs(l32 - l64) / abs(l64)
        if GradCheck.verbose { print("gradcheck model loss fp32 \(l32) vs Double reference \(l64): \(String(format: "%.3e", e))") }
        #expect(e < GradCheck.forwardAgreement, "fp32 loss \(l32) vs Double reference \(l64)", sourceLocation: sourceLocation)
    }
}

@Suite struct ModelGradientTests {
    /// Every parameter tensor, at 24 random coordinates each (all coordinates of the norm gains).
    @Test(arguments: ModelCase.perTensor)
    func everyParameterTensor(_ c: ModelCase) throws {
        let f = try ModelFixture(c)
        f.expectReferenceAgrees()
        let gradients = f.analyticGradients()
        #expect(gradients.allSatisfy { $0.isFinite })
        for spec in f.model.layout.specs {
            let analytic = Array(gradients[spec.offset..<(spec.offset + spec.count)])
            let name = "model(\(c)).\(spec.name)"
            GradCheck.expectClose(GradCheck.compareFloat(name, GradCheck.float32Model, values: f.model.parameters.pointer + spec.offset,
                                                         analytic: analytic, sample: 12, loss: f.loss))
            GradCheck.expectClose(GradCheck.compareDouble(name, values: f.parameters64.pointer + spec.offset,
                                                          analytic: analytic, sample: spec.isMatrix ? 24 : spec.count, loss: f.loss64))
        }
        // A second forward/backward on the same batch gives the same gradients even when the buffer
        // holds NaN before it: every gradient is overwritten (or zeroed first), none is summed.
        f.model.gradients.pointer.update(repeating: .nan, count: f.model.parameterCount)
        #expect(f.analyticGradients() == gradients, "backward must overwrite, not accumulate, the gradients")
    }

    /// Gradients do not depend on earlier calls with other shapes (activation buffers are reused
    /// across shapes): after forward/backward at (2, 8) and (1, 8), the (2, 5) gradients are
    /// bit-identical to those of a fresh model, whose gradients the other tests check.
    @Test func gradientsIndependentOfEarlierShapes() throws {
        let c = ModelCase.perTensor[0]
        let fresh = try ModelFixture(c), reused = try ModelFixture(c)
        var rng = RandomGenerator(seed: 15)
        for (batch, length) in [(2, 8), (1, 8)] {
            let tokens = (0..<(batch * length)).map { _ in Int32(rng.int(below: c.config.vocabSize)) }
            _ = try reused.model.forward(inputs: tokens, targets: tokens.reversed(), batch: batch, length: length)
            reused.model.backward()
        }
        #expect(reused.loss() == fresh.loss())
        #expect(reused.analyticGradients() == fresh.analyticGradients())
    }

    /// The directional derivative along a random direction over the full parameter vector.
    @Test(arguments: ModelCase.all)
    func directionalDerivative(_ c: ModelCase) throws {
        let f = try ModelFixture(c)
        f.expectReferenceAgrees()
        let gradients = f.analyticGradients()
        var rng = RandomGenerator.stream(seed: 14, name: c.description)
        let u = (0..<gradients.count).map { _ in rng.normal() }
        var analytic = 0.0
        for i in 0..<u.count { analytic += Double(gradients[i]) * u[i] }
        let numerical32 = GradCheck.directionalDerivative(values: f.model.parameters.pointer, direction: u,
                                                          step: GradCheck.directionalStep, loss: f.loss)
        let numerical64 = GradCheck.directionalDerivative64(values: f.parameters64.pointer, direction: u,
                                                            step: GradCheck.float64.step, loss: f.loss64)
        let error32 = abs(numerical32 - analytic) / max(abs(numerical32), abs(analytic))
        let error64 = abs(numerical64 - analytic) / max(abs(numerical64), abs(analytic))
        if GradCheck.verbose {
            print("gradcheck directional \(c): analytic \(analytic) fp32 \(numerical32) error \(String(format: "%.3e", error32))"
                  + " fp64 \(numerical64) error \(String(format: "%.3e", error64))")
        }
        #expect(error32 < GradCheck.directionalTolerance,
                "\(c): fp32 directional derivative \(numerical32) vs analytic \(analytic), relative error \(error32)")
        #expect(error64 < GradCheck.directionalTolerance64,
                "\(c): Double directional derivative \(numerical64) vs analytic \(analytic), relative error \(error64)")
    }
}
