import Foundation
import Testing
import PaperAdam
import PaperLMC
import SpikeFigures
import SpikeRuns
import SpikeTraining

/// The rule that moves the lmc settings and the adam baseline to where the spike map found spikes.
@Suite struct SpikeRegimeTests {
    typealias Candidate = SpikeRegime.Candidate
    func cell(_ lr: Double, batch: Int = 128, beta2: Double = 0.999, spiking: [UInt64] = [], stalls: Int = 0, divergences: Int = 0,
              spikes: Int? = nil) -> Candidate {
        Candidate(lr: lr, batchSize: batch, beta2: beta2, seeds: 3, spikingSeeds: spiking, spikes: spikes ?? spiking.count,
                  stalls: stalls, divergences: divergences)
    }

    @Test func mostSpikingSeedsWinThenTheLowerLR() {
        // The default map as measured: 2 of 3 seeds at 6.3e-2 (one stall) and at 1.1e-1.
        let regime = SpikeRegime.choose([cell(3.6e-2), cell(6.3e-2, spiking: [1, 3], stalls: 1), cell(1.1e-1, spiking: [2, 3]),
                                         cell(6.3e-2, beta2: 0.95), cell(1.1e-1, batch: 32)])
        #expect(regime == SpikeRegime(lr: 6.3e-2, batchSize: 128, beta2: 0.999, spikes: true, spikingSeeds: [1, 3]))
        // A larger share beats a lower LR.
        #expect(SpikeRegime.choose([cell(6.3e-2, spiking: [1]), cell(1.1e-1, spiking: [1, 2, 3])]).lr == 1.1e-1)
        // Equal share and LR: fewer stalls.
        #expect(SpikeRegime.choose([cell(6.3e-2, batch: 32, spiking: [1], stalls: 2), cell(6.3e-2, spiking: [2])]).batchSize == 128)
    }

    @Test func withoutSpikesTheFallbackAvoidsDivergedCells() {
        let regime = SpikeRegime.choose([cell(1e-2), cell(1e-1, divergences: 1, spikes: 1), cell(5e-2, batch: 32)])
        #expect(!regime.spikes && regime.spikingSeeds.isEmpty)
        #expect(regime.lr == 5e-2 && regime.batchSize == 32)
    }

    @Test func lmcSettingsAreTheRegimesMapRunsCheckpointed() {
        let setup = LMCSetup.forScale(.default)
        let regime = SpikeRegime(lr: 6.3e-2, batchSize: 128, beta2: 0.999, spikes: true, spikingSeeds: [1])
        var one = setup.runConfig(lr: regime.lr, clipNorm: nil, regime: regime, seed: 4)
        let two = setup.runConfig(lr: regime.lr, clipNorm: 1, regime: regime, seed: 4)
        #expect(one.checkpointEvery == setup.checkpointEvery && one.probe != nil && one.optimizer.clipNorm == nil)
        #expect(two.optimizer.clipNorm == 1)
        // (2)'s threshold: the 90th percentile of (1)'s gradient norms after the warm-up, two digits.
        let logs = [Array(repeating: 50.0, count: setup.warmupSteps) + (1...100).map { Double($0) / 100 }]
        #expect(setup.clipNorm(settingOne: logs) == 0.9)
        #expect(setup.clipNorm(settingOne: [Array(repeating: 0.3632, count: setup.warmupSteps + 10)]) == 0.36)
        // Setting (1) is the map's run of the cell, with checkpoints.
        one.checkpointEvery = 0
        #expect(one == setup.map.config(lr: 6.3e-2, batchSize: 128, beta2: 0.999, seed: 4))
        #expect(setup.seeds.count == 5 && setup.totalSteps == setup.map.steps)
    }

    @Test func adamBaselineIsTheRegimeWithInstruments() {
        let setup = AdamSetup.forScale(.default)
        let regime = SpikeRegime(lr: 6.3e-2, batchSize: 128, beta2: 0.999, spikes: true, spikingSeeds: [2, 3])
        let baseline = setup.baseline(regime, seed: 2)
        #expect(baseline.updateHistograms?.every == setup.statisticsEvery && baseline.adamStatistics?.every == setup.statisticsEvery)
        var plain = baseline
        plain.updateHistograms = nil; plain.adamStatistics = nil; plain.checkpointEvery = 0
        #expect(plain == setup.map.config(lr: 6.3e-2, batchSize: 128, beta2: 0.999, seed: 2))
        #expect(AdamRuns(setup: setup).seeds(regime) == [2, 3])
        #expect(setup.epsilons.contains(0) && setup.epsilons.contains(baseline.optimizer.eps))
    }

    @Test func rewindRestartsAtACheckpointTenPercentBeforeTheSpike() {
        let setup = AdamSetup.forScale(.default)   // 400 steps, a checkpoint every 20
        let window = setup.rewindWindow(spikeStart: 300)!
        #expect(window.restart == 260 && window.skipTo == 340)
        #expect(window.restart % setup.checkpointEvery == 0 && 300 - window.restart >= setup.totalSteps / 10)
        #expect(setup.rewindWindow(spikeStart: 395)!.skipTo == setup.totalSteps)
        #expect(setup.rewindWindow(spikeStart: 50)?.restart == nil)   // no checkpoint 40 steps before
    }
}
