import Foundation
import Testing
import PaperSPAM
import SpikeFigures
import SpikeTraining

@Suite struct SPAMSetupTests {
    /// DeltaT, N and the clipping hold-off are the paper's 500, 150 and 20 of 10,000 steps as the
    /// same fractions of the scaled run, at least 1.
    @Test func spamIntervalsScaleWithTheRun() {
        let ci = SPAMSetup.forScale(.ci).spamConfig(density: 1), d = SPAMSetup.forScale(.default).spamConfig(density: 0.25)
        #expect((ci.resetInterval, ci.warmupSteps, ci.clippingHoldOff) == (5, 2, 1))
        #expect((d.resetInterval, d.warmupSteps, d.clippingHoldOff, d.density) == (20, 6, 1, 0.25))
        let large = SPAMSetup.forScale(.large).spamConfig(density: 1)
        #expect((large.resetInterval, large.warmupSteps, large.clippingHoldOff) == (100, 30, 4))
    }

    @Test func methodsDifferOnlyInTheOptimiser() {
        let setup = SPAMSetup.forScale(.ci)
        let configs = SPAMMethod.allCases.map { setup.runConfig($0, size: setup.small, seed: 1) }
        #expect(Set(configs.map(\.model)).count == 1)
        #expect(configs[0].optimizer.spam == nil && configs[0].optimizer.clipNorm == nil)
        #expect(configs[1].optimizer.clipNorm == 1.0)
        #expect(configs[2].optimizer.spam?.density == 1 && configs[3].optimizer.spam?.density == 0.25)
    }
}
