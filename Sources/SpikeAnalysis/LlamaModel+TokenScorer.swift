import Foundation
import SpikeKernels
import SpikeModel

/// The model as a `TokenScorer` for the WikiText-2 and LAMBADA evaluations. Windows of one call
/// are padded to the longest with token 0; causal attention keeps the padding from influencing
/// the real positions, whose scores alone are returned.
extension LlamaModel: TokenScorer {
    public var contextLength: Int { config.contextLength }
    public var vocabularySize: Int { config.vocabSize }

    public func score(inputs: [[Int32]], targets: [[Int32]]) throws -> [ScoredWindow] {
        guard inputs.count == targets.count else { throw EvaluationError("\(inputs.count) input windows but \(targets.count) target windows") }
        guard !inputs.isEmpty else { return [] }
        let length = inputs.map(\.count).max()!
        guard length >= 1, length <= config.contextLength else {
            throw EvaluationError("window length \(length) outside 1...\(config.contextLength)")
        }
        var flat = [Int32](repeating: 0, count: inputs.count * length)
        for (i, window) in inputs.enumerated() {
            guard targets[i].count == window.count else { throw EvaluationError("window \(i): inputs and targets differ in length") }
            if let bad = targets[i].first(where: { $0 < 0 || Int($0) >= config.vocabSize }) {
                throw EvaluationError("window \(i): target token \(bad) outside the vocabulary 0..<\(config.vocabSize)")
            }
            flat.replaceSubrange((i * length)..<(i * length + window.count), with: window)
        }
        let logits = try forwardLogits(inputs: flat, batch: inputs.count, length: length)
        let V = config.vocabSize
        var out = [ScoredWindow](repeating: ScoredWindow(targetLogProbs: [], greedyTokens: []), count: inputs.count)
        out.withUnsafeMutableBufferPointer { results in
            parallelFor(inputs.count) { i in
                let n = inputs[i].count
                var logProbs = [Float](repeating: 0, count: n), greedy = [Int32](repeating: 0, count: n)
                for t in 0..<n {
                    let row = logits + (i * length + t) * V
                    let m = VectorMath.max(row, count: V)
                    let lse = m + logf(VectorMath.sumExpShifted(row, count: V, shift: m))
                    logProbs[t] = row[Int(targets[i][t])] - lse
                    // Greedy token: the first index holding the maximum.
                    var best = 0
                    while best < V - 1 && row[best] != m { best += 1 }
                    greedy[t] = Int32(best)
                }
                results[i] = ScoredWindow(targetLogProbs: logProbs, greedyTokens: greedy)
            }
        }
        return out
    }
}
