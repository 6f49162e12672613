import Foundation
import Testing
import SpikeModel

/// `ModelConfig.canonicalJSON` goes into every checkpoint's metadata and, inside the run config's
/// JSON, into every run's cache hash: its bytes must not change.
@Suite struct ModelConfigJSONTests {
    @Test func canonicalBytesArePinned() {
        let plain = ModelConfig(vocabSize: 1024, dModel: 32, nLayers: 2, nHeads: 2, contextLength: 64, mlpKind: .swiglu)
        #expect(plain.canonicalJSON == #"{"contextLength":64,"dModel":32,"embeddingScale":false,"mlpHidden":96,"mlpKind":"swiglu","nHeads":2,"nLayers":2,"normEps":1e-05,"ropeTheta":10000,"tiedEmbeddings":true,"vocabSize":1024,"zLoss":0}"#)
        let wesar = ModelConfig(vocabSize: 1024, dModel: 32, nLayers: 2, nHeads: 2, contextLength: 64, mlpKind: .gelu,
                                normEps: 1e-5, tiedEmbeddings: false, zLoss: 1e-4, embeddingMultiplier: 49.5,
                                reparameterization: .wesar(sigma: 0.0063))
        #expect(wesar.canonicalJSON == #"{"contextLength":64,"dModel":32,"embeddingMultiplier":49.5,"embeddingScale":false,"mlpHidden":128,"mlpKind":"gelu","nHeads":2,"nLayers":2,"normEps":1e-05,"reparameterization":{"wesar":{"sigma":0.0063}},"ropeTheta":10000,"tiedEmbeddings":false,"vocabSize":1024,"zLoss":0.0001}"#)
    }
}
