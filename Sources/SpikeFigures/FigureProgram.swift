import Foundation
import SpikeKernels
import SpikeRuns

/// The entry point of a figure executable: parses its options (`FigureOptions`: `--help`, scale and
/// directories, defaulting to the environment; a bad one exits non-zero before anything runs), selects the BLAS kernels of the numerics mode (may re-exec the
/// process once), runs `body`, reports its wall-clock time on stderr, and turns any error into one
/// `error: ...` line on stderr and exit status 1, so `make` stops with a readable message.
///
/// ```
/// // Sources/Figures/lmc-fig4/main.swift (one executable per figure, see Package.swift)
/// import PaperLMC
/// import SpikeFigures
/// FigureProgram.main {
///     var context = try FigureContext<LMCSetup>(name: "fig4", figure: "Fig. 4", title: "Loss curves of the three settings")
///     ...
///     try context.output.write(context.result)
/// }
/// ```
public enum FigureProgram {
    public static func main(_ body: () throws -> Void) -> Never {
        if let (status, message) = FigureOptions.apply(Array(CommandLine.arguments.dropFirst())) {
            let stream = status == 0 ? FileHandle.standardOutput : FileHandle.standardError
            stream.write(Data((message + "\n").utf8))
            exit(status)
        }
        Numerics.selectKernels()
        let started = Clock.now()
        do {
            try body()
            let program = URL(fileURLWithPath: CommandLine.arguments[0]).lastPathComponent
            FileHandle.standardError.write(Data("\(program): \(String(format: "%.1f", Clock.now() - started)) s\n".utf8))
            exit(0)
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            exit(1)
        }
    }
}

extension Series {
    /// A column of a run's log against its steps (loss by default), every `every`-th step.
    public static func fromLog(_ run: CachedRun, title: String? = nil, _ column: KeyPath<TrainingLog, [Double]> = \.loss,
                               every: Int = 1, style: SeriesStyle = .lines, color: String? = nil) -> Series {
        let stride = Swift.max(1, every)
        let values = run.log[keyPath: column]
        let indices = Array(Swift.stride(from: 0, to: values.count, by: stride))
        return Series(title ?? run.label, x: indices.map { Double(run.log.step[$0]) }, y: indices.map { values[$0] },
                      style: style, color: color)
    }
}
