import Foundation
import Testing
import PaperWeSaR
import SpikeFigures
import SpikeKernels
import SpikeModel

/// The wesar settings the figures rely on, at every scale.
@Suite struct WeSaRSetupTests {
    @Test(arguments: Scale.allCases)
    func stableHasHalfTheLRFourTimesTheBatchAndTheSameTokens(_ scale: Scale) {
        let s = WeSaRSetup.forScale(scale)
        let rapid = s.runConfig(.smallInit, size: s.small, regime: .rapid), stable = s.runConfig(.smallInit, size: s.small, regime: .stable)
        #expect(stable.optimizer.maxLR == rapid.optimizer.maxLR / 2)
        #expect(stable.batchSize == 4 * rapid.batchSize)
        #expect(stable.optimizer.warmupSteps > rapid.optimizer.warmupSteps)
        #expect(stable.batchSize * stable.optimizer.totalSteps == rapid.batchSize * rapid.optimizer.totalSteps)
        #expect(rapid.optimizer.beta2 == 0.95 && rapid.optimizer.clipNorm == 1 && rapid.optimizer.weightDecay == 0.01)
        #expect(rapid.model.mlpKind == .gelu && !rapid.model.tiedEmbeddings && rapid.model.zLoss == 1e-4)
    }

    /// The large size stands in for 13B next to 1.3B: about 4x the parameters (3x to 5x).
    @Test(arguments: Scale.allCases)
    func largeSizeIsAboutFourTimesTheSmallOne(_ scale: Scale) {
        let s = WeSaRSetup.forScale(scale)
        let ratio = Double(ParameterLayout(s.large.model).count) / Double(ParameterLayout(s.small.model).count)
        #expect(ratio > 2.5 && ratio < 5, "\(scale): \(ratio)")
    }

    /// Every method's embedding output starts with std 1 ("Spike No More"), whatever its init.
    @Test(arguments: WeSaRMethod.allCases)
    func embeddingOutputStartsWithUnitStd(_ method: WeSaRMethod) throws {
        let s = WeSaRSetup.forScale(.ci)
        let config = s.model(method, size: s.small, sigma2: 4e-5)
        let model = try LlamaModel(config: config)
        model.initialize(scheme: method.backbone, seed: 1)
        model.materializeWeights()
        let spec = model.layout.specs[0]
        let std = (Reduce.sumOfSquares(model.weights.pointer + spec.offset, spec.count) / Double(spec.count)).squareRoot()
        let outputStd = std * Double(config.embeddingOutputScale)
        // sigmaReparam's initial std is an estimate from the spectral norm (1 / (sqrt(m) + sqrt(n))).
        #expect(abs(outputStd - 1) < (method == .sigmaReparam ? 0.1 : 0.02), "\(method): embedding output std \(outputStd)")
    }

    @Test func onlyTheAllMatrixMethodsTuneSigma() {
        #expect(WeSaRMethod.allCases.filter(\.tunesSigma) == [.weightNormalization, .sigmaReparam, .wesar])
        #expect(WeSaRMethod.smallInit.reparameterization(sigma2: 4e-5) == nil)
        #expect(WeSaRMethod.wesar.reparameterization(sigma2: 4e-5) == .wesar(sigma: 4e-5.squareRoot()))
    }
}
