import Foundation
import Testing
import PaperLMC
import PaperWeSaR
import SpikeFigures
import SpikeKernels
import SpikeRuns

/// Run hashes of existing paper configs, pinned: a change that alters a config's canonical JSON
/// (a new config field that is always encoded, a renamed key) would move every cached run.
/// (The optimiser, observer and rewind sections of issue 10 left the hashes of numerics
/// generation 2 unchanged: 4adb307a9f1d4fb0 for the lmc ci LR_high run; issue 14's portable
/// numerics then moved every hash once, on purpose.)
/// The hashes are those of the portable numerics with this suite's OpenBLAS (pinned explicitly, so
/// the test does not depend on the kernels the test process loaded). Numerics generation 3.
/// (Issue 13 moved the lmc settings into the spike map's regime, so their pins moved with it: the
/// lmc runs are now map runs with checkpoints, pinned here at the map's second LR and largest batch.)
@Suite struct RunHashPinTests {
    static let numerics = Fingerprint(mode: .portable, blasVersion: "OpenBLAS 0.3.21", blasCore: "Haswell",
                                      swiftTarget: "haswell", swiftCompiler: "6.3")

    static let pinned: [(scale: Scale, lmcHigh: String, lmcHighClipped: String, wesarBaseline: String, wesarLarge: String)] = [
        (.ci, "e29543e2f1ea1ec2", "bb8b2db2f045510b", "0708889daa60ee42", "66ef680155daee57"),
        (.default, "79c11080f16658fb", "e4b675b35169092e", "6e050b112c386216", "71829482ca45553c"),
        (.large, "fed23e82b70783ba", "1c7c5dfb656c64bd", "b2a80e1cbb9d1ab8", "197d5fe48529514f"),
    ]

    @Test(arguments: pinned.indices)
    func paperRunHashesAreUnchanged(_ i: Int) {
        let pin = Self.pinned[i]
        let lmc = LMCSetup.forScale(pin.scale)
        let regime = SpikeRegime(lr: lmc.map.learningRates[1], batchSize: lmc.map.batchSizes.last!, beta2: 0.999, spikes: true, spikingSeeds: [])
        #expect(RunCache.hash(lmc.runConfig(lr: regime.lr, clipNorm: nil, regime: regime, seed: 1), numerics: Self.numerics) == pin.lmcHigh)
        #expect(RunCache.hash(lmc.runConfig(lr: regime.lr, clipNorm: 1, regime: regime, seed: 1), numerics: Self.numerics) == pin.lmcHighClipped)
        let wesar = WeSaRSetup.forScale(pin.scale)
        #expect(RunCache.hash(wesar.runConfig(.smallInit, size: wesar.small, regime: .rapid), numerics: Self.numerics) == pin.wesarBaseline)
        #expect(RunCache.hash(wesar.runConfig(.wesar, size: wesar.large, regime: .rapid), numerics: Self.numerics) == pin.wesarLarge)
    }
}
