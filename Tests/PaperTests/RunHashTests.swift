import Foundation
import Testing
import PaperWeSaR
import SpikeFigures

/// The run cache names a run by the hash of its config's canonical JSON: these hashes of wesar
/// configs (ci and default scale) must not change, or every cached run is retrained.
@Suite struct RunHashTests {
    @Test(arguments: [Scale.ci, .default])
    func wesarRunHashesArePinned(_ scale: Scale) {
        let s = WeSaRSetup.forScale(scale)
        let hashes = [RunCache.hash(s.runConfig(.smallInit, size: s.small)),
                      RunCache.hash(s.runConfig(.smallInit, size: s.large, regime: .stable)),
                      RunCache.hash(s.runConfig(.wesar, size: s.small, seed: 2, sigma2: 2.56e-3))]
        // ci: the directories of the runs make check trains (runs/<hash>).
        let pinned: [Scale: [String]] = [.ci: ["0c30eca81e065eef", "428e90bc8020cd4f", "bb059142b2deb3e3"],
                                         .default: ["3bf602d322887d12", "2ebaa98d91208ba3", "36caf40d2ef8a41a"]]
        #expect(hashes == pinned[scale], "\(scale)")
    }
}
