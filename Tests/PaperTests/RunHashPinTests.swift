import Foundation
import Testing
import PaperLMC
import PaperWeSaR
import SpikeFigures
import SpikeRuns

/// Run hashes of existing paper configs, pinned: a change that alters a config's canonical JSON
/// (a new config field that is always encoded, a renamed key) would move every cached run.
/// Values written by the code of 2026-12-02 (numerics generation 2), before the optimiser,
/// observer and rewind sections were added.
@Suite struct RunHashPinTests {
    static let pinned: [(scale: Scale, lmcHigh: String, lmcHighClipped: String, wesarBaseline: String, wesarLarge: String)] = [
        (.ci, "4adb307a9f1d4fb0", "ba2c54e9faf7d391", "0c30eca81e065eef", "87062f91012c5f63"),
        (.default, "15a3e70098b89158", "20f9b765f1150dc7", "3bf602d322887d12", "c4b40ed2fb7f036e"),
        (.large, "5a1a096ba126d56f", "a5fd8ea43ce97eee", "2b50e47943638cdb", "29ea50308e225129"),
    ]

    @Test(arguments: pinned.indices)
    func paperRunHashesAreUnchanged(_ i: Int) {
        let pin = Self.pinned[i]
        let lmc = LMCSetup.forScale(pin.scale)
        #expect(RunCache.hash(lmc.runConfig(lr: lmc.learningRates[1], clipped: false)) == pin.lmcHigh)
        #expect(RunCache.hash(lmc.runConfig(lr: lmc.learningRates[1], clipped: true)) == pin.lmcHighClipped)
        let wesar = WeSaRSetup.forScale(pin.scale)
        #expect(RunCache.hash(wesar.runConfig(.smallInit, size: wesar.small, regime: .rapid)) == pin.wesarBaseline)
        #expect(RunCache.hash(wesar.runConfig(.wesar, size: wesar.large, regime: .rapid)) == pin.wesarLarge)
    }
}
