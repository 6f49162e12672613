import Foundation
import Testing
import SpikeKernels
import SpikeModel
@testable import SpikeTraining

/// The adam paper's eps = 0 limit: AdamW then defines 0/0 := 0, so a coordinate whose gradient
/// has always been 0 is not moved (weight decay aside), and every other coordinate takes the
/// sign-like step lr x m_hat / sqrt(v_hat).
@Suite struct AdamWEpsZeroTests {
    let model = ModelConfig(vocabSize: 8, dModel: 4, nLayers: 1, nHeads: 1, contextLength: 4)

    @Test func zeroGradientCoordinatesStayAndOthersTakeTheSignStep() throws {
        let layout = ParameterLayout(model)
        let config = OptimizerConfig(maxLR: 1e-2, minLR: 1e-2, warmupSteps: 0, totalSteps: 10, beta1: 0.9, beta2: 0.999,
                                     eps: 0, weightDecay: 0)
        try config.validate()
        let adam = AdamW(config: config, layout: layout)
        let p = FloatBuffer(count: layout.count), g = FloatBuffer(count: layout.count)
        for i in 0..<layout.count { p.pointer[i] = 0.5; g.pointer[i] = i % 3 == 0 ? 0 : (i % 2 == 0 ? 0.25 : -1e-3) }
        for _ in 0..<3 { adam.update(parameters: p, gradients: g, lr: 1e-2) }
        for i in 0..<layout.count {
            #expect(p.pointer[i].isFinite)
            if i % 3 == 0 {
                #expect(p.pointer[i] == 0.5, "coordinate \(i) with g = 0 must not move")
            } else {
                // A constant gradient gives m_hat = g and v_hat = g^2: three steps of lr x sign(g).
                let expected = 0.5 - 3 * 1e-2 * (g.pointer[i] > 0 ? 1.0 : -1.0)
                #expect(abs(Double(p.pointer[i]) - expected) < 1e-6, "coordinate \(i): \(p.pointer[i]) vs \(expected)")
            }
        }
    }

    @Test func epsZeroIsAdamWOnly() {
        var config = OptimizerConfig(eps: 0)
        #expect((try? config.validate()) != nil)
        config.spam = SPAMConfig()
        #expect(throws: TrainingError.self) { try config.validate() }
        #expect(throws: TrainingError.self) { try OptimizerConfig(eps: -1e-8).validate() }
    }
}
