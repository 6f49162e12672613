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

@Suite struct LearningRateSearchTests {
    /// A loss whose minimum over log10(lr) lies at `log10(best)`; records the LRs it was asked for.
    final class Bowl {
        let best: Double
        var asked: [Double] = []
        init(best: Double) { self.best = best }
        func loss(_ lr: Double) -> Double {
            asked.append(lr)
            return pow(log10(lr) - log10(best), 2)
        }
    }

    @Test func anInteriorBestNeedsNoExtension() throws {
        let bowl = Bowl(best: 1.1e-2)
        let choice = try LearningRateChoice.search([5e-3, 1e-2, 2e-2], extensions: 2, loss: bowl.loss)
        #expect(choice.best == 1e-2 && choice.learningRates == [5e-3, 1e-2, 2e-2] && bowl.asked.count == 3)
    }

    @Test func anEdgeBestExtendsTheGridByItsFactor() throws {
        let up = try LearningRateChoice.search([5e-3, 1e-2, 2e-2], extensions: 2, loss: Bowl(best: 5e-2).loss)
        #expect(up.learningRates == [5e-3, 1e-2, 2e-2, 4e-2, 8e-2] && up.best == 4e-2)
        let down = try LearningRateChoice.search([5e-3, 1e-2, 2e-2], extensions: 2, loss: Bowl(best: 1e-4).loss)
        #expect(down.learningRates == [1.25e-3, 2.5e-3, 5e-3, 1e-2, 2e-2] && down.best == 1.25e-3)
        #expect(down.losses.count == down.learningRates.count)
    }

    /// A diverged run's loss is infinite: it ranks last, and when every LR diverges the grid goes down.
    @Test func divergedRunsRankLast() throws {
        let choice = try LearningRateChoice.search([5e-3, 1e-2, 2e-2], extensions: 1) { $0 > 1.5e-2 ? .infinity : -$0 }
        #expect(choice.best == 1e-2 && choice.learningRates.count == 3)
        let none = try LearningRateChoice.search([5e-3, 1e-2], extensions: 1) { _ in .infinity }
        #expect(none.learningRates == [2.5e-3, 5e-3, 1e-2] && none.best == 2.5e-3)
    }
}
