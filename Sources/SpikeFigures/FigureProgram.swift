import Foundation
import SpikeKernels
import SpikeRuns

/// The entry point of a figure executable: selects the fastest BLAS kernels (may re-exec the
/// process once), runs `body`, and turns any error into one `error: ...` line on stderr and exit
/// status 1, so `make` stops with a readable message.
///
/// ```
/// // Sources/lmc-figures/main.swift
/// import SpikeFigures
/// FigureProgram.main { try LMCFigures.all(scale: Scale.fromEnvironment()) }
/// ```
public enum FigureProgram {
    public static func main(_ body: () throws -> Void) -> Never {
        Blas.selectFastestKernels()
        do {
            try body()
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
