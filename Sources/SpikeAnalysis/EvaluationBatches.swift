import Foundation
import SpikeModel

/// A fixed evaluation set for loss landscapes: the first `sequenceCount` sequences of
/// `sequenceLength` tokens of a token stream, laid end to end (sequence i has inputs
/// `tokens[i*T ..< i*T+T]` and targets `tokens[i*T+1 ... i*T+T]`, the next tokens, as in training),
/// grouped into batches of at most `batchSize` sequences. Needs `sequenceCount * T + 1` tokens.
public struct EvaluationBatches: Sendable {
    public struct Batch: Sendable, Equatable {
        /// [sequences, sequenceLength], row-major.
        public var inputs: [Int32]
        public var targets: [Int32]
        public var sequences: Int
    }

    public let sequenceCount: Int
    public let sequenceLength: Int
    public let batchSize: Int
    public let batches: [Batch]

    /// Tokens scored by `meanLoss`.
    public var tokenCount: Int { sequenceCount * sequenceLength }

    public init(tokens: [Int32], sequenceCount: Int, sequenceLength: Int, batchSize: Int = 16) throws {
        guard sequenceCount >= 1, sequenceLength >= 1, batchSize >= 1 else {
            throw EvaluationError("evaluation batches need sequenceCount, sequenceLength and batchSize >= 1 "
                                  + "(got \(sequenceCount), \(sequenceLength), \(batchSize))")
        }
        let needed = sequenceCount * sequenceLength + 1
        guard tokens.count >= needed else {
            throw EvaluationError("\(sequenceCount) sequences of \(sequenceLength) tokens need \(needed) tokens; the stream has \(tokens.count)")
        }
        self.sequenceCount = sequenceCount
        self.sequenceLength = sequenceLength
        self.batchSize = batchSize
        var batches: [Batch] = []
        var first = 0
        while first < sequenceCount {
            let n = min(batchSize, sequenceCount - first)
            let begin = first * sequenceLength, end = begin + n * sequenceLength
            batches.append(Batch(inputs: Array(tokens[begin..<end]), targets: Array(tokens[(begin + 1)..<(end + 1)]), sequences: n))
            first += n
        }
        self.batches = batches
    }

    /// Mean cross-entropy (nats per token, without the z-loss term) of `model` over every token of
    /// the set: each batch's mean weighted by its token count, summed in Double. Deterministic for
    /// fixed parameters. Overwrites the model's activations (not its parameters).
    public func meanLoss(model: LlamaModel) throws -> Double {
        guard sequenceLength <= model.config.contextLength else {
            throw EvaluationError("sequence length \(sequenceLength) exceeds the model's context length \(model.config.contextLength)")
        }
        var total = 0.0
        for batch in batches {
            _ = try model.forward(inputs: batch.inputs, targets: batch.targets, batch: batch.sequences, length: sequenceLength)
            total += model.lastCrossEntropy * Double(batch.sequences * sequenceLength)
        }
        return total / Double(tokenCount)
    }
}
