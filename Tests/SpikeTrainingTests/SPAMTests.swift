import Foundation
import Testing
import SpikeKernels
import SpikeModel
@testable import SpikeTraining

/// The SPAM fixtures of tools/spam_reference.py (Tests/Fixtures/spam, described in tools/README.md):
/// shared inputs (layout, initial parameters, gradients, lrs) and, per case, the optimiser config
/// and every parameter, moment, mask and counter after every step.
struct SPAMFixture {
    struct Inputs: Decodable {
        struct Tensor: Decodable { var name: String; var shape: [Int]; var role: String; var offset: Int; var sparse: Bool }
        var model: ModelConfig
        var seed: UInt64
        var tensors: [Tensor]
        var lrs: [Double]
        var cases: [String]
    }
    struct Case: Decodable { var steps: Int; var optimizer: OptimizerConfig }

    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/spam")
    static let cases = ["density100_wd", "density050_wd", "density025", "knobs", "no_clipping"]

    let inputs: Inputs
    let inputTensors: SafetensorsFile
    let meta: Case
    let tensors: SafetensorsFile

    init(_ name: String) throws {
        let dir = SPAMFixture.directory
        inputs = try JSONDecoder().decode(Inputs.self, from: Data(contentsOf: dir.appendingPathComponent("inputs.json")))
        inputTensors = try SafetensorsFile(contentsOf: dir.appendingPathComponent("inputs.safetensors"))
        meta = try JSONDecoder().decode(Case.self, from: Data(contentsOf: dir.appendingPathComponent("\(name).json")))
        tensors = try SafetensorsFile(contentsOf: dir.appendingPathComponent("\(name).safetensors"))
    }
}

/// ||a - b|| / ||b|| over `count` values (||a|| when b is all zero), in Double.
func normwiseError(_ a: [Float], _ b: [Float], from start: Int, count: Int) -> Double {
    var diff = 0.0, scale = 0.0
    for i in 0..<count {
        let x = Double(a[i]), y = Double(b[start + i])
        diff += (x - y) * (x - y)
        scale += y * y
    }
    return scale > 0 ? (diff / scale).squareRoot() : diff.squareRoot()
}

@Suite struct SPAMTests {
    /// Every parameter, moment, mask and counter after every step, against the PyTorch reference,
    /// per tensor to 1e-6 relative (norm-wise). Both sides do the same float operations in the
    /// same order, so the errors are in fact 0.
    @Test(arguments: SPAMFixture.cases)
    func everyStepMatchesThePyTorchReference(name: String) throws {
        let f = try SPAMFixture(name)
        let layout = ParameterLayout(f.inputs.model)
        #expect(layout.specs.map(\.name) == f.inputs.tensors.map(\.name))
        #expect(layout.specs.map(\.offset) == f.inputs.tensors.map(\.offset))
        #expect(layout.specs.map(\.shape) == f.inputs.tensors.map(\.shape))
        #expect(layout.specs.map(\.role.rawValue) == f.inputs.tensors.map(\.role))
        let spam = try #require(f.meta.optimizer.makeOptimizer(layout: layout, seed: f.inputs.seed) as? SPAM)
        #expect(spam.sparseMomentum == f.inputs.tensors.map(\.sparse))

        let count = layout.count, steps = f.meta.steps
        let parameters = FloatBuffer(try f.inputTensors.floats("initial")), gradients = FloatBuffer(count: count)
        let allGradients = try f.inputTensors.floats("grad"), scales = try f.inputTensors.floats("gradient_scale")
        let expected = [try f.tensors.floats("param"), try f.tensors.floats("exp_avg"), try f.tensors.floats("exp_avg_sq")]
        let masks = try f.tensors.ints("mask"), drawnAfter = try f.tensors.ints("mask_drawn_after")
        let counters = try f.tensors.ints("step"), warmupCounters = try f.tensors.ints("warmup_counter")
        let factors = try f.tensors.floats("warmup_factor"), clipped = try f.tensors.ints("clipped")
        #expect(expected.allSatisfy { $0.count == steps * count })

        var mismatches: [String] = []
        func checkMasks(draw d: Int) {
            for (t, spec) in layout.specs.enumerated() {
                let reference = masks[(d * count + spec.offset)..<(d * count + spec.offset + spec.count)].map(Float.init)
                let ours = spam.mask(of: t) ?? Array(repeating: 1, count: spec.count)
                if ours != reference { mismatches.append("mask draw \(d) of \(spec.name)") }
            }
        }
        checkMasks(draw: 0)
        var worst = [0.0, 0.0, 0.0]
        for n in 1...steps {
            allGradients.withUnsafeBufferPointer { gradients.pointer.update(from: $0.baseAddress! + (n - 1) * count, count: count) }
            spam.update(parameters: parameters, gradients: gradients, lr: f.inputs.lrs[n - 1], gradientScale: scales[n - 1])
            for (t, spec) in layout.specs.enumerated() {
                let moments = spam.moments(of: t)
                let ours = [Array(UnsafeBufferPointer(start: parameters.pointer + spec.offset, count: spec.count)), moments.m, moments.v]
                for q in 0..<3 {
                    let error = normwiseError(ours[q], expected[q], from: (n - 1) * count + spec.offset, count: spec.count)
                    worst[q] = max(worst[q], error)
                }
            }
            if spam.step != Int(counters[n - 1]) || spam.warmupCounter != Int(warmupCounters[n - 1]) {
                mismatches.append("counters after step \(n): k \(spam.step), c \(spam.warmupCounter)")
            }
            if Float(spam.lastWarmupFactor) != factors[n - 1] { mismatches.append("warm-up factor of step \(n)") }
            if spam.clippedCounts != clipped[((n - 1) * layout.specs.count)..<(n * layout.specs.count)].map({ Int($0) }) {
                mismatches.append("clipped counts of step \(n)")
            }
            if let d = drawnAfter.firstIndex(of: Int32(n)) { checkMasks(draw: d) }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
        #expect(worst.allSatisfy { $0 <= 1e-6 }, "worst relative error: parameters \(worst[0]), m \(worst[1]), v \(worst[2])")
        #expect(clipped.contains { $0 > 0 } == (f.meta.optimizer.spam!.theta != 0), "the fixture should exercise the clipping")
    }

    @Test func anAbsentSectionIsNotEncodedAndMeansAdamW() throws {
        let json = #"{"maxLR": 0.001, "minLR": 0.0001, "warmupSteps": 10, "totalSteps": 100, "beta1": 0.9, "beta2": 0.95, "eps": 1e-8, "weightDecay": 0.1}"#
        let config = try JSONDecoder().decode(OptimizerConfig.self, from: Data(json.utf8))
        #expect(config.spam == nil)
        #expect(!String(decoding: try JSONEncoder().encode(config), as: UTF8.self).contains("spam"))
        let run = RunConfig(model: ModelConfig(vocabSize: 8, dModel: 4, nLayers: 1, nHeads: 1, contextLength: 4), optimizer: config, batchSize: 1)
        #expect(!String(decoding: run.canonicalJSON, as: UTF8.self).contains("spam"))
        #expect(config.makeOptimizer(layout: ParameterLayout(run.model), seed: 1) is AdamW)
    }

    @Test func aSectionDecodesWithTheReferenceDefaultsAndRoundTrips() throws {
        let base = #""maxLR": 0.001, "minLR": 0.0001, "warmupSteps": 10, "totalSteps": 100, "beta1": 0.9, "beta2": 0.999, "eps": 1e-6, "weightDecay": 0"#
        let empty = try JSONDecoder().decode(OptimizerConfig.self, from: Data(("{" + base + #", "spam": {}}"#).utf8))
        #expect(empty.spam == SPAMConfig(theta: 5000, resetInterval: 500, warmupSteps: 150, clippingHoldOff: 20, density: 1, biasCorrection: true))
        let partial = try JSONDecoder().decode(OptimizerConfig.self, from: Data(("{" + base + #", "spam": {"density": 0.25, "resetInterval": 100}}"#).utf8))
        #expect(partial.spam == SPAMConfig(resetInterval: 100, density: 0.25))
        let encoded = String(decoding: try JSONEncoder().encode(partial), as: UTF8.self)
        for key in ["theta", "resetInterval", "warmupSteps", "clippingHoldOff", "density", "biasCorrection"] {
            #expect(encoded.contains("\"\(key)\""), "\(key) is encoded")
        }
        #expect(try JSONDecoder().decode(OptimizerConfig.self, from: Data(encoded.utf8)) == partial)
        let layout = ParameterLayout(ModelConfig(vocabSize: 8, dModel: 4, nLayers: 1, nHeads: 1, contextLength: 4))
        #expect(partial.makeOptimizer(layout: layout, seed: 1) is SPAM)
    }

    @Test(arguments: [SPAMConfig(theta: -1), SPAMConfig(resetInterval: 0), SPAMConfig(warmupSteps: -1), SPAMConfig(clippingHoldOff: -1),
                      SPAMConfig(density: 0), SPAMConfig(density: 1.5)])
    func impossibleSettingsAreRefused(_ spam: SPAMConfig) {
        #expect(throws: TrainingError.self) { try OptimizerConfig(spam: spam).validate() }
    }

    /// Saved mid-run right after a mask redraw (the warm-up counter just went to 0) and restored
    /// into a fresh model and optimiser, the continued run is bit-identical to the uninterrupted one.
    @Test func stateSurvivesACheckpointBitForBit() throws {
        let model = ModelConfig(vocabSize: 8, dModel: 4, nLayers: 1, nHeads: 2, contextLength: 4, mlpKind: .swiglu)
        let optimizer = OptimizerConfig(beta1: 0.9, beta2: 0.99, eps: 1e-6, weightDecay: 0.1,
                                        spam: SPAMConfig(theta: 50, resetInterval: 6, warmupSteps: 3, clippingHoldOff: 2, density: 0.5))
        let run = RunConfig(model: model, optimizer: optimizer, batchSize: 1, seed: 11)
        let saveAt = 11, total = 20   // redraw after update 11: (11 + 1) % 6 == 0
        func gradients(_ n: Int, _ g: FloatBuffer) {
            var rng = RandomGenerator.stream(seed: 5, name: "gradients.\(n)")
            for i in 0..<g.count { g[i] = Float(rng.normal()) * (rng.uniform() < 0.02 ? 1000 : 1) }
        }
        func train(_ net: LlamaModel, _ spam: Optimizer, _ steps: ClosedRange<Int>) {
            for n in steps {
                gradients(n, net.gradients)
                spam.update(parameters: net.parameters, gradients: net.gradients, lr: 1e-2, gradientScale: 1)
            }
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spikelab-spam-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(at: dir) }
        let store = CheckpointStore(runDirectory: dir)

        let whole = try LlamaModel(config: model)
        let first = optimizer.makeOptimizer(layout: whole.layout, seed: run.seed)
        train(whole, first, 1...saveAt)
        try store.save(model: whole, optimizer: first, step: saveAt, runConfig: run)
        #expect((first as? SPAM)?.warmupCounter == 0)
        train(whole, first, (saveAt + 1)...total)

        let resumed = try LlamaModel(config: model)
        let second = optimizer.makeOptimizer(layout: resumed.layout, seed: run.seed)
        try store.restore(step: saveAt, model: resumed, optimizer: second)
        train(resumed, second, (saveAt + 1)...total)
        let sameParameters = resumed.parameters.array == whole.parameters.array
        #expect(sameParameters, "parameters differ after the restore")
        #expect(second.stateTensors.map(\.name) == first.stateTensors.map(\.name))
        #expect(second.stateTensors.contains { $0.name.hasPrefix("m_masked.") })
        let masked = (0..<whole.layout.specs.count).filter { (first as! SPAM).mask(of: $0) != nil }
        #expect(!masked.isEmpty && masked.allSatisfy { (first as! SPAM).mask(of: $0) == (second as! SPAM).mask(of: $0) })
        for (a, b) in zip(first.stateTensors, second.stateTensors) {
            let same = Array(a.values) == Array(b.values)
            #expect(same, "\(a.name) differs after the restore")
        }
        #expect(second.stateMetadata == first.stateMetadata)
        #expect(throws: TrainingError.self) { try second.restore(metadata: ["spam_step": "3"]) }
    }

    /// Sparse momentum stores the masked matrices' moments for their masked coordinates only: 8
    /// bytes per coordinate outside them, 12 (m, v, the index) per masked one, so at density 0.25
    /// the state is smaller than dense SPAM's (paper claim C13) and a checkpoint holds no mask.
    @Test func sparseMomentumKeepsOnlyTheMaskedMoments() throws {
        let model = ModelConfig(vocabSize: 16, dModel: 8, nLayers: 2, nHeads: 2, contextLength: 4, mlpKind: .swiglu)
        let layout = ParameterLayout(model)
        func spam(density: Double) -> SPAM {
            SPAM(config: OptimizerConfig(spam: SPAMConfig(density: density)), layout: layout, seed: 3)
        }
        let dense = spam(density: 1), sparse = spam(density: 0.25)
        let masked = layout.specs.filter { $0.isMatrix && ($0.role == .attention || $0.role == .mlp) }
        let maskedCount = masked.reduce(0) { $0 + $1.count }, kept = masked.reduce(0) { $0 + Int(0.25 * Double($1.count)) }
        #expect(dense.stateBytes == 8 * layout.count)
        #expect(sparse.stateBytes == 8 * (layout.count - maskedCount) + 12 * kept)
        #expect(sparse.stateBytes < dense.stateBytes)
        #expect(sparse.stateTensors.allSatisfy { !$0.name.hasPrefix("mask.") })
        #expect(sparse.stateTensors.filter { $0.name.hasPrefix("m_masked.") }.reduce(0) { $0 + $1.values.count } == kept)
    }
}
