import Foundation
import SpikeKernels

/// The run config's optional `gradientSpikeScores` section: the spam paper's gradient spike score
/// GSS(g_i, t) = |g_i(t)| / (mean over the whole run of |g_i|), computed exactly in two runs of
/// the same deterministic training (observers never change the training, so both have the same
/// gradients bit for bit):
/// - pass 1, `{}`: accumulates sum |g_i| per coordinate and writes the per-coordinate mean at the end;
/// - pass 2, `{"meanOf": "<pass 1's run hash>"}`: reads that mean and records, per step and tensor,
///   how many coordinates have GSS > `GradientSpikeScores.threshold` and the largest GSS.
/// Pass 2's config is pass 1's plus `meanOf`, so it is another run-cache entry.
public struct GradientSpikeScores: Codable, Equatable, Hashable, Sendable {
    /// The hash of the pass-1 run whose per-coordinate mean |g| this run divides by; nil: this run is pass 1.
    public var meanOf: String?

    /// A spike: GSS above this (the paper's 50).
    public static let threshold = 50.0

    public init(meanOf: String? = nil) { self.meanOf = meanOf }

    public init(from decoder: Decoder) throws {
        try decoder.rejectUnknownKeys(["meanOf"])
        self.init(meanOf: try decoder.container(keyedBy: AnyCodingKey.self).decodeIfPresent(String.self, forKey: AnyCodingKey(stringValue: "meanOf")))
    }

    func validate() throws {
        if let meanOf { try checkRunHash(meanOf, key: "gradientSpikeScores.meanOf") }
    }
}

/// Throws unless `hash` is a run hash (16 lowercase hex digits).
func checkRunHash(_ hash: String, key: String) throws {
    let hex = hash.unicodeScalars.allSatisfy { ("0"..."9").contains($0) || ("a"..."f").contains($0) }
    if hash.count != 16 || !hex {
        throw TrainingError.invalidConfig("\(key) must be a run hash of 16 lowercase hex digits (got '\(hash)')")
    }
}
