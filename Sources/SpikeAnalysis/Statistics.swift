/// Summary statistics of the small samples the figures report (seeds of a method, checkpoint
/// distances, the tail of a loss curve). Sums run in index order, so a number computed here is
/// the same float wherever it is asked for.
public enum Statistics {
    /// The arithmetic mean: the sum in index order divided by the count; NaN for no values.
    public static func mean<C: Collection>(_ x: C) -> Double where C.Element == Double {
        x.isEmpty ? .nan : x.reduce(0, +) / Double(x.count)
    }

    /// The mean and the sample standard deviation (n - 1 in the denominator; 0 for one value).
    public static func meanAndStandardDeviation(_ x: [Double]) -> (mean: Double, std: Double) {
        let m = mean(x)
        let variance = x.count > 1 ? x.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(x.count - 1) : 0
        return (m, variance.squareRoot())
    }

    /// The middle value, or the mean of the two middle values for an even count; NaN for no values.
    public static func median(_ x: [Double]) -> Double {
        guard !x.isEmpty else { return .nan }
        let s = x.sorted(), n = s.count
        return n % 2 == 1 ? s[n / 2] : 0.5 * (s[n / 2 - 1] + s[n / 2])
    }

    /// Ranks 1...n, ties given their average rank.
    public static func ranks(_ x: [Double]) -> [Double] {
        let order = x.indices.sorted { x[$0] < x[$1] }
        var r = [Double](repeating: 0, count: x.count)
        var i = 0
        while i < order.count {
            var j = i
            while j + 1 < order.count && x[order[j + 1]] == x[order[i]] { j += 1 }
            let average = Double(i + j) / 2 + 1
            for k in i...j { r[order[k]] = average }
            i = j + 1
        }
        return r
    }

    /// Pearson correlation; NaN when either side is constant or there are fewer than 2 values.
    public static func pearson(_ x: [Double], _ y: [Double]) -> Double {
        precondition(x.count == y.count)
        guard x.count >= 2 else { return .nan }
        let mx = mean(x), my = mean(y)
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(x, y) { sxy += (a - mx) * (b - my); sxx += (a - mx) * (a - mx); syy += (b - my) * (b - my) }
        guard sxx > 0, syy > 0 else { return .nan }
        return sxy / (sxx * syy).squareRoot()
    }

    /// Spearman rank correlation: Pearson on tie-averaged ranks.
    public static func spearman(_ x: [Double], _ y: [Double]) -> Double { pearson(ranks(x), ranks(y)) }
}
