import Foundation
import SpikeTraining

/// "1e-3", "3e-2", "1.6e-4": a learning rate (or any positive hyper-parameter) as papers write it.
public func formatLR(_ lr: Double) -> String {
    let exponent = Int(floor(log10(lr) + 1e-9))
    let mantissa = lr / pow(10, Double(exponent))
    let m = abs(mantissa.rounded() - mantissa) < 1e-6 ? String(Int(mantissa.rounded())) : String(format: "%.3g", mantissa)
    return "\(m)e\(exponent)"
}

extension OptimizerConfig {
    /// The clipping threshold as labels and tables print it (Swift's shortest form: 1 gives
    /// "1.0"), nil when the config does not clip.
    public var clipNormText: String? {
        guard clippingEnabled, let clipNorm else { return nil }
        return "\(clipNorm)"
    }

    /// "clip 1.0" or "no clip".
    public var clipLabel: String { clipNormText.map { "clip \($0)" } ?? "no clip" }
}
