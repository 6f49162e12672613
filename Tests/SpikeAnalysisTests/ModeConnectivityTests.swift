import Foundation
import Testing
@testable import SpikeAnalysis
import SpikeKernels
import SpikeModel

private let lmcConfig = ModelConfig(vocabSize: 16, dModel: 16, nLayers: 1, nHeads: 2, contextLength: 8)

/// A deterministic language: x -> 3x + 1 (mod 16), a cycle of 8 tokens; learnable from one token.
private let lmcTokens: [Int32] = {
    var out: [Int32] = [0]
    for _ in 0..<400 { out.append((3 * out.last! + 1) % 16) }
    return out
}()

private func lmcModel(seed: UInt64) throws -> LlamaModel {
    let model = try LlamaModel(config: lmcConfig)
    model.initialize(scheme: .normal(std: 0.3), seed: seed)
    return model
}

/// Plain Adam on batches of 4 x 8 tokens.
private func train(_ model: LlamaModel, steps: Int, lr: Float = 0.03) throws {
    let n = model.parameters.count
    var m = [Float](repeating: 0, count: n), v = [Float](repeating: 0, count: n)
    for t in 1...steps {
        let start = (t * 5) % 64
        let inputs = Array(lmcTokens[start..<(start + 32)]), targets = Array(lmcTokens[(start + 1)..<(start + 33)])
        _ = try model.forward(inputs: inputs, targets: targets, batch: 4, length: 8)
        model.backward()
        let c1 = 1 - powf(0.9, Float(t)), c2 = 1 - powf(0.99, Float(t))
        let p = model.parameters.pointer, g = model.gradients.pointer
        for i in 0..<n {
            m[i] = 0.9 * m[i] + 0.1 * g[i]
            v[i] = 0.99 * v[i] + 0.01 * g[i] * g[i]
            p[i] -= lr * (m[i] / c1) / ((v[i] / c2).squareRoot() + 1e-8)
        }
    }
}

private func snapshot(_ model: LlamaModel) -> FloatBuffer {
    let b = FloatBuffer(count: model.parameters.count)
    b.copy(from: model.parameters)
    return b
}

/// Two models trained from different random inits to a low loss, and a checkpoint of the first a
/// few small steps earlier: built once for all tests.
private final class TrainedPair: @unchecked Sendable {
    let a: FloatBuffer, aEarlier: FloatBuffer, b: FloatBuffer
    init() {
        let m1 = try! lmcModel(seed: 1)
        try! train(m1, steps: 60)
        aEarlier = snapshot(m1)
        try! train(m1, steps: 3, lr: 0.001)
        a = snapshot(m1)
        let m2 = try! lmcModel(seed: 2)
        try! train(m2, steps: 63)
        b = snapshot(m2)
    }
    static let shared = TrainedPair()
}

private func evaluation() throws -> EvaluationBatches {
    try EvaluationBatches(tokens: lmcTokens, sequenceCount: 6, sequenceLength: 8, batchSize: 4)
}

private func temporaryRun(_ name: String) -> URL {
    FileManager.default.temporaryDirectory.appendingPathComponent("spikelab-lmc-\(name)-\(getpid())-\(UInt64.random(in: 0...UInt64.max))")
}

/// Writes `vectors` as the run's `checkpoints/step_NNNNNN/model.safetensors`, as the trainer does.
private func writeRun(_ vectors: [Int: FloatBuffer], to run: URL) throws {
    let model = try LlamaModel(config: lmcConfig)
    for (step, v) in vectors {
        model.parameters.copy(from: v)
        let dir = run.appendingPathComponent("checkpoints").appendingPathComponent(String(format: "step_%06d", step))
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try model.weightsFile(metadata: ["format": "pt", "config": lmcConfig.canonicalJSON, "step": String(step)])
            .write(to: dir.appendingPathComponent("model.safetensors"))
    }
}

@Suite struct ModeConnectivityTests {
    // MARK: evaluation batches

    @Test func evaluationBatchesLayout() throws {
        let tokens = (0..<100).map { Int32($0) }
        let e = try EvaluationBatches(tokens: tokens, sequenceCount: 5, sequenceLength: 4, batchSize: 2)
        #expect(e.batches.map(\.sequences) == [2, 2, 1])
        #expect(e.tokenCount == 20)
        #expect(e.batches[0].inputs == [0, 1, 2, 3, 4, 5, 6, 7])
        #expect(e.batches[0].targets == [1, 2, 3, 4, 5, 6, 7, 8])
        #expect(e.batches[2].inputs == [16, 17, 18, 19] && e.batches[2].targets == [17, 18, 19, 20])
        // Exactly enough tokens: sequenceCount * length + 1.
        #expect((try? EvaluationBatches(tokens: Array(tokens[0..<21]), sequenceCount: 5, sequenceLength: 4)) != nil)
        #expect(throws: EvaluationError.self) { try EvaluationBatches(tokens: Array(tokens[0..<20]), sequenceCount: 5, sequenceLength: 4) }
        #expect(throws: EvaluationError.self) { try EvaluationBatches(tokens: tokens, sequenceCount: 0, sequenceLength: 4) }
    }

    @Test func meanLossIsTheTokenWeightedCrossEntropy() throws {
        let model = try lmcModel(seed: 3)
        let e = try EvaluationBatches(tokens: lmcTokens, sequenceCount: 5, sequenceLength: 8, batchSize: 2)
        var perSequence = 0.0
        for i in 0..<5 {
            _ = try model.forward(inputs: Array(lmcTokens[(8 * i)..<(8 * i + 8)]), targets: Array(lmcTokens[(8 * i + 1)..<(8 * i + 9)]),
                                  batch: 1, length: 8)
            perSequence += model.lastCrossEntropy
        }
        let mean = try e.meanLoss(model: model)
        #expect(abs(mean - perSequence / 5) < 1e-6)
        #expect(try e.meanLoss(model: model) == mean)   // deterministic
        // Without z-loss in the reported number.
        let zModel = try LlamaModel(config: { var c = lmcConfig; c.zLoss = 0.1; return c }())
        zModel.parameters.copy(from: model.parameters)
        #expect(try e.meanLoss(model: zModel) == mean)
        let long = try EvaluationBatches(tokens: lmcTokens, sequenceCount: 2, sequenceLength: 9)
        #expect(throws: EvaluationError.self) { try long.meanLoss(model: model) }
    }

    // MARK: interpolation

    @Test func interpolationFormula() {
        let a = FloatBuffer((0..<300_000).map { Float(sin(Double($0))) })
        let b = FloatBuffer((0..<300_000).map { Float(cos(Double($0) * 0.7)) })
        let out = FloatBuffer(count: a.count)
        for alpha in [0.0, 1.0] {
            ModeConnectivity.interpolate(a.pointer, b.pointer, alpha: alpha, into: out.pointer, count: a.count)
            let exact = out.array == (alpha == 0 ? a : b).array
            #expect(exact, "alpha \(alpha)")
        }
        for alpha in LMCSettings.paperGrid + [0.5] {
            ModeConnectivity.interpolate(a.pointer, b.pointer, alpha: alpha, into: out.pointer, count: a.count)
            var worst = 0.0
            for i in stride(from: 0, to: a.count, by: 7) {
                worst = max(worst, abs(Double(out[i]) - ((1 - alpha) * Double(a[i]) + alpha * Double(b[i]))))
            }
            #expect(worst < 1e-6, "alpha \(alpha)")
            // Identical endpoints: theta(alpha) = a exactly.
            ModeConnectivity.interpolate(a.pointer, a.pointer, alpha: alpha, into: out.pointer, count: a.count)
            let same = out.array == a.array
            #expect(same, "alpha \(alpha)")
        }
        #expect(ModeConnectivity.linearReference(2, 3, alpha: 0) == 2 && ModeConnectivity.linearReference(2, 3, alpha: 1) == 3)
        #expect(LMCSettings.paperGrid.allSatisfy { ModeConnectivity.linearReference(2.7, 2.7, alpha: $0) == 2.7 })
    }

    @Test func evaluationOrderStartsInTheMiddle() {
        let order = LMCSettings().evaluationOrder
        #expect(order == [4, 5, 3, 6, 2, 7, 1, 8].map { Double($0) / 9 })
        #expect(LMCSettings(alphas: [0, 0.25, 0.5, 0.75, 1]).evaluationOrder == [0.5, 0.25, 0.75])
        #expect(throws: EvaluationError.self) { try ModeConnectivity(model: lmcModel(seed: 1), evaluation: evaluation(), settings: LMCSettings(alphas: [0, 1, 0.5])) }
        #expect(LMCSettings().criterion.contains("0.001"))
    }

    @Test func endpointsReproduceTheirLossesBitwise() throws {
        let pair = TrainedPair.shared
        let lmc = try ModeConnectivity(model: try LlamaModel(config: lmcConfig), evaluation: evaluation())
        let ends = try lmc.losses(from: pair.a, to: pair.b, alphas: [0, 1])
        // Reference: fresh models loaded with each vector.
        for (v, l) in [(pair.a, ends[0]), (pair.b, ends[1])] {
            let fresh = try LlamaModel(config: lmcConfig)
            fresh.parameters.copy(from: v)
            #expect(try evaluation().meanLoss(model: fresh) == l)
        }
        let seg = try lmc.segment(pair.a, pair.b)
        #expect(seg.lossA == ends[0] && seg.lossB == ends[1])
        #expect(seg.losses.first! == ends[0] && seg.losses.last! == ends[1])
    }

    @Test func identicalCheckpointsHaveNoBarrier() throws {
        let pair = TrainedPair.shared
        let lmc = try ModeConnectivity(model: try LlamaModel(config: lmcConfig), evaluation: evaluation())
        let seg = try lmc.segment(pair.a, pair.a, stepA: 5, stepB: 5)
        #expect(seg.barrier == 0)
        #expect(seg.connected && seg.firstViolation == nil && seg.evaluations == 8)
        #expect(seg.losses.allSatisfy { $0 == seg.lossA })
    }

    @Test func closeCheckpointsConnectAndIndependentSolutionsHaveABarrier() throws {
        let pair = TrainedPair.shared
        let lmc = try ModeConnectivity(model: try LlamaModel(config: lmcConfig), evaluation: evaluation())
        let near = try lmc.segment(pair.aEarlier, pair.a, stepA: 60, stepB: 63)
        #expect(near.connected)
        #expect(near.barrier! <= lmc.settings.tolerance)
        let far = try lmc.segment(pair.a, pair.b, stepA: 63, stepB: 1063)
        #expect(far.lossA < 0.5 && far.lossB < 0.5)   // both solve the task
        #expect(far.barrier! > 0.5)
        #expect(!far.connected && far.firstViolation == 4.0 / 9)
        // The barrier is the largest excess over the chord, attained in the interior.
        let excess = zip(far.alphas, far.losses).map { $1! - ((1 - $0) * far.lossA + $0 * far.lossB) }
        #expect(abs(excess.max()! - far.barrier!) < 1e-12)
        // The model is left at the last evaluated point (alpha 8/9), nothing restored.
        #expect(lmc.settings.evaluationOrder.last == 8.0 / 9)
        let expected = FloatBuffer(count: pair.a.count)
        ModeConnectivity.interpolate(pair.a.pointer, pair.b.pointer, alpha: 8.0 / 9, into: expected.pointer, count: expected.count)
        let leftAtLastPoint = lmc.model.parameters.array == expected.array
        #expect(leftAtLastPoint)
    }

    @Test func graphOverCheckpoints() throws {
        let pair = TrainedPair.shared
        let run = temporaryRun("graph")
        defer { try? FileManager.default.removeItem(at: run) }
        try writeRun([50: pair.aEarlier, 100: pair.a, 150: pair.b], to: run)
        let set = try CheckpointSet(runDirectory: run, config: lmcConfig)
        #expect(set.steps == [50, 100, 150])
        let loaded = set[100]!.array == pair.a.array
        #expect(loaded)
        let lmc = try ModeConnectivity(model: try LlamaModel(config: lmcConfig), evaluation: evaluation())

        let quick = try lmc.graph(set)
        #expect(quick.edges == [LMCEdge(a: 50, b: 100)])
        #expect(quick.isConnected(100, 50) && !quick.isConnected(50, 150))
        #expect(quick.pairs.map { [$0.stepA, $0.stepB] } == [[50, 100], [50, 150], [100, 150]])
        #expect(quick.stopsAtFirstViolation && quick.evaluationOrder == LMCSettings().evaluationOrder)
        #expect(quick.nodeLosses == [try lmc.loss(at: pair.aEarlier), try lmc.loss(at: pair.a), try lmc.loss(at: pair.b)])
        // Stopped at the first violation: one interior evaluation, barrier unknown.
        #expect(quick.pairs[1].evaluations == 1 && quick.pairs[1].barrier == nil)
        #expect(quick.pairs[1].losses.compactMap { $0 }.count == 3)
        #expect(quick.pairs[0].evaluations == 8 && quick.pairs[0].barrier != nil)

        let full = try lmc.graph(set, barriers: true)
        #expect(full.edges == quick.edges && !full.stopsAtFirstViolation)
        #expect(full.pairs.allSatisfy { $0.barrier != nil && $0.evaluations == 8 && $0.losses.allSatisfy { $0 != nil } })
        #expect(full.pairs[1].barrier! > 0.5)
        #expect(full.pairs[1].losses[4] == quick.pairs[1].losses[4])
        #expect(try JSONDecoder().decode(LMCGraph.self, from: JSONEncoder().encode(full)) == full)
        // A single pair from the set (Fig. 11) equals the graph's full segment.
        #expect(try lmc.segment(set, stepA: 50, stepB: 150) == full.pairs[1])
        // Subsets of steps.
        #expect(try lmc.graph(set, steps: [150, 100]).steps == [100, 150])
    }

    @Test func checkpointSetChecksConfigAndSteps() throws {
        let pair = TrainedPair.shared
        let run = temporaryRun("config")
        defer { try? FileManager.default.removeItem(at: run) }
        try writeRun([10: pair.a], to: run)
        var other = lmcConfig
        other.vocabSize = 32
        #expect(throws: EvaluationError.self) { try CheckpointSet(runDirectory: run, config: other) }
        #expect(throws: EvaluationError.self) { try CheckpointSet(runDirectory: run, config: lmcConfig, steps: [10, 20]) }
        #expect(throws: EvaluationError.self) { try CheckpointSet(layout: ParameterLayout(other), parameters: [1: pair.a]) }
        let set = try CheckpointSet(runDirectory: run, config: lmcConfig, steps: [10])
        #expect(throws: EvaluationError.self) { try set.vector(20) }
    }
}
