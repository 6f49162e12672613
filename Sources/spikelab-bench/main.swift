// spikelab-bench: throughput of one full training step (forward + backward + global-norm clip +
// AdamW) on this machine, against the machine's own sgemm peak and, optionally, PyTorch.
//
//     swift build -c release --product spikelab-bench && .build/release/spikelab-bench
//     .build/release/spikelab-bench --configs A,C --steps 20 --json bench.json --pytorch --torch-compile
//
// FLOP count (the same formula is used by tools/bench_pytorch.py, so the ratios are fair):
//
//     flops/step  = (6 * N_matmul + 12 * L * T * d) * B * T
//     N_matmul    = L * (4 d^2 + k d h) + V d        k = 3 (swiglu: gate, up, down), 2 (gelu: up, down)
//
// 6 N per token is 2 FLOPs per multiply-add in the forward pass plus twice that in the backward
// pass (input and weight gradients) over every weight used in a matrix product: q, k, v, o, the
// MLP and the LM head (V d, counted once although it is tied to the embedding; the embedding
// lookup itself, norm gains, softmax, RoPE and elementwise work are not counted). 12 L T d per
// token is the attention score and value products (QK^T and PV: 2 products x 2 T d FLOPs, x 3
// for forward + backward) over the full T x T square, i.e. the causal mask is ignored, as in the
// standard estimate (Kaplan et al. 2020; PaLM appendix B; nanoGPT's estimate_mfu).

import ArgumentParser
import Foundation
import SpikeAnalysis
import SpikeKernels
import SpikeModel
import SpikeRuns
import SpikeTraining
#if canImport(Glibc)
import Glibc
#endif

// MARK: - Configurations

struct BenchCase {
    let name: String
    let model: ModelConfig
    let batch: Int
    var length: Int { model.contextLength }
    var tokensPerStep: Int { batch * length }

    static let all: [BenchCase] = [
        BenchCase(name: "A", model: ModelConfig(vocabSize: 4096, dModel: 128, nLayers: 4, nHeads: 4, contextLength: 128,
                                                mlpKind: .gelu), batch: 16),
        BenchCase(name: "B", model: ModelConfig(vocabSize: 4096, dModel: 128, nLayers: 4, nHeads: 4, contextLength: 128,
                                                mlpKind: .swiglu), batch: 16),
        BenchCase(name: "C", model: ModelConfig(vocabSize: 8192, dModel: 256, nLayers: 6, nHeads: 4, contextLength: 256,
                                                mlpKind: .swiglu), batch: 8),
    ]

    var summary: String {
        let c = model
        return "d=\(c.dModel) L=\(c.nLayers) H=\(c.nHeads) V=\(c.vocabSize) T=\(length) B=\(batch) "
            + "\(c.mlpKind.rawValue)(h=\(c.mlpHidden)) tied=\(c.tiedEmbeddings)"
    }

    /// Weights that take part in a matrix product (see the formula at the top of the file).
    var matmulParameters: Int {
        let c = model, d = c.dModel, h = c.mlpHidden
        let mlp = (c.mlpKind == .swiglu ? 3 : 2) * d * h
        return c.nLayers * (4 * d * d + mlp) + c.vocabSize * d
    }

    var flopsPerToken: Double {
        6 * Double(matmulParameters) + 12 * Double(model.nLayers) * Double(length) * Double(model.dModel)
    }

    var flopsPerStep: Double { flopsPerToken * Double(tokensPerStep) }
}

/// The optimiser settings of the benchmark step: AdamW (the PyTorch side uses the same); with
/// `spamDensity`, SPAM (the reference's defaults) at that sparse-momentum density instead.
func benchOptimizer(spamDensity: Double? = nil) -> OptimizerConfig {
    var config = OptimizerConfig(maxLR: 1e-3, minLR: 1e-4, warmupSteps: 10, totalSteps: 1000,
                                 beta1: 0.9, beta2: 0.95, eps: 1e-8, weightDecay: 0.1, clipNorm: 1.0)
    config.spam = spamDensity.map { SPAMConfig(density: $0) }
    return config
}

// MARK: - Process memory and machine load

enum ProcFS {
    /// Reads a whole /proc file (their reported size is 0, so read until EOF).
    static func read(_ path: String) -> String? {
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var data = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, 4096) }
            if n <= 0 { break }
            data.append(contentsOf: chunk[0..<n])
        }
        return String(decoding: data, as: UTF8.self)
    }

    /// A "Key:   1234 kB" field of /proc/self/status, in bytes.
    static func statusBytes(_ key: String) -> Int? {
        guard let text = read("/proc/self/status") else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(key + ":") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            if fields.count >= 2, let kb = Int(fields[1]) { return kb * 1024 }
        }
        return nil
    }

    /// Peak resident set size of the process (VmHWM; falls back to getrusage's ru_maxrss).
    static func peakRSSBytes() -> Int {
        if let hwm = statusBytes("VmHWM") { return hwm }
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        return Int(usage.ru_maxrss) * 1024  // kilobytes on Linux
    }

    /// Resets the process's VmHWM to its current RSS (Linux >= 4.0, `echo 5 > /proc/self/clear_refs`),
    /// so the next reading is the peak of what follows. Returns false where that is not possible.
    static func resetPeakRSS() -> Bool {
        let fd = open("/proc/self/clear_refs", O_WRONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return write(fd, "5", 1) == 1
    }

    /// Busy CPU seconds of the whole machine (all cores) from /proc/stat, and this process's own
    /// CPU seconds: the difference over an interval is what other processes used.
    static func cpuSample() -> (machineBusy: Double, own: Double, wall: Double)? {
        guard let text = read("/proc/stat"), let line = text.split(separator: "\n").first, line.hasPrefix("cpu ") else { return nil }
        let v = line.split(separator: " ").dropFirst().compactMap { Double($0) }
        guard v.count >= 5 else { return nil }
        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        let total = v.prefix(8).reduce(0, +), idle = v[3] + v[4]  // idle + iowait
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
        let own = Double(usage.ru_utime.tv_sec) + Double(usage.ru_utime.tv_usec) * 1e-6
            + Double(usage.ru_stime.tv_sec) + Double(usage.ru_stime.tv_usec) * 1e-6
        return ((total - idle) / hz, own, Clock.now())
    }

    /// Percentage of the machine's cores used by other processes between two samples.
    static func foreignLoad(_ a: (machineBusy: Double, own: Double, wall: Double)?,
                            _ b: (machineBusy: Double, own: Double, wall: Double)?) -> Double {
        guard let a, let b, b.wall > a.wall else { return .nan }
        let cores = Double(ProcessInfo.processInfo.activeProcessorCount)
        return max(0, 100 * ((b.machineBusy - a.machineBusy) - (b.own - a.own)) / ((b.wall - a.wall) * cores))
    }

    static func loadAverage() -> String {
        guard let text = read("/proc/loadavg") else { return "n/a" }
        return text.split(separator: " ").prefix(3).joined(separator: " ")
    }
}

// MARK: - Results

struct SectionTime: Codable {
    var name: String
    var msPerStep: Double
    var percentOfStep: Double
}

struct ConfigResult: Codable {
    var name: String
    var description: String
    var dModel: Int, nLayers: Int, nHeads: Int, vocabSize: Int, contextLength: Int, batch: Int
    var mlpKind: String, mlpHidden: Int
    var parameters: Int
    var matmulParameters: Int
    var tokensPerStep: Int
    var flopsPerToken: Double
    var flopsPerStep: Double
    var warmupSteps: Int
    var stepMs: [Double]
    var medianMs: Double
    var minMs: Double
    var maxMs: Double
    var tokensPerSecond: Double
    var gflops: Double
    var percentOfPeak: Double
    /// VmHWM read after this config; `peakRSSPerConfig` says whether it was reset before it.
    var peakRSSMiB: Double
    var peakRSSPerConfig: Bool
    /// CPU used by other processes during the timed steps, % of all cores (noise indicator).
    var otherProcessesCPUPercent: Double
    var finalLoss: Float
    var profiledSteps: Int
    var profiledStepMs: Double
    var forwardMs: Double
    var backwardMs: Double
    var sections: [SectionTime]
    /// The step with one observer on (timed after the plain steps, same model and batches).
    var observers: [ObserverCost]
    /// AdamW's and SPAM's steps timed in turn (`optimizerCosts`).
    var optimizers: [OptimizerCost]
}

struct OptimizerCost: Codable {
    var name: String
    var medianMs: Double
    /// The median over the timed steps of this optimiser's step time over AdamW's in the same round.
    var ratioToAdamW: Double
}

struct ObserverCost: Codable {
    var name: String
    var medianMs: Double
    /// Median time inside the observer calls (and the parameter copy they ask for).
    var observerMs: Double
    /// Why the observer was not timed: it does not apply to the optimiser (e.g. sharpness needs
    /// AdamW's dense v); nil when timed.
    var notApplicable: String? = nil
}

struct PyTorchResult: Codable {
    var config: String
    var mode: String
    var tokensPerSecond: Double?
    var medianMs: Double?
    var gflops: Double?
    var percentOfPeak: Double?
    var parameters: Int?
    var peakRSSMiB: Double?
    var otherProcessesCPUPercent: Double?
    var optimizer: String?
    var error: String?
    /// SpikeLab tokens/s divided by this PyTorch tokens/s.
    var spikeLabRatio: Double?
}

struct Report: Codable {
    var date: String
    var cpu: String
    var workers: Int
    var openBLASCore: String
    var openBLASConfig: String
    var openBLASCoreType: String?
    var loadAverageBefore: String
    var loadAverageAfter: String
    var peakGflops: Double
    var peakGflopsStart: Double
    var peakGflopsEnd: Double
    var flopFormula: String
    var configs: [ConfigResult]
    var pytorchVersion: String?
    var pytorchSgemmPeakGflops: Double?
    var pytorchNote: String?
    var pytorch: [PyTorchResult]
}

// MARK: - The training step

/// A few random batches made up front, so token generation is not timed.
struct PremadeBatches: BatchSource {
    let batches: [(inputs: [Int32], targets: [Int32])]

    init(_ bench: BenchCase, seed: UInt64) {
        var rng = RandomGenerator(seed: seed &+ 1)
        let n = bench.tokensPerStep, v = bench.model.vocabSize
        batches = (0..<4).map { _ in
            let inputs = (0..<n).map { _ in Int32(rng.int(below: v)) }
            let targets = (0..<n).map { _ in Int32(rng.int(below: v)) }
            return (inputs, targets)
        }
    }

    func batch(step: Int, batchSize: Int, length: Int) -> (inputs: [Int32], targets: [Int32]) { batches[step % batches.count] }
}

/// The trainer's own `TrainingStep` on a freshly initialised model of `bench`.
final class StepRunner {
    let model: LlamaModel
    let trainingStep: TrainingStep
    var step = 0
    var lastLoss: Float = .nan

    init(_ bench: BenchCase, seed: UInt64, optimizerConfig: OptimizerConfig,
         observers: (LlamaModel) throws -> [StepObserver] = { _ in [] }) throws {
        model = try LlamaModel(config: bench.model)
        model.initialize(scheme: .default, seed: seed)
        let optimizer = optimizerConfig.makeOptimizer(layout: model.layout, seed: seed)
        trainingStep = TrainingStep(model: model, optimizer: optimizer, optimizerConfig: optimizerConfig,
                                    batches: PremadeBatches(bench, seed: seed), batchSize: bench.batch, observers: try observers(model))
    }

    /// One full step: forward, backward, global-norm clip at `clipNorm`, optimiser update, observers.
    func run() throws -> StepOutcome.Sections {
        let outcome = try trainingStep.run(step: step)
        step += 1
        lastLoss = outcome.loss
        return outcome.seconds
    }
}

/// An observer the benchmark can switch on, and how to make it.
struct BenchObserver {
    let name: String
    /// The observer of a run of `config` (the bench case as a synthetic-data run config) writing into the directory.
    let make: (LlamaModel, URL, RunConfig) throws -> StepObserver
    /// The run-config section that switches the observer on, where it has one: the config's own
    /// validation then says whether it applies to the optimiser timed (sharpness needs AdamW).
    var configSection: ((inout RunConfig) -> Void)? = nil

    static let all: [BenchObserver] = [
        BenchObserver(name: "tensor statistics") { model, directory, _ in
            try TensorStatisticsObserver(model: model, runDirectory: directory, resumeStep: 0, parentDirectory: nil)
        },
        // Every step here; a run config's `every` divides the cost.
        BenchObserver(name: "held-out probe (every step)") { _, directory, config in
            try HeldOutProbeObserver(config: config, schedule: ObserverSchedule(every: 1), batch: try TrainingData.probeBatch(config),
                                     runDirectory: directory, resumeStep: 0, parentDirectory: nil)
        },
        BenchObserver(name: "Adam statistics (every step)") { _, directory, config in
            try AdamStatisticsObserver(config: config, schedule: ObserverSchedule(every: 1), runDirectory: directory, resumeStep: 0,
                                       parentDirectory: nil)
        },
        BenchObserver(name: "update histograms (every step)") { _, directory, config in
            try UpdateHistogramObserver(config: config, schedule: ObserverSchedule(every: 1), runDirectory: directory, resumeStep: 0,
                                        parentDirectory: nil)
        },
        // One power iteration per step (two forward and backward passes); a run's estimate costs
        // `iterations` times this every `every` steps.
        BenchObserver(name: "sharpness, 1 iteration (every step)", make: { _, directory, config in
            try SharpnessObserver(config: config, settings: SharpnessSchedule(every: 1, iterations: 1), batch: try TrainingData.probeBatch(config),
                                  runDirectory: directory, resumeStep: 0, parentDirectory: nil)
        }, configSection: { $0.sharpness = SharpnessSchedule(every: 1, iterations: 1) }),
        // Pass 1 of the gradient spike scores (sum |g| per coordinate; no checkpoint in a bench run).
        BenchObserver(name: "gradient |g| sums") { model, directory, _ in
            let config = RunConfig(model: model.config, optimizer: OptimizerConfig(totalSteps: Int.max), batchSize: 1)
            return try GradientAbsSumObserver(config: config, model: model, runDirectory: directory, resumeStep: 0, parentDirectory: nil)
        },
    ]
}

/// The step with AdamW, SPAM and sparse-momentum SPAM (density 0.25), each on its own model of
/// `bench`, timed in turn one step each per round, so that a slow spell of the machine reaches all
/// three alike: the ratios to AdamW come from one run, round by round.
func optimizerCosts(_ bench: BenchCase, warmup: Int, steps: Int, seed: UInt64) throws -> [OptimizerCost] {
    let optimizers = [("AdamW", benchOptimizer()), ("SPAM", benchOptimizer(spamDensity: 1)),
                      ("SPAM, density 0.25", benchOptimizer(spamDensity: 0.25))]
    let runners = try optimizers.map { try StepRunner(bench, seed: seed, optimizerConfig: $0.1) }
    for _ in 0..<warmup { for runner in runners { _ = try runner.run() } }
    var times = [[Double]](repeating: [], count: runners.count)
    for _ in 0..<steps {
        for (i, runner) in runners.enumerated() { times[i].append(try runner.run().total) }
    }
    return optimizers.indices.map { i in
        OptimizerCost(name: optimizers[i].0, medianMs: Statistics.median(times[i]) * 1000,
                      ratioToAdamW: Statistics.median(zip(times[i], times[0]).map { $0 / $1 }))
    }
}

/// Median step time with each observer on, measured right after the plain steps.
func observerCosts(_ bench: BenchCase, warmup: Int, steps: Int, seed: UInt64, optimizer: OptimizerConfig) throws -> [ObserverCost] {
    try BenchObserver.all.map { observer in
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("spikelab-bench-\(getpid())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let config = RunConfig(model: bench.model, optimizer: optimizer, data: DataSpec(corpus: "synthetic"), batchSize: bench.batch, seed: seed)
        if let section = observer.configSection {
            var switchedOn = config
            section(&switchedOn)
            do { try switchedOn.validate() } catch {
                return ObserverCost(name: observer.name, medianMs: .nan, observerMs: .nan, notApplicable: "\(error)")
            }
        }
        let runner = try StepRunner(bench, seed: seed, optimizerConfig: optimizer) { model in [try observer.make(model, directory, config)] }
        for _ in 0..<warmup { _ = try runner.run() }
        var times: [Double] = [], observing: [Double] = []
        for _ in 0..<steps {
            let t = try runner.run()
            times.append(t.total); observing.append(t.observers)
        }
        return ObserverCost(name: observer.name, medianMs: Statistics.median(times) * 1000, observerMs: Statistics.median(observing) * 1000)
    }
}

func benchmark(_ bench: BenchCase, warmup: Int, steps: Int, profileSteps: Int, peak: Double, seed: UInt64,
               optimizer: OptimizerConfig) throws -> ConfigResult {
    let perConfigRSS = ProcFS.resetPeakRSS()
    let runner = try StepRunner(bench, seed: seed, optimizerConfig: optimizer)
    for _ in 0..<warmup { _ = try runner.run() }
    var times: [Double] = []
    let before = ProcFS.cpuSample()
    for _ in 0..<steps { times.append(try runner.run().total) }
    let otherLoad = ProcFS.foreignLoad(before, ProcFS.cpuSample())

    // Profiled pass (separate, so the headline numbers carry no profiler overhead).
    let profiler = runner.model.profiler
    profiler.reset()
    profiler.enabled = profileSteps > 0
    var sum = StepOutcome.Sections()
    for _ in 0..<profileSteps {
        let t = try runner.run()
        sum.batch += t.batch; sum.forward += t.forward; sum.backward += t.backward
        sum.norms += t.norms; sum.update += t.update
    }
    profiler.enabled = false
    var sections: [SectionTime] = []
    if profileSteps > 0 {
        let p = Double(profileSteps)
        var accounted = 0.0
        func add(_ name: String, _ seconds: Double) {
            accounted += seconds
            sections.append(SectionTime(name: name, msPerStep: seconds / p * 1000, percentOfStep: 100 * seconds / sum.total))
        }
        for name in profiler.order { add(name, profiler.seconds[name] ?? 0) }
        add("clip", sum.norms)
        add("optimizer", sum.update)
        let other = max(0, sum.total - accounted)
        sections.append(SectionTime(name: "other", msPerStep: other / p * 1000, percentOfStep: 100 * other / sum.total))
    }
    let peakRSS = Double(ProcFS.peakRSSBytes()) / 1048576
    let observers = try observerCosts(bench, warmup: warmup, steps: steps, seed: seed, optimizer: optimizer)
    let optimizers = try optimizerCosts(bench, warmup: warmup, steps: steps, seed: seed)

    let med = Statistics.median(times)
    let c = bench.model
    let gflops = bench.flopsPerStep / med / 1e9
    let p = Double(max(profileSteps, 1))
    return ConfigResult(
        name: bench.name, description: bench.summary,
        dModel: c.dModel, nLayers: c.nLayers, nHeads: c.nHeads, vocabSize: c.vocabSize, contextLength: c.contextLength,
        batch: bench.batch, mlpKind: c.mlpKind.rawValue, mlpHidden: c.mlpHidden,
        parameters: runner.model.parameterCount, matmulParameters: bench.matmulParameters,
        tokensPerStep: bench.tokensPerStep, flopsPerToken: bench.flopsPerToken, flopsPerStep: bench.flopsPerStep,
        warmupSteps: warmup, stepMs: times.map { $0 * 1000 },
        medianMs: med * 1000, minMs: (times.min() ?? .nan) * 1000, maxMs: (times.max() ?? .nan) * 1000,
        tokensPerSecond: Double(bench.tokensPerStep) / med, gflops: gflops, percentOfPeak: 100 * gflops / peak,
        peakRSSMiB: peakRSS, peakRSSPerConfig: perConfigRSS, otherProcessesCPUPercent: otherLoad, finalLoss: runner.lastLoss,
        profiledSteps: profileSteps, profiledStepMs: sum.total / p * 1000,
        forwardMs: sum.forward / p * 1000, backwardMs: sum.backward / p * 1000, sections: sections, observers: observers,
        optimizers: optimizers)
}

// MARK: - PyTorch comparator

struct PyTorchLine: Decodable {
    var type: String
    var config: String?
    var mode: String?
    var tokens_per_s: Double?
    var ms_per_step: Double?
    var gflops: Double?
    var params: Int?
    var flops_per_token: Double?
    var peak_rss_mib: Double?
    var other_cpu_percent: Double?
    var optimizer: String?
    var error: String?
    var message: String?
    var torch: String?
    var sgemm_peak_gflops: Double?
}

func locateScript(_ given: String?) -> String? {
    let candidates: [String] = given.map { [$0] } ?? [
        "tools/bench_pytorch.py",
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("tools/bench_pytorch.py").path,
    ]
    return candidates.first { FileManager.default.fileExists(atPath: $0) }
}

/// Runs tools/bench_pytorch.py and returns its JSON lines (stderr passes through), or a note.
func runPyTorch(script: String, configs: [String], steps: Int, warmup: Int, threads: Int, compile: Bool)
    -> (lines: [PyTorchLine], note: String?) {
    let python = ProcessInfo.processInfo.environment["PYTHON"].flatMap { $0.isEmpty ? nil : $0 } ?? "python3"
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    var arguments = [python, script, "--configs", configs.joined(separator: ","), "--steps", String(steps),
                     "--warmup", String(warmup), "--threads", String(threads)]
    if compile { arguments.append("--compile") }
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    do { try process.run() } catch {
        return ([], "PyTorch comparison skipped: could not start \(python) (\(error))")
    }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    var lines: [PyTorchLine] = []
    let decoder = JSONDecoder()
    for raw in String(decoding: data, as: UTF8.self).split(separator: "\n") {
        guard raw.hasPrefix("{"), let line = try? decoder.decode(PyTorchLine.self, from: Data(raw.utf8)) else { continue }
        lines.append(line)
    }
    if let err = lines.first(where: { $0.type == "unavailable" }) {
        return ([], "PyTorch comparison skipped: \(err.message ?? "torch is not importable") (python: \(python))")
    }
    if lines.isEmpty {
        return ([], "PyTorch comparison skipped: \(python) \(script) exited with status \(process.terminationStatus) and printed no results")
    }
    return (lines, process.terminationStatus == 0 ? nil : "bench_pytorch.py exited with status \(process.terminationStatus)")
}

// MARK: - Formatting

func fmt(_ x: Double, _ digits: Int) -> String {
    guard x.isFinite else { return "n/a" }
    return String(format: "%.\(digits)f", x)
}

func withCommas(_ n: Int) -> String {
    let s = String(n)
    var out = ""
    for (i, ch) in s.enumerated() {
        if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
        out.append(ch)
    }
    return out
}

/// Prints rows as an aligned table: the first column left-aligned, the rest right-aligned.
func printTable(_ header: [String], _ rows: [[String]], indent: String = "  ") {
    let all = [header] + rows
    let widths = (0..<header.count).map { col in all.map { $0.count > col ? $0[col].count : 0 }.max() ?? 0 }
    func line(_ cells: [String]) -> String {
        cells.enumerated().map { i, cell in
            let pad = String(repeating: " ", count: widths[i] - cell.count)
            return i == 0 ? cell + pad : pad + cell
        }.joined(separator: "  ")
    }
    print(indent + line(header))
    print(indent + widths.map { String(repeating: "-", count: $0) }.joined(separator: "  "))
    for r in rows { print(indent + line(r)) }
}

// MARK: - Targets

/// The performance targets of the benchmark issue: >= 45 % of the sgemm peak at d = 128 and >= 65 %
/// at d = 256; >= 1.2x PyTorch eager tokens/s; ahead of torch.compile at d = 256; SPAM's step at
/// most 10 % slower than AdamW's at d = 256 (the spam issue).
func printTargets(_ results: [ConfigResult], _ torch: [PyTorchResult]) {
    guard !results.isEmpty else { return }
    print("\nTargets:")
    func mark(_ ok: Bool) -> String { ok ? "met" : "NOT met" }
    for r in results {
        var parts: [String] = []
        let peakTarget: Double? = r.dModel <= 128 ? 45 : r.dModel >= 256 ? 65 : nil
        if let t = peakTarget { parts.append("\(fmt(r.percentOfPeak, 1)) % of peak (>= \(Int(t)) %: \(mark(r.percentOfPeak >= t)))") }
        if let e = torch.first(where: { $0.config == r.name && $0.mode == "eager" })?.spikeLabRatio {
            parts.append("\(fmt(e, 2))x torch eager (>= 1.2x: \(mark(e >= 1.2)))")
        }
        if r.dModel >= 256 {
            for o in r.optimizers where o.name != "AdamW" {
                parts.append("\(o.name) \(String(format: "%+.1f %%", 100 * (o.ratioToAdamW - 1))) vs AdamW (<= +10 %: \(mark(o.ratioToAdamW <= 1.1)))")
            }
        }
        if r.dModel >= 256, let c = torch.first(where: { $0.config == r.name && $0.mode == "compile" })?.spikeLabRatio {
            parts.append("\(fmt(c, 2))x torch.compile (> 1x: \(mark(c > 1)))")
        }
        print("  \(r.name): " + (parts.isEmpty ? "no target" : parts.joined(separator: "; ")))
    }
}

// MARK: - Command

struct SpikeLabBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spikelab-bench",
        abstract: "Times the trainer's training step (forward, backward, clip, AdamW) on this machine, the cost of each step observer, and SPAM's step against AdamW's.",
        discussion: """
            Configs: A = d128 L4 H4 V4096 T128 B16 gelu; B = the same with swiglu; \
            C = d256 L6 H4 V8192 T256 B8 swiglu. Random tokens; warm-up steps excluded; the median \
            over --steps timed steps is reported. FLOPs/step = (6 N_matmul + 12 L T d) B T.
            """)

    @Option(name: .long, help: "Comma-separated configs to run (A, B, C).")
    var configs: String = "A,B,C"

    @Option(name: .long, help: "Timed steps per config (the median is reported).")
    var steps: Int = 10

    @Option(name: .long, help: "Untimed warm-up steps per config.")
    var warmup: Int = 2

    @Option(name: .long, help: "Extra steps run with the section profiler on (0 disables the split).")
    var profileSteps: Int = 5

    @Option(name: .long, help: "Worker threads (default: all cores).")
    var threads: Int?

    @Option(name: .long, help: "Also write the results as JSON to this file.")
    var json: String?

    @Flag(name: .long, help: "Also run tools/bench_pytorch.py ($PYTHON or python3) and print the ratio.")
    var pytorch = false

    @Flag(name: .long, help: "With --pytorch, also time torch.compile (slow to compile).")
    var torchCompile = false

    @Option(name: .long, help: "Path of bench_pytorch.py (default: tools/bench_pytorch.py).")
    var pytorchScript: String?

    @Option(name: .long, help: "Seed for the initial weights and the random tokens.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Optimiser of the step: adamw, or spam (reference defaults; --pytorch still times AdamW).")
    var optimizer: String = "adamw"

    @Option(name: .long, help: "With --optimizer spam: the sparse-momentum density.")
    var spamDensity: Double = 1

    /// The benchmark's optimiser: AdamW, or SPAM when asked for.
    func optimizerConfig() throws -> OptimizerConfig {
        let config: OptimizerConfig
        switch optimizer.lowercased() {
        case "adamw": config = benchOptimizer()
        case "spam": config = benchOptimizer(spamDensity: spamDensity)
        default: throw ValidationError("unknown --optimizer '\(optimizer)' (known: adamw, spam)")
        }
        try config.validate()
        return config
    }

    func validate() throws {
        guard steps >= 1 else { throw ValidationError("--steps must be at least 1") }
        guard warmup >= 0, profileSteps >= 0 else { throw ValidationError("--warmup and --profile-steps must be >= 0") }
        if let t = threads, t < 1 { throw ValidationError("--threads must be at least 1") }
        _ = try selectedCases()
        _ = try optimizerConfig()
    }

    func selectedCases() throws -> [BenchCase] {
        let names = configs.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces).uppercased() }
        return try names.map { name in
            guard let c = BenchCase.all.first(where: { $0.name == name }) else {
                throw ValidationError("unknown config '\(name)' (known: \(BenchCase.all.map(\.name).joined(separator: ", ")))")
            }
            return c
        }
    }

    func run() throws {
        setvbuf(stdout, nil, _IOLBF, 0)
        if let t = threads { Parallelism.workers = t }
        let cases = try selectedCases()
        let loadBefore = ProcFS.loadAverage()
        print("SpikeLab benchmark: \(Blas.cpuDescription()), \(Parallelism.workers) workers, load average \(loadBefore)")
        let coreType = ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"]
        print("OpenBLAS: \(Blas.buildConfig); kernels: \(Blas.coreName)"
              + (coreType.map { " (OPENBLAS_CORETYPE=\($0))" } ?? "") + "; numerics: \(Numerics.fingerprint)")
        _ = Blas.measurePeakGflops(n: 1024, repeats: 3)  // warm-up: page faults, clocks
        let peakStart = Blas.measurePeakGflops(n: 2048)
        print("sgemm peak (2048x2048x2048, \(Parallelism.workers) workers, OpenBLAS): \(fmt(peakStart, 1)) GFLOP/s")
        print("FLOPs/step = (6 * N_matmul + 12 * L * T * d) * B * T,  N_matmul = L (4 d^2 + k d h) + V d  (k = 3 swiglu, 2 gelu)")
        let optimizerConfig = try optimizerConfig()
        let optimizerName = optimizerConfig.spam == nil ? "AdamW" : "SPAM (density \(spamDensity))"
        print("step = forward + backward + global-norm clip (1.0) + \(optimizerName); \(warmup) warm-up, median of \(steps) timed steps\n")

        var results: [ConfigResult] = []
        for bench in cases {
            print("  running \(bench.name): \(bench.summary) ...")
            results.append(try benchmark(bench, warmup: warmup, steps: steps, profileSteps: profileSteps,
                                         peak: peakStart, seed: seed, optimizer: optimizerConfig))
        }
        let peakEnd = Blas.measurePeakGflops(n: 2048)
        let loadAfter = ProcFS.loadAverage()
        // Relative to the better of the two peak measurements (the conservative choice on a loaded machine).
        let peak = max(peakStart, peakEnd)
        for i in results.indices { results[i].percentOfPeak = 100 * results[i].gflops / peak }

        print("")
        printTable(["config", "params", "tok/step", "GFLOP/step", "ms/step", "min ms", "max ms", "tokens/s", "GFLOP/s", "% peak",
                    "peak RSS MiB", "others' CPU %"],
                   results.map { r in
                       [r.name, withCommas(r.parameters), String(r.tokensPerStep), fmt(r.flopsPerStep / 1e9, 2),
                        fmt(r.medianMs, 1), fmt(r.minMs, 1), fmt(r.maxMs, 1), fmt(r.tokensPerSecond, 0),
                        fmt(r.gflops, 1), fmt(r.percentOfPeak, 1), fmt(r.peakRSSMiB, 1), fmt(r.otherProcessesCPUPercent, 0)]
                   })
        print("  sgemm peak: \(fmt(peakStart, 1)) GFLOP/s before, \(fmt(peakEnd, 1)) after; % peak uses \(fmt(peak, 1)). "
              + "Load average \(loadBefore) before, \(loadAfter) after.")
        print("  ms/step is the median; others' CPU % is the share of all cores that other processes used during the timed steps "
              + "(from /proc/stat): above a few % the numbers are contended.")
        let perConfig = results.allSatisfy(\.peakRSSPerConfig)
        print(perConfig
              ? "  peak RSS: VmHWM, reset before each config (clear_refs), so it is that config's peak plus whatever the allocator kept from earlier ones."
              : "  peak RSS: the process high-water mark (VmHWM / ru_maxrss) read after each config; it cannot go down, so later configs include earlier peaks.")

        print("\nStep observers (each on its own, \(warmup) warm-up, median of \(steps) steps; off, an observer costs nothing):")
        printTable(["config", "observer", "ms/step", "vs off", "inside observer ms"],
                   results.flatMap { r in
                       r.observers.map { o in
                           if let reason = o.notApplicable { return [r.name, o.name, "n/a", "", reason] }
                           return [r.name, o.name, fmt(o.medianMs, 1), String(format: "%+.1f %%", 100 * (o.medianMs / r.medianMs - 1)),
                                   fmt(o.observerMs, 2)]
                       }
                   })

        print("\nOptimisers (AdamW, SPAM, sparse SPAM on the same config, one step each in turn; \(warmup) warm-up, \(steps) rounds):")
        printTable(["config", "optimiser", "ms/step", "vs AdamW (median of the rounds)"],
                   results.flatMap { r in
                       r.optimizers.map { o in [r.name, o.name, fmt(o.medianMs, 1), String(format: "%+.1f %%", 100 * (o.ratioToAdamW - 1))] }
                   })

        if profileSteps > 0 {
            print("\nTime split per section (\(profileSteps) profiled steps, ms per step and % of the step):")
            var names: [String] = []
            for r in results { for s in r.sections where !names.contains(s.name) { names.append(s.name) } }
            // Keep clip, optimizer and other at the bottom.
            let tail = ["clip", "optimizer", "other"]
            names = names.filter { !tail.contains($0) } + tail
            var header = ["section"]
            for r in results { header += ["\(r.name) ms", "\(r.name) %"] }
            var rows: [[String]] = names.map { name in
                var row = [name]
                for r in results {
                    if let s = r.sections.first(where: { $0.name == name }) {
                        row += [fmt(s.msPerStep, 2), fmt(s.percentOfStep, 1)]
                    } else { row += ["-", "-"] }
                }
                return row
            }
            var fwd = ["(forward total)"], bwd = ["(backward total)"], tot = ["(profiled step)"]
            for r in results {
                fwd += [fmt(r.forwardMs, 2), fmt(100 * r.forwardMs / r.profiledStepMs, 1)]
                bwd += [fmt(r.backwardMs, 2), fmt(100 * r.backwardMs / r.profiledStepMs, 1)]
                tot += [fmt(r.profiledStepMs, 2), "100.0"]
            }
            rows += [fwd, bwd, tot]
            printTable(header, rows)
            for r in results {
                let top = r.sections.filter { $0.name != "other" }.sorted { $0.percentOfStep > $1.percentOfStep }.prefix(3)
                print("  \(r.name): largest sections: " + top.map { "\($0.name) \(fmt($0.percentOfStep, 1)) %" }.joined(separator: ", "))
            }
        }

        var torchResults: [PyTorchResult] = []
        var torchNote: String?
        var torchVersion: String?
        var torchPeak: Double?
        if pytorch {
            print("")
            if let script = locateScript(pytorchScript) {
                print("Running PyTorch comparator \(script) (this takes a while\(torchCompile ? "; torch.compile compiles each config first" : ""))...")
                let (lines, note) = runPyTorch(script: script, configs: cases.map(\.name), steps: steps, warmup: warmup,
                                               threads: Parallelism.workers, compile: torchCompile)
                torchNote = note
                torchVersion = lines.first(where: { $0.type == "env" })?.torch
                torchPeak = lines.first(where: { $0.type == "env" })?.sgemm_peak_gflops
                for line in lines where line.type == "result" {
                    guard let name = line.config, let mode = line.mode else { continue }
                    let ours = results.first { $0.name == name }
                    var r = PyTorchResult(config: name, mode: mode, tokensPerSecond: line.tokens_per_s, medianMs: line.ms_per_step,
                                          gflops: line.gflops, percentOfPeak: line.gflops.map { 100 * $0 / peak },
                                          parameters: line.params, peakRSSMiB: line.peak_rss_mib,
                                          otherProcessesCPUPercent: line.other_cpu_percent, optimizer: line.optimizer,
                                          error: line.error)
                    if let theirs = line.tokens_per_s, let ours { r.spikeLabRatio = ours.tokensPerSecond / theirs }
                    if let ours, let p = line.params, p != ours.parameters {
                        print("  warning: PyTorch config \(name) has \(p) parameters, SpikeLab \(ours.parameters)")
                    }
                    if let ours, let f = line.flops_per_token, abs(f - ours.flopsPerToken) > 0.5 {
                        print("  warning: PyTorch config \(name) counts \(f) FLOPs/token, SpikeLab \(ours.flopsPerToken)")
                    }
                    torchResults.append(r)
                }
            } else {
                torchNote = "PyTorch comparison skipped: tools/bench_pytorch.py not found (run from the repository root)"
            }
            if let note = torchNote { print(note) }
            if !torchResults.isEmpty {
                print("\nPyTorch \(torchVersion ?? "?") (fp32, \(Parallelism.workers) threads, same configs and FLOP formula) vs SpikeLab:")
                let rows: [[String]] = torchResults.map { t in
                    let ours = results.first { $0.name == t.config }
                    if let e = t.error {
                        return [t.config, t.mode, "failed: " + String(e.prefix(60)), "", "", "", "", "", ""]
                    }
                    return [t.config, t.mode, fmt(t.medianMs ?? .nan, 1), fmt(t.tokensPerSecond ?? .nan, 0),
                            fmt(t.gflops ?? .nan, 1), fmt(t.percentOfPeak ?? .nan, 1),
                            fmt(ours?.tokensPerSecond ?? .nan, 0), (t.spikeLabRatio.map { fmt($0, 2) + "x" }) ?? "n/a",
                            fmt(t.otherProcessesCPUPercent ?? .nan, 0)]
                }
                printTable(["config", "torch mode", "ms/step", "tokens/s", "GFLOP/s", "% peak", "SpikeLab tok/s", "SpikeLab/torch",
                            "others' CPU %"], rows)
                print("  % peak is relative to the OpenBLAS sgemm peak above (\(fmt(peak, 1)) GFLOP/s); torch.mm's own 2048^3 peak "
                      + "here: \(fmt(torchPeak ?? .nan, 1)) GFLOP/s. SpikeLab/torch is the ratio of tokens/s.")
            }
        }

        printTargets(results, torchResults)

        if let path = json {
            let formatter = ISO8601DateFormatter()
            let report = Report(
                date: formatter.string(from: Date()), cpu: Blas.cpuDescription(), workers: Parallelism.workers,
                openBLASCore: Blas.coreName, openBLASConfig: Blas.buildConfig, openBLASCoreType: coreType,
                loadAverageBefore: loadBefore, loadAverageAfter: loadAfter,
                peakGflops: peak, peakGflopsStart: peakStart, peakGflopsEnd: peakEnd,
                flopFormula: "(6 * N_matmul + 12 * L * T * d) * B * T, N_matmul = L * (4 d^2 + k d h) + V d, k = 3 swiglu / 2 gelu",
                configs: results, pytorchVersion: torchVersion, pytorchSgemmPeakGflops: torchPeak, pytorchNote: torchNote, pytorch: torchResults)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
            let data = try encoder.encode(report)
            try data.write(to: URL(fileURLWithPath: path), options: .atomic)
            print("\nwrote \(path)")
        }
    }
}

// OpenBLAS 0.3.21 misdetects recent Xeons; use the kernels the CPU supports (re-executes once).
Numerics.selectKernels()
SpikeLabBench.main()
