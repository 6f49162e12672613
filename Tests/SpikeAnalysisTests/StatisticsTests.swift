import Testing
import SpikeAnalysis

@Suite struct StatisticsTests {
    @Test func meanAndSampleStandardDeviation() {
        #expect(Statistics.mean([1, 2, 3, 6]) == 3)
        #expect(Statistics.mean([Double]()).isNaN)
        let (mean, std) = Statistics.meanAndStandardDeviation([2, 4, 4, 4, 5, 5, 7, 9])
        #expect(mean == 5)
        #expect(abs(std - (32.0 / 7).squareRoot()) < 1e-15)
        #expect(Statistics.meanAndStandardDeviation([3]) == (3, 0))
    }

    @Test func medianOfOddAndEvenCounts() {
        #expect(Statistics.median([3, 1, 2]) == 2)
        #expect(Statistics.median([4, 1, 3, 2]) == 2.5)
        #expect(Statistics.median([]).isNaN)
    }

    @Test func tiesShareTheirAverageRank() {
        #expect(Statistics.ranks([10, 20, 20, 5]) == [2, 3.5, 3.5, 1])
    }

    @Test func correlations() {
        #expect(abs(Statistics.pearson([1, 2, 3], [2, 4, 6]) - 1) < 1e-15)
        #expect(Statistics.pearson([1, 1, 1], [1, 2, 3]).isNaN)
        // Monotone but not linear: Spearman 1, Pearson below 1.
        let x: [Double] = [1, 2, 3, 4], y: [Double] = [1, 4, 9, 100]
        #expect(Statistics.spearman(x, y) == 1)
        #expect(Statistics.pearson(x, y) < 1)
    }
}
