import Foundation
import SpikeData
import SpikeKernels
import SpikeTraining

/// Turns a run config's `data` section into the batches the trainer draws.
enum TrainingData {
    struct Resolved {
        var batches: BatchSource
    }

    static func resolve(_ config: RunConfig, runDirectory: URL, log: Bool) throws -> Resolved {
        switch config.data.corpus {
        case "synthetic":
            let tokens = SyntheticLanguage.tokens(vocabSize: config.model.vocabSize, count: 1 << 20, seed: config.seed)
            return Resolved(batches: TokenStreamBatches(tokens: tokens, seed: config.seed))
        default:
            throw ValidationFailure("unknown data corpus '\(config.data.corpus)' (known: synthetic, webtext)")
        }
    }
}
