import SpikeAnalysis
import SpikeFigures

/// What every lmc figure starts from: the setup of the current scale, the learning-rate sweep and
/// the three settings it chose (training or reusing the cached runs), and the figure's output
/// folder with a results record to fill.
public struct LMCFigureContext {
    public let setup: LMCSetup
    public let sweep: LearningRateSweep
    public let settings: ChosenSettings
    public let output: FigureOutput
    public var result: FigureResult

    public init(name: String, figure: String, title: String) throws {
        setup = try LMCSetup.fromEnvironment()
        sweep = LearningRateSweep(setup: setup)
        settings = try sweep.settings()
        output = try FigureOutput(paper: "lmc", name: name)
        result = output.result(figure: figure, title: title)
    }
}
