// The wesar paper's reparameterisations (WeSaR, Weight Normalization, sigmaReparam, Residual
// Scaling): gradients of every trained tensor, merging, initialisation, the spectral estimate.
//
// Gradient checks, per method, on a 2-layer gelu model (d 16, untied, embedding scaled, zLoss 0.05)
// whose backbone draws N(0, 0.25^2) and raw matrices N(0, 0.1^2), so WeSaR gates start near 2.5
// (a missing gate factor in a gradient is far outside tolerance); gates and gains are then
// perturbed by 1 + N(0, 0.2^2) so they differ from their initial values and from each other:
//   fp32: the model's own forward (Richardson central differences), the tolerances of
//         ModelGradientTests, at 12 coordinates of every matrix and gate tensor;
//   fp64: an independent Double forward: the effective weights computed from the trained tensors
//         by the formulas below (`referenceEffectiveWeights`), then DoubleReference's model, at 24
//         coordinates (all of a gate or gain vector up to 24), tolerance 1e-5 per tensor.
// sigmaReparam's u and v are constants of the forward map (no gradient through the power
// iteration), so their gradients must be exactly zero.

import Foundation
import Testing
import SpikeKernels
@testable import SpikeModel

struct ReparameterizationCase: CustomStringConvertible, Sendable {
    var method: Reparameterization
    var description: String { method.summary.name }

    static let all: [ReparameterizationCase] = [
        .init(method: .wesar(sigma: 0.1)), .init(method: .weightNormalization(sigma: 0.1)),
        .init(method: .sigmaReparam(sigma: 0.1)), .init(method: .residualScaling),
    ]

    var config: ModelConfig {
        ModelConfig(vocabSize: 16, dModel: 16, nLayers: 2, nHeads: 2, contextLength: 8, mlpKind: .gelu,
                    tiedEmbeddings: false, embeddingScale: true, zLoss: 0.05, reparameterization: method)
    }
}

/// A reparameterised model with a fixed batch, and a Double forward of it built from the formulas.
struct ReparameterizedFixture {
    let model: LlamaModel
    let inputs: [Int32], targets: [Int32]
    let batch = 2, length = 5
    let trained64: DoubleBuffer

    init(_ c: ReparameterizationCase) throws {
        model = try LlamaModel(config: c.config)
        model.initialize(scheme: .normal(std: 0.25), seed: 21)
        for spec in model.layout.specs where spec.role == .norm || spec.role == .gate {
            var rng = RandomGenerator.stream(seed: 22, name: spec.name)
            let p = model.parameters.pointer + spec.offset
            for i in 0..<spec.count { p[i] *= Float(1 + 0.2 * rng.normal()) }
        }
        var rng = RandomGenerator(seed: 23)
        inputs = (0..<(batch * length)).map { _ in Int32(rng.int(below: 16)) }
        targets = (0..<(batch * length)).map { _ in Int32(rng.int(below: 16)) }
        trained64 = DoubleBuffer(model.parameters.pointer, count: model.parameterCount)
    }

    func loss() -> Double {
        _ = try! model.forward(inputs: inputs, targets: targets, batch: batch, length: length)
        return model.lastCrossEntropy + Double(model.config.zLoss) * model.lastZTerm
    }

    func loss64() -> Double {
        let weights = referenceEffectiveWeights(model.config, model.layout, trained64.pointer)
        return Reference.modelLoss(model.config.plain, ParameterLayout(model.config.plain), weights.pointer,
                                   inputs: inputs, targets: targets, batch: batch, length: length)
    }
}

/// The effective weights in Double, written from the methods' definitions (independent of
/// WeightReparameterizer).
func referenceEffectiveWeights(_ c: ModelConfig, _ layout: ParameterLayout, _ p: UnsafePointer<Double>) -> DoubleBuffer {
    let w = DoubleBuffer(count: layout.plainCount)
    for i in 0..<layout.plainCount { w.pointer[i] = p[i] }
    for m in layout.reparameterized {
        let n = m.rows * m.columns, raw = p + m.offset, out = w.pointer + m.offset
        switch c.reparameterization! {
        case .wesar:
            for i in 0..<n { out[i] = p[m.gain!] * raw[i] }
        case .residualScaling:
            for i in 0..<n { out[i] = raw[i] / Double(2 * c.nLayers).squareRoot() }
        case .weightNormalization:
            for r in 0..<m.rows {
                var norm = 0.0
                for j in 0..<m.columns { norm += raw[r * m.columns + j] * raw[r * m.columns + j] }
                norm = norm.squareRoot()
                for j in 0..<m.columns { out[r * m.columns + j] = p[m.gain! + r] * raw[r * m.columns + j] / norm }
            }
        case .sigmaReparam:
            var sigma = 0.0
            for r in 0..<m.rows {
                for j in 0..<m.columns { sigma += p[m.spectralU! + r] * raw[r * m.columns + j] * p[m.spectralV! + j] }
            }
            for i in 0..<n { out[i] = p[m.gain!] * raw[i] / sigma }
        }
    }
    return w
}

@Suite struct ReparameterizationTests {
    @Test(arguments: ReparameterizationCase.all)
    func gradientsOfEveryTrainedTensor(_ c: ReparameterizationCase) throws {
        let f = try ReparameterizedFixture(c)
        let l32 = f.loss(), l64 = f.loss64()
        #expect(abs(l32 - l64) / abs(l64) < GradCheck.forwardAgreement, "\(c): fp32 loss \(l32) vs Double reference \(l64)")
        _ = f.loss()
        f.model.backward()
        let gradients = f.model.gradients.array
        #expect(gradients.allSatisfy { $0.isFinite })
        #expect(f.model.layout.count > f.model.layout.plainCount || c.method == .residualScaling)
        // Gates and gains are compared on the scale of the largest gate gradient (see GradCheck.compare):
        // a scalar gate whose gradient is a near-cancelling sum <dW, W> is otherwise measured
        // against its own tiny value, below the fp32 loss's resolution.
        let gateScale = f.model.layout.specs.filter { $0.role == .gate }
            .flatMap { gradients[$0.offset..<($0.offset + $0.count)] }.reduce(0.0) { max($0, abs(Double($1))) }
        for spec in f.model.layout.specs {
            let analytic = Array(gradients[spec.offset..<(spec.offset + spec.count)])
            let peerScale = spec.role == .gate ? gateScale : nil
            if spec.role == .state {
                #expect(analytic.allSatisfy { $0 == 0 }, "\(spec.name) is not trained: its gradient must be zero")
                continue
            }
            let name = "\(c).\(spec.name)"
            // fp32 differences for what the reparameterisation touches (matrices and gates); the norm
            // gains' path is that of the plain model (ModelGradientTests) and gets the fp64 check only.
            if spec.role != .norm {
                GradCheck.expectClose(GradCheck.compareFloat(name, GradCheck.float32Model, values: f.model.parameters.pointer + spec.offset,
                                                         analytic: analytic, sample: 12, peerScale: peerScale, loss: f.loss))
            }
            GradCheck.expectClose(GradCheck.compareDouble(name, values: f.trained64.pointer + spec.offset, analytic: analytic,
                                                          sample: 24, peerScale: peerScale, loss: f.loss64))
        }
    }

    /// Merging folds the reparameterisation into plain weights with the same names: the merged
    /// model computes exactly the same logits (its weights are the effective weights, bit for bit).
    @Test(arguments: ReparameterizationCase.all)
    func mergedModelGivesTheSameLogits(_ c: ReparameterizationCase) throws {
        let f = try ReparameterizedFixture(c)
        let logits = Array(UnsafeBufferPointer(start: try f.model.forwardLogits(inputs: f.inputs, batch: f.batch, length: f.length),
                                               count: f.batch * f.length * 16))
        let merged = try f.model.merged()
        #expect(merged.config.reparameterization == nil)
        #expect(merged.layout.specs.map(\.name) == ParameterLayout(c.config.plain).specs.map(\.name))
        let mergedLogits = Array(UnsafeBufferPointer(start: try merged.forwardLogits(inputs: f.inputs, batch: f.batch, length: f.length),
                                                     count: f.batch * f.length * 16))
        #expect(mergedLogits == logits)
        // And the merged weights are what the formulas give (fp32 vs Double, relative 1e-6).
        let reference = referenceEffectiveWeights(c.config, f.model.layout, f.trained64.pointer)
        let difference = GradCheck.relativeDifference(merged.parameters.array.map(Double.init),
                                                      Array(UnsafeBufferPointer(start: reference.pointer, count: reference.count)))
        #expect(difference < 1e-6, "\(c): merged weights differ from the formulas by \(difference)")
    }

    /// At initialisation every effective matrix has the backbone's std (sigmaReparam: spectral norm
    /// 1, within 5e-3 as the 100 power iterations of initialisation converge slowly on nearly
    /// square random matrices; WeSaR's embedding: sigma), while raw matrices have the method's
    /// common std (within 5 %, sampling).
    @Test(arguments: ReparameterizationCase.all)
    func initialisationKeepsTheBackboneScale(_ c: ReparameterizationCase) throws {
        var config = c.config
        config.dModel = 64; config.nHeads = 4; config.mlpHidden = 256; config.vocabSize = 512
        let model = try LlamaModel(config: config)
        model.initialize(scheme: .small, seed: 3)
        model.materializeWeights()
        for m in model.layout.reparameterized {
            let spec = model.layout.specs[m.tensor]
            let n = m.rows * m.columns
            func std(_ p: UnsafePointer<Float>) -> Double { (Reduce.sumOfSquares(p, n) / Double(n)).squareRoot() }
            let effective = std(model.weights.pointer + m.offset), raw = std(model.parameters.pointer + m.offset)
            let expected = initialEffectiveStd(of: spec, config: config, scheme: .small)!
            if case .sigmaReparam = c.method {
                let top = Blas.singularValues(model.weights.pointer + m.offset, m: m.rows, n: m.columns)[0]
                #expect(abs(top - 1) < 5e-3, "\(spec.name): effective spectral norm \(top)")
            } else {
                #expect(abs(effective / expected - 1) < 0.05, "\(c) \(spec.name): effective std \(effective), expected \(expected)")
            }
            if let sigma = c.method.rawStd {
                #expect(abs(raw / sigma - 1) < 0.05, "\(c) \(spec.name): raw std \(raw), expected \(sigma)")
            }
        }
    }

    /// sigmaReparam's estimate u^T W v converges to the largest singular value (LAPACK sgesvd):
    /// after initialisation (100 iterations) and while W changes by one step's worth each iteration.
    @Test func spectralEstimateConvergesToTheLargestSingularValue() throws {
        let config = ModelConfig(vocabSize: 64, dModel: 32, nLayers: 1, nHeads: 2, contextLength: 8, mlpKind: .gelu,
                                 tiedEmbeddings: false, reparameterization: .sigmaReparam(sigma: 0.02))
        let model = try LlamaModel(config: config)
        model.initialize(scheme: .small, seed: 5)
        let reparameterizer = WeightReparameterizer(method: config.reparameterization!, config: config, layout: model.layout)
        func worstError() -> Double {
            reparameterizer.materialize(trained: model.parameters.pointer, effective: model.weights.pointer)
            return model.layout.reparameterized.enumerated().map { i, m in
                let top = Blas.singularValues(model.parameters.pointer + m.offset, m: m.rows, n: m.columns)[0]
                return abs(Double(reparameterizer.spectralNorms[i]) / Double(top) - 1)
            }.max()!
        }
        #expect(worstError() < 2e-3, "after initialisation")
        model.runPowerIterations(300)
        #expect(worstError() < 1e-5, "after 400 iterations")
        // Small random changes of W, one power iteration each: the estimate follows.
        var rng = RandomGenerator(seed: 6)
        for _ in 0..<50 {
            for m in model.layout.reparameterized {
                for i in 0..<(m.rows * m.columns) { model.parameters[m.offset + i] += Float(1e-4 * rng.normal()) }
            }
            model.prepareTrainingStep()
        }
        #expect(worstError() < 1e-4, "tracking a slowly changing W")
    }
}
