import SpikeRuns

/// A paper's scaled-down setup, one per scale, from which that paper's figure executables start.
public protocol PaperSetup: Sendable {
    /// What the paper's figures train or reuse through the run cache (lmc: the learning-rate
    /// sweep that chooses its settings; wesar: the runs of its methods).
    associatedtype Runs

    /// The paper key: its figures go to `figures/<paper>/`.
    static var paper: String { get }
    static func forScale(_ scale: Scale) -> Self
    func runs(cache: RunCache) -> Runs
}

/// What every figure of a paper starts from: the setup of the scale `SCALE` names, its runs, and
/// the figure's output folder with a results record to fill.
public struct FigureContext<Setup: PaperSetup> {
    public let setup: Setup
    public let runs: Setup.Runs
    public let output: FigureOutput
    public var result: FigureResult

    public init(name: String, figure: String, title: String) throws {
        let scale = try Scale.fromEnvironment()
        setup = Setup.forScale(scale)
        runs = setup.runs(cache: RunCache())
        output = try FigureOutput(paper: Setup.paper, name: name, scale: scale)
        result = output.result(figure: figure, title: title)
    }
}
