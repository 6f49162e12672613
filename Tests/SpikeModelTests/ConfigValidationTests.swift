// Sizes that cannot be allocated must be errors, never traps: release builds use -Ounchecked,
// which removes preconditions and wraps integer overflow, so ModelConfig.validate checks every
// size, product and the memory estimate before anything is allocated.

import Foundation
import Testing
import SpikeKernels
@testable import SpikeModel

@Suite struct ConfigValidationTests {
    static let base = ModelConfig(vocabSize: 64, dModel: 16, nLayers: 2, nHeads: 2, contextLength: 8)

    static func invalidMessage(_ config: ModelConfig, batchSize: Int = 1) -> String? {
        do { try config.validate(batchSize: batchSize); return nil } catch ModelError.invalidConfig(let m) { return m } catch {
            return "unexpected error \(error)"
        }
    }

    @Test(arguments: [
        ("vocabSize 2e9", { (c: inout ModelConfig) in c.vocabSize = 2_000_000_000 }),
        ("contextLength 2^40", { (c: inout ModelConfig) in c.contextLength = 1 << 40 }),
        ("dModel 2^32 (d^2 overflows)", { (c: inout ModelConfig) in c.dModel = 1 << 32; c.mlpHidden = 16 }),
        ("nLayers 2^62", { (c: inout ModelConfig) in c.nLayers = 1 << 62 }),
        ("mlpHidden Int.max", { (c: inout ModelConfig) in c.mlpHidden = .max }),
    ] as [(String, @Sendable (inout ModelConfig) -> Void)])
    func unallocatableSizesAreErrors(_ name: String, _ change: @Sendable (inout ModelConfig) -> Void) throws {
        var c = Self.base
        change(&c)
        let message = try #require(Self.invalidMessage(c), "\(name) passed validation")
        #expect(message.contains("too large") || message.contains("over the limit"), "\(name): \(message)")
        #expect(message.contains("vocabSize") && message.contains("contextLength"), "\(name): the message names the sizes: \(message)")
        #expect(throws: ModelError.self) { _ = try LlamaModel(config: c) }
    }

    @Test func hugeDefaultHiddenDoesNotOverflowBeforeValidation() {
        // The default mlpHidden is computed in init, before validate: 8 d must not trap.
        let c = ModelConfig(vocabSize: 64, dModel: 1 << 61, nLayers: 1, nHeads: 2, contextLength: 8)
        #expect(Self.invalidMessage(c) != nil)
    }

    @Test func batchSizeCountsTowardsTheLimit() throws {
        #expect(Self.invalidMessage(Self.base, batchSize: 64) == nil)
        let message = try #require(Self.invalidMessage(Self.base, batchSize: 1 << 40))
        #expect(message.contains("activations for 1099511627776 x 8 tokens"), "\(message)")
        // A model refuses a batch whose activations are over the limit at its forward pass
        // instead of allocating them: 2^23 tokens x 2^16 logits are 2 TiB.
        let wide = ModelConfig(vocabSize: 1 << 16, dModel: 2, nLayers: 1, nHeads: 1, contextLength: 8)
        let model = try LlamaModel(config: wide)
        let tokens = [Int32](repeating: 0, count: 1 << 23)
        #expect {
            try model.forwardLogits(inputs: tokens, batch: 1 << 20, length: 8)
        } throws: { error in
            "\(error)".hasPrefix("invalid model input: the model needs")
        }
    }

    /// The estimate's parameter counts are ParameterLayout's, for every layout variant.
    @Test func estimateCountsWhatTheLayoutHolds() throws {
        let methods: [Reparameterization?] = [nil, .wesar(sigma: 0.1), .weightNormalization(sigma: 0.1),
                                              .sigmaReparam(sigma: 0.1), .residualScaling]
        for method in methods {
            for kind in MLPKind.allCases {
                for tied in [true, false] {
                    let c = ModelConfig(vocabSize: 50, dModel: 24, nLayers: 3, nHeads: 2, contextLength: 8, mlpKind: kind,
                                        tiedEmbeddings: tied, reparameterization: method)
                    let m = try c.memoryEstimate(batchSize: 1, length: 8)
                    let layout = ParameterLayout(c)
                    #expect(m.parameterCount == layout.count && m.plainCount == layout.plainCount, "\(c)")
                    #expect(m.parameterBytes == 4 * (4 * layout.count + (method == nil ? 0 : 2 * layout.plainCount)))
                }
            }
        }
    }

    /// The estimate's activation term is what `Activations` and RoPE allocate.
    @Test(arguments: MLPKind.allCases)
    func estimateCountsWhatTheActivationsHold(_ kind: MLPKind) throws {
        let c = ModelConfig(vocabSize: 50, dModel: 24, nLayers: 3, nHeads: 2, contextLength: 8, mlpKind: kind)
        let (batch, length) = (3, 5)
        var floats = 0
        for child in Mirror(reflecting: Activations(config: c, batch: batch, length: length)).children {
            if let buffer = child.value as? FloatBuffer { floats += buffer.count }
            if let buffers = child.value as? [FloatBuffer] { floats += buffers.reduce(0) { $0 + $1.count } }
        }
        floats += c.contextLength * c.headDim   // RoPE's cos and sin tables, hd/2 each per position
        #expect(try c.memoryEstimate(batchSize: batch, length: length).activationBytes == 4 * floats)
    }

    @Test func checkpointMetadataWithUnallocatableSizesIsAnError() throws {
        var c = Self.base
        c.vocabSize = 2_000_000_000
        var file = SafetensorsFile()
        file.metadata = ["config": c.canonicalJSON]
        #expect {
            _ = try LlamaModel.config(in: file)
        } throws: { error in
            "\(error)".contains("config metadata is not a usable model") && "\(error)".contains("vocabSize")
        }
        file.metadata = ["config": Self.base.canonicalJSON]
        #expect(try LlamaModel.config(in: file) == Self.base)
    }

    @Test func tensorShapesWhoseSizeOverflowsAreRejected() throws {
        // 2^62 x 4 elements of 4 bytes wraps to 0 bytes: it must not match an empty tensor.
        let header = #"{"t":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,0]}}"#
        var bytes = Data()
        var length = UInt64(header.utf8.count).littleEndian
        withUnsafeBytes(of: &length) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: Array(header.utf8))
        #expect(throws: KernelError.self) { _ = try SafetensorsFile(data: bytes) }
    }

    @Test func trainingStreamMustHoldAWindow() throws {
        let c = ModelConfig(vocabSize: 64, dModel: 16, nLayers: 1, nHeads: 2, contextLength: 100)
        // A stream exactly one window long would draw a start below 0: a division by zero.
        #expect(throws: ModelError.self) { try c.validateTrainingStream(tokenCount: 100) }
        #expect(throws: ModelError.self) { try c.validateTrainingStream(tokenCount: 101) }
        try c.validateTrainingStream(tokenCount: 102)
    }
}
