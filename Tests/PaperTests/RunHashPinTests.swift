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
@Suite struct RunHashPinTests {
    static let numerics = Fingerprint(mode: .portable, blasVersion: "OpenBLAS 0.3.21", blasCore: "Haswell",
                                      swiftTarget: "haswell", swiftCompiler: "6.3")

    static let pinned: [(scale: Scale, lmcHigh: String, lmcHighClipped: String, wesarBaseline: String, wesarLarge: String)] = [
        (.ci, "6f469f07291ff285", "8ded86f6b582e7b3", "0708889daa60ee42", "66ef680155daee57"),
        (.default, "703515b4a1fe3302", "faf221727fc50a42", "6e050b112c386216", "71829482ca45553c"),
        (.large, "db65b7d7b834785b", "7cae165dce217558", "b2a80e1cbb9d1ab8", "197d5fe48529514f"),
    ]

    @Test(arguments: pinned.indices)
    func paperRunHashesAreUnchanged(_ i: Int) {
        let pin = Self.pinned[i]
        let lmc = LMCSetup.forScale(pin.scale)
        #expect(RunCache.hash(lmc.runConfig(lr: lmc.learningRates[1], clipped: false), numerics: Self.numerics) == pin.lmcHigh)
        #expect(RunCache.hash(lmc.runConfig(lr: lmc.learningRates[1], clipped: true), numerics: Self.numerics) == pin.lmcHighClipped)
        let wesar = WeSaRSetup.forScale(pin.scale)
        #expect(RunCache.hash(wesar.runConfig(.smallInit, size: wesar.small, regime: .rapid), numerics: Self.numerics) == pin.wesarBaseline)
        #expect(RunCache.hash(wesar.runConfig(.wesar, size: wesar.large, regime: .rapid), numerics: Self.numerics) == pin.wesarLarge)
    }
}
