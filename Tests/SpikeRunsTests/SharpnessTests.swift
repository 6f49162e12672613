import Foundation
import Testing
import SpikeKernels
import SpikeModel
import SpikeTestSupport
@testable import SpikeRuns
import SpikeTraining

/// The preconditioned-sharpness instrument (`sharpness.csv`): the power iteration against the
/// eigenvalues of an explicitly built D H D, and the training left bit-identical.
@Suite struct SharpnessTests {
    /// A model small enough for an explicit Hessian, with synthetic second moments.
    func smallProblem() throws -> (model: LlamaModel, batch: (inputs: [Int32], targets: [Int32]), v: FloatBuffer) {
        let config = ModelConfig(vocabSize: 6, dModel: 4, nLayers: 1, nHeads: 1, contextLength: 3, mlpKind: .swiglu, zLoss: 1e-4)
        let model = try LlamaModel(config: config)
        var rng = RandomGenerator.stream(seed: 3, name: "sharpness-test")
        for i in 0..<model.layout.count { model.parameters[i] = Float(rng.normal() * 0.5) }
        let v = FloatBuffer(count: model.layout.count)
        for i in 0..<v.count { v[i] = Float(1e-4 * (1 + 9 * rng.uniform())) }
        let tokens = (0..<7).map { _ in Int32(rng.uniform() * 6) }
        return (model, (Array(tokens[0..<6]), Array(tokens[1..<7])), v)
    }

    func secondMoments(_ model: LlamaModel, _ v: FloatBuffer) -> [String: UnsafeMutableBufferPointer<Float>] {
        Dictionary(uniqueKeysWithValues: model.layout.specs.map {
            ("v." + $0.name, UnsafeMutableBufferPointer(start: v.pointer + $0.offset, count: $0.count))
        })
    }

    /// The two largest-magnitude eigenvalues of a symmetric n x n matrix (row-major), by cyclic
    /// Jacobi rotations.
    func largestEigenvalues(_ matrix: [Double], n: Int) -> (largest: Double, second: Double) {
        var a = matrix
        for _ in 0..<50 {
            var off = 0.0
            for p in 0..<n { for q in (p + 1)..<n { off += a[p * n + q] * a[p * n + q] } }
            if off < 1e-22 { break }
            for p in 0..<n {
                for q in (p + 1)..<n where a[p * n + q] != 0 {
                    let tau = (a[q * n + q] - a[p * n + p]) / (2 * a[p * n + q])
                    let t = (tau >= 0 ? 1 : -1) / (abs(tau) + (1 + tau * tau).squareRoot())
                    let c = 1 / (1 + t * t).squareRoot(), s = t * c
                    for k in 0..<n {
                        let akp = a[k * n + p], akq = a[k * n + q]
                        a[k * n + p] = c * akp - s * akq; a[k * n + q] = s * akp + c * akq
                    }
                    for k in 0..<n {
                        let apk = a[p * n + k], aqk = a[q * n + k]
                        a[p * n + k] = c * apk - s * aqk; a[q * n + k] = s * apk + c * aqk
                    }
                }
            }
        }
        let eigen = (0..<n).map { a[$0 * n + $0] }.sorted { abs($0) > abs($1) }
        return (eigen[0], eigen[1])
    }

    /// H by central differences of gradients along each coordinate (h = 1e-3), then
    /// S = D H D with D = (sqrt(v) + eps)^(-1/2), symmetrised. The power iteration must find S's
    /// largest eigenvalue to 1 %. Both sides are central differences of fp32 gradients: rounding
    /// (about 1e-7 of a gradient of order 1, over steps of 1e-3 to 1e-2) costs about 1e-4
    /// relative, and the truncation, h^2 / 6 times the third derivative, grows with the estimate's
    /// larger step (‖h w‖ = 1e-3 ‖θ‖ ≈ 8e-3 here): 0.2 % measured, well inside 1 %. 300 iterations
    /// converge when |λ2 / λ1| < 0.97 (checked; here 0.85).
    @Test func powerIterationFindsTheLargestEigenvalueOfTheExplicitMatrix() throws {
        let (model, batch, v) = try smallProblem()
        let n = model.layout.count, eps = 1e-8
        let d: [Double] = (0..<n).map { i -> Double in 1 / (Double(v[i]).squareRoot() + eps).squareRoot() }
        let theta = model.parameters.array
        func gradient(_ j: Int, _ h: Float) throws -> [Double] {
            model.parameters[j] = theta[j] + h
            _ = try model.forward(inputs: batch.inputs, targets: batch.targets, batch: 2, length: 3)
            model.backward()
            model.parameters[j] = theta[j]
            return model.gradients.array.map(Double.init)
        }
        var h = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for j in 0..<n {
            let step: Float = 1e-3
            let plus = try gradient(j, step), minus = try gradient(j, -step)
            let actual = Double((theta[j] + step) - (theta[j] - step))
            for i in 0..<n { h[i][j] = (plus[i] - minus[i]) / actual }
        }
        var s = [Double](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n {
                let symmetric: Double = 0.5 * (h[i][j] + h[j][i])
                s[i * n + j] = d[i] * symmetric * d[j]
            }
        }
        let truth = largestEigenvalues(s, n: n)
        #expect(abs(truth.second / truth.largest) < 0.97, "the spectral gap is too small for the test: \(truth)")

        let before = model.parameters.array
        let estimate = try PreconditionedSharpness.estimate(model: model, batch: batch, batchSize: 2, secondMoment: secondMoments(model, v),
                                                            biasCorrection2: 1, eps: eps, iterations: 300, seed: 1)
        #expect(abs(estimate.lambdaMax - truth.largest) <= 0.01 * abs(truth.largest),
                "power iteration \(estimate.lambdaMax), explicit \(truth.largest)")
        #expect(estimate.relativeChange < 1e-3)
        #expect(model.parameters.array == before, "the estimate must leave the parameters as they were")
    }

    @Test func theEstimateLeavesTrainingBitIdenticalAndResumes() throws {
        var observed = tinyRunConfig(steps: 8)
        observed.sharpness = SharpnessSchedule(every: 3, iterations: 4)
        let plain = tinyRunConfig(steps: 8)
        let a = temporaryDirectory("plain"), b = temporaryDirectory("sharpness")
        defer { try? FileManager.default.removeItem(at: a); try? FileManager.default.removeItem(at: b) }
        try quietTrainer(plain, in: a).run()
        try quietTrainer(observed, in: b).run()
        let x = try deterministicFiles(a), y = try deterministicFiles(b)
        for name in [TrainingLogFile.fileName, "result.json"] {
            #expect(y[name] == x[name], "\(name) differs with the sharpness on: \(String(decoding: x[name] ?? Data(), as: UTF8.self)) against \(String(decoding: y[name] ?? Data(), as: UTF8.self))")
        }
        let rows = try SharpnessRows(contentsOf: b.appendingPathComponent(SharpnessObserver.fileName))
        #expect(rows.step == [0, 3, 6, 7])
        #expect(rows.lambdaMax.allSatisfy { $0.isFinite && $0 != 0 })
        #expect(zip(rows.learningRate, rows.thresholdMomentum).allSatisfy { abs($1 - 38 / $0) <= 1e-9 * $1 })
        #expect(!String(decoding: plain.canonicalJSON, as: UTF8.self).contains("sharpness"))
        var longer = tinyRunConfig(steps: 12)
        longer.sharpness = SharpnessSchedule(every: 3, iterations: 2)
        try TrainerTests().expectResumeIsBitIdentical(longer)
    }

    @Test func badSettingsAreRefusedWithTheirName() throws {
        var c = tinyRunConfig(steps: 8)
        c.sharpness = SharpnessSchedule(every: 2, iterations: 0)
        #expect(throws: TrainingError.self) { try c.validate() }
        c.sharpness = SharpnessSchedule(every: 2)
        c.optimizer.spam = SPAMConfig()
        #expect(throws: TrainingError.self) { try c.validate() }
        let json = String(decoding: tinyRunConfig(steps: 8).canonicalJSON, as: UTF8.self)
        let withUnknown = json.replacingOccurrences(of: "\"batchSize\"", with: "\"sharpness\":{\"every\":2,\"iters\":3},\"batchSize\"")
        #expect(throws: TrainingError.self) { try RunConfig.decode(Data(withUnknown.utf8)) }
    }
}
