import Foundation
import SpikeKernels

/// Supplies the training batch of each step. A batch depends only on (seed, step), never on
/// earlier calls, so a resumed run sees exactly the batches an uninterrupted run would.
public protocol BatchSource {
    /// inputs and targets, each batchSize * length tokens, row-major; targets are inputs shifted by one.
    func batch(step: Int, batchSize: Int, length: Int) -> (inputs: [Int32], targets: [Int32])
}

/// Random windows of a token stream: each sequence starts at an offset drawn from the stream
/// (seed, step), and its targets are the next tokens.
public struct TokenStreamBatches: BatchSource {
    public let tokens: [Int32]
    public let seed: UInt64

    public init(tokens: [Int32], seed: UInt64) {
        self.tokens = tokens
        self.seed = seed
    }

    public func batch(step: Int, batchSize: Int, length: Int) -> (inputs: [Int32], targets: [Int32]) {
        precondition(tokens.count > length + 1, "token stream of \(tokens.count) is shorter than one window")
        var rng = RandomGenerator(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(step))
        var inputs = [Int32](), targets = [Int32]()
        inputs.reserveCapacity(batchSize * length); targets.reserveCapacity(batchSize * length)
        for _ in 0..<batchSize {
            let start = rng.int(below: tokens.count - length)
            inputs.append(contentsOf: tokens[start..<(start + length)])
            targets.append(contentsOf: tokens[(start + 1)...(start + length)])
        }
        return (inputs, targets)
    }
}

/// A deterministic toy language for tests and benchmarks: a fixed random first-order Markov chain
/// with a few likely successors per token, so a model can learn it and the loss falls.
public struct SyntheticLanguage {
    public static func tokens(vocabSize: Int, count: Int, seed: UInt64) -> [Int32] {
        var rng = RandomGenerator(seed: seed)
        let successors = (0..<vocabSize).map { _ in (0..<4).map { _ in Int32(rng.int(below: vocabSize)) } }
        var out = [Int32](repeating: 0, count: count)
        var current = Int32(0)
        for i in 0..<count {
            out[i] = current
            // Mostly one of four successors; occasionally any token, so every id appears.
            current = rng.uniform() < 0.9 ? successors[Int(current)][rng.int(below: 4)] : Int32(rng.int(below: vocabSize))
        }
        return out
    }
}
