import ArgumentParser
import Foundation
import SpikeData
import SpikeRuns

/// The options every figure executable takes (issue 15, item 13), parsed once in `FigureProgram.main`.
/// Each defaults to its environment variable (which the Makefile sets) and is handed on through that
/// variable, so the figure code keeps one source for each setting (`Scale.fromEnvironment`,
/// `RunCache()`, `FigureOutput`, `DataDirectory`).
public struct FigureOptions: ParsableCommand {
    public static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: URL(fileURLWithPath: CommandLine.arguments.first ?? "figure").lastPathComponent,
                             abstract: "Trains (or reuses from the run cache) the runs of one figure or table, then writes it.")
    }

    @Option(help: "ci, default or large (default: $\(Scale.environmentVariable), else default).")
    var scale: String?
    @Option(help: "The run cache (default: $\(RunCache.environmentVariable), else \(RunCache.defaultRoot)).")
    var runs: String?
    @Option(help: "Where figures are written (default: $\(FigureOutput.environmentVariable), else \(FigureOutput.defaultRoot)).")
    var figures: String?
    @Option(help: "The corpora (default: $\(DataDirectory.environmentVariable), else the repository's data/).")
    var data: String?

    public init() {}

    public func validate() throws {
        if let scale {
            do { _ = try Scale(name: scale) } catch { throw ValidationError("\(error)") }
        }
    }

    /// Sets the environment variable of every option given.
    func export() {
        let pairs = [(Scale.environmentVariable, scale), (RunCache.environmentVariable, runs),
                     (FigureOutput.environmentVariable, figures), (DataDirectory.environmentVariable, data)]
        for (name, value) in pairs { if let value { setenv(name, value, 1) } }
    }

    /// Parses a figure executable's arguments and exports them; nil: go on and make the figure.
    /// Otherwise the exit status and text to print (`--help`: 0 and the usage; a bad argument:
    /// non-zero and the error), without training anything.
    public static func apply(_ arguments: [String]) -> (status: Int32, message: String)? {
        do {
            try parse(arguments).export()
            return nil
        } catch {
            return (exitCode(for: error).rawValue, fullMessage(for: error))
        }
    }
}
