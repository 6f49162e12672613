import Foundation

/// A scored window: at each position, the log-probability of the target token and the greedy (argmax) token.
public struct ScoredWindow: Sendable {
    public var targetLogProbs: [Float]
    public var greedyTokens: [Int32]
    public init(targetLogProbs: [Float], greedyTokens: [Int32]) {
        self.targetLogProbs = targetLogProbs
        self.greedyTokens = greedyTokens
    }
}

/// What the evaluations need from a language model.
public protocol TokenScorer {
    var contextLength: Int { get }
    var vocabularySize: Int { get }
    /// For each window: inputs and targets have equal length n <= contextLength. Returns, at each position t,
    /// log p(targets[t] | inputs[0...t]) and the argmax token of that same distribution.
    func score(inputs: [[Int32]], targets: [[Int32]]) throws -> [ScoredWindow]
}

/// A scorer broke its contract (wrong number of windows or positions) or was called with bad settings.
public struct EvaluationError: Error, CustomStringConvertible, LocalizedError, Sendable {
    public var message: String
    public init(_ message: String) { self.message = message }
    public var description: String { "evaluation: \(message)" }
    public var errorDescription: String? { description }
}

extension TokenScorer {
    /// Calls `score` and checks the shape of the answer.
    func checkedScore(inputs: [[Int32]], targets: [[Int32]]) throws -> [ScoredWindow] {
        let scored = try score(inputs: inputs, targets: targets)
        guard scored.count == inputs.count else {
            throw EvaluationError("scorer returned \(scored.count) windows for \(inputs.count)")
        }
        for (i, w) in scored.enumerated() {
            let n = inputs[i].count
            guard w.targetLogProbs.count == n, w.greedyTokens.count == n else {
                throw EvaluationError("scorer returned \(w.targetLogProbs.count) log-probs and \(w.greedyTokens.count) greedy tokens for a window of \(n)")
            }
        }
        return scored
    }
}
