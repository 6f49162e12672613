import Foundation
import SpikeKernels
import SpikeModel
import SpikeTraining

/// The two passes of the run config's `gradientSpikeScores` (the spam paper's GSS, exact):
///
/// - Pass 1 (`GradientAbsSumObserver`): after every backward pass, sum |g_i| per coordinate in
///   Double, in step order. The sum is written next to each checkpoint
///   (`gradient_abs_sum/step_NNNNNN.f64`, before the checkpoint itself), so a resumed run reloads
///   the sum of exactly the steps its checkpoint has seen and ends bit-identical; after the last
///   step the per-coordinate mean (sum / steps) goes to `gradient_abs_mean.f64`.
/// - Pass 2 (`GradientSpikesObserver`): the same training again (observers do not change it, so
///   the gradients are the same bits), dividing each |g_i(t)| by pass 1's mean and writing, per
///   step and tensor, the number of coordinates with GSS > 50 and the largest GSS to
///   `gradient_spikes.csv`; `GradientSpikes` below reads it. Coordinates whose mean is 0 (a
///   gradient that is 0 all run) have no score.
///
/// The `.f64` files are raw little-endian Doubles, one per coordinate of the parameter layout.
public enum GradientSpikeFiles {
    public static let meanFileName = "gradient_abs_mean.f64"
    public static let sumDirectory = "gradient_abs_sum"
    public static let spikesFileName = "gradient_spikes.csv"

    static func sumURL(in directory: URL, step: Int) -> URL {
        directory.appendingPathComponent(sumDirectory).appendingPathComponent(String(format: "step_%06d.f64", step))
    }

    static func write(_ values: [Double], to url: URL) throws {
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        let data = values.withUnsafeBufferPointer { Data(buffer: $0) }
        try AtomicFile.write(data, to: url)
    }

    /// The `count` Doubles of `url`, or an error naming the file.
    public static func read(_ url: URL, count: Int) throws -> [Double] {
        guard let data = FileManager.default.contents(atPath: url.path) else { throw RunError("cannot read \(url.path)") }
        guard data.count == count * MemoryLayout<Double>.size else {
            throw RunError("\(url.path) holds \(data.count) bytes, expected \(count) Doubles")
        }
        var values = [Double](repeating: 0, count: count)
        _ = values.withUnsafeMutableBytes { data.copyBytes(to: $0) }
        return values
    }
}

/// Pass 1: sum |g_i| per coordinate over the run, then the mean.
public final class GradientAbsSumObserver: StepObserver {
    private var sum: [Double]
    private let config: RunConfig
    private let runDirectory: URL

    public init(config: RunConfig, model: LlamaModel, runDirectory: URL, resumeStep: Int, parentDirectory: URL?) throws {
        self.config = config
        self.runDirectory = runDirectory
        let count = model.layout.count
        if resumeStep == 0 {
            sum = [Double](repeating: 0, count: count)
        } else {
            let own = GradientSpikeFiles.sumURL(in: runDirectory, step: resumeStep)
            let inherited = parentDirectory.map { GradientSpikeFiles.sumURL(in: $0, step: resumeStep) }
            let source = FileManager.default.fileExists(atPath: own.path) ? own : inherited ?? own
            sum = try GradientSpikeFiles.read(source, count: count)
        }
    }

    public func afterBackward(_ context: StepContext) throws {
        let g = UnsafePointer(context.model.gradients.pointer)
        sum.withUnsafeMutableBufferPointer { s in
            for i in 0..<s.count { s[i] += Double(abs(g[i])) }
        }
    }

    public func afterUpdate(_ context: StepContext) throws {
        let done = context.step + 1
        guard config.isCheckpointStep(done) else { return }
        try GradientSpikeFiles.write(sum, to: GradientSpikeFiles.sumURL(in: runDirectory, step: done))
        if done == config.optimizer.totalSteps {
            let n = Double(done)
            try GradientSpikeFiles.write(sum.map { $0 / n }, to: runDirectory.appendingPathComponent(GradientSpikeFiles.meanFileName))
        }
    }
}

/// Pass 2: per step and tensor, the count of coordinates with GSS > 50 and the largest GSS.
public final class GradientSpikesObserver: StepObserver {
    static let header = "step,tensor,role,spikes,max_gss"
    private let file: StepCSV
    private let mean: [Double]

    /// `passOne`: the directory of the run named by `meanOf`, whose config must be this run's
    /// without `meanOf` (the same training, so the same gradients).
    public init(config: RunConfig, model: LlamaModel, runDirectory: URL, passOne: URL, resumeStep: Int, parentDirectory: URL?) throws {
        var expected = config
        expected.gradientSpikeScores = GradientSpikeScores()
        let passOneConfig = passOne.appendingPathComponent("config.json")
        guard let data = FileManager.default.contents(atPath: passOneConfig.path),
              let found = try? JSONDecoder().decode(RunConfig.self, from: data) else {
            throw RunError("gradientSpikeScores.meanOf: no pass-1 run in \(passOne.path)")
        }
        guard found == expected else {
            throw RunError("gradientSpikeScores.meanOf: \(passOne.path) trains another config; pass 2 must be pass 1's config plus meanOf")
        }
        let meanURL = passOne.appendingPathComponent(GradientSpikeFiles.meanFileName)
        guard FileManager.default.fileExists(atPath: meanURL.path) else {
            throw RunError("gradientSpikeScores.meanOf: \(meanURL.path) is missing (pass 1 has not completed)")
        }
        mean = try GradientSpikeFiles.read(meanURL, count: model.layout.count)
        file = try StepCSV(url: runDirectory.appendingPathComponent(GradientSpikeFiles.spikesFileName), header: Self.header,
                           resumeStep: resumeStep, inheritFrom: parentDirectory?.appendingPathComponent(GradientSpikeFiles.spikesFileName),
                           oneRowPerStep: false)
    }

    public func afterBackward(_ context: StepContext) throws {
        let g = UnsafePointer(context.model.gradients.pointer)
        for spec in context.model.layout.specs where spec.trainable {
            var spikes = 0, largest = 0.0
            mean.withUnsafeBufferPointer { m in
                for i in spec.offset..<(spec.offset + spec.count) where m[i] > 0 {
                    let score = Double(abs(g[i])) / m[i]
                    if score > GradientSpikeScores.threshold { spikes += 1 }
                    largest = max(largest, score)
                }
            }
            try file.append("\(context.step),\(spec.name),\(spec.role.rawValue),\(spikes),\(fmt(largest))")
        }
    }

    public func afterUpdate(_ context: StepContext) throws {}
}

/// `gradient_spikes.csv` (`step,tensor,role,spikes,max_gss`): per tensor, the series of spike
/// counts (GSS > 50) and largest scores.
public struct GradientSpikes: Sendable {
    public struct Series: Equatable, Sendable {
        public var role: String = ""
        public var step: [Int] = []
        public var spikes: [Int] = []
        public var maxScore: [Double] = []
    }

    /// Tensor names in the order of the file (the parameter layout's order).
    public private(set) var tensors: [String] = []
    public private(set) var series: [String: Series] = [:]

    public subscript(tensor: String) -> Series? { series[tensor] }

    public init(contentsOf url: URL) throws {
        let rows = try CSVRows(url: url, header: GradientSpikesObserver.header)
        for (line, f) in rows.rows {
            guard f.count == rows.columns, let s = Int(f[0]), let n = Int(f[3]) else {
                throw RunError("\(url.path) line \(line): expected \(rows.columns) fields (\(rows.headerLine))")
            }
            let name = String(f[1])
            if series[name] == nil { tensors.append(name); series[name] = Series(role: String(f[2])) }
            series[name]!.step.append(s)
            series[name]!.spikes.append(n)
            series[name]!.maxScore.append(try rows.double(f[4], line: line))
        }
    }
}
