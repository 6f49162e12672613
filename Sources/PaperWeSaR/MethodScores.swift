import Foundation
import SpikeAnalysis
import SpikeFigures
import SpikeModel

/// One method of wesar Table 2 on the small model (Rapid): its sigma^2 choice, and per seed the
/// perplexities of the final weights and the training time.
public struct MethodScores {
    public var method: WeSaRMethod
    /// The sigma^2 chosen on held-out loss (methods that tune sigma; nil otherwise).
    public var sigma2: Double?
    /// The held-out loss at every grid sigma^2 (empty unless the method tunes sigma).
    public var sigma2Losses: [(sigma2: Double, loss: Double)] = []
    public var seeds: [(seed: UInt64, perplexities: Perplexities, spikes: Int)] = []
    /// Wall-clock training seconds per seed (not deterministic).
    public var seconds: [Double] = []
    /// Trained parameters of the method's model.
    public var parameters = 0

    public var wikitext: (mean: Double, std: Double) { Statistics.meanAndStandardDeviation(seeds.map(\.perplexities.wikitext)) }
    public var lambada: (mean: Double, std: Double) { Statistics.meanAndStandardDeviation(seeds.map(\.perplexities.lambada)) }
    public var meanSeconds: Double { Statistics.mean(seconds) }

    /// The deterministic numbers of this method (held-out losses, per-seed results, means and
    /// spreads, parameters), keyed by the method's raw value.
    public func record(into numbers: inout [String: Double]) {
        let key = method.rawValue
        for (sigma2, loss) in sigma2Losses { numbers["\(key).heldout_loss.\(formatLR(sigma2))"] = loss }
        for (seed, p, spikes) in seeds {
            numbers["\(key).seed\(seed).wikitext"] = p.wikitext
            numbers["\(key).seed\(seed).lambada"] = p.lambada
            numbers["\(key).seed\(seed).spikes"] = Double(spikes)
        }
        let (w, l) = (wikitext, lambada)
        numbers["\(key).wikitext_mean"] = w.mean
        numbers["\(key).wikitext_std"] = w.std
        numbers["\(key).lambada_mean"] = l.mean
        numbers["\(key).lambada_std"] = l.std
        numbers["\(key).parameters"] = Double(parameters)
    }
}

extension WeSaRRuns {
    /// Trains (or reuses) and evaluates `method` for Table 2: the sigma^2 grid on the first seed
    /// when the method tunes sigma, then every seed at the chosen sigma^2.
    public func scores(_ method: WeSaRMethod) throws -> MethodScores {
        var s = MethodScores(method: method)
        if method.tunesSigma { (s.sigma2, s.sigma2Losses) = try bestSigma2(method) }
        for seed in setup.seeds {
            let r = try run(method, size: setup.small, seed: seed, sigma2: s.sigma2)
            s.seeds.append((seed, try perplexities(r), r.spikes.count))
            s.seconds.append(try trainingSeconds(r))
        }
        s.parameters = ParameterLayout(setup.model(method, size: setup.small)).specs.filter(\.trainable).reduce(0) { $0 + $1.count }
        return s
    }
}
