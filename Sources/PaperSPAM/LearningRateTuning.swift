import SpikeAnalysis
import SpikeFigures
import SpikeRuns

// Each method of the spam comparison at its own LR: a small grid around the setup's LR, ranked by
// the final training loss, so that the table does not compare methods at an LR that suits one.

/// The LRs a method was tried at (ascending), the mean final training loss of each, and the best.
public struct LearningRateChoice: Sendable {
    public var best: Double
    public var learningRates: [Double]
    public var losses: [Double]

    /// The `grid` point (ascending, a constant factor apart) of lowest `loss` (ties: the smaller
    /// LR). Where the lowest is on an edge, the grid goes on past it by the same factor, at most
    /// `extensions` times, so the choice is an interior minimum whenever the budget allows.
    public static func search(_ grid: [Double], extensions: Int, loss: (Double) throws -> Double) throws -> LearningRateChoice {
        precondition(grid.count >= 2, "a grid of at least two LRs")
        func lowest(_ losses: [Double]) -> Int { losses.indices.min { losses[$0] < losses[$1] }! }
        var grid = grid
        var losses = try grid.map(loss)
        let factor = grid[1] / grid[0]
        extending: for _ in 0..<extensions {
            switch lowest(losses) {
            case 0:
                grid.insert(grid[0] / factor, at: 0)
                losses.insert(try loss(grid[0]), at: 0)
            case grid.count - 1:
                grid.append(grid[grid.count - 1] * factor)
                losses.append(try loss(grid[grid.count - 1]))
            default:
                break extending
            }
        }
        return LearningRateChoice(best: grid[lowest(losses)], learningRates: grid, losses: losses)
    }
}

extension SPAMRuns {
    /// The LR of `method`: of `setup.learningRateGrid`, the one whose run (small size, first seed)
    /// ends with the lowest mean training loss over the last `setup.tuningWindow` steps (a
    /// diverged run ranks last), the grid extended past an edge best (`LearningRateChoice.search`).
    /// The LR chosen at the small size is used at both sizes, as the paper uses one LR for 60M and 130M.
    public func tunedLearningRate(_ method: SPAMMethod) throws -> LearningRateChoice {
        try LearningRateChoice.search(setup.learningRateGrid, extensions: SPAMSetup.gridExtensions) {
            try finalTrainingLoss(method, learningRate: $0)
        }
    }

    /// Mean training loss over the last `setup.tuningWindow` steps of the tuning run at `learningRate`.
    private func finalTrainingLoss(_ method: SPAMMethod, learningRate: Double) throws -> Double {
        let r = try run(method, size: setup.small, seed: setup.seeds[0], learningRate: learningRate)
        return r.diverged ? .infinity : Statistics.mean(Array(r.log.loss.suffix(setup.tuningWindow)))
    }

    /// The tuning runs as a table (method, LR, final training loss, chosen), their losses recorded
    /// as `lr_tuning.<method>.<lr>`.
    public func learningRateTable(numbers: inout [String: Double]) throws -> Table {
        var tuning = Table(id: "lr", title: "LR per method: mean training loss of the last \(setup.tuningWindow) steps (\(setup.small.paperName) stand-in, seed \(setup.seeds[0]))",
                           columns: ["method", "LR", "final training loss", "chosen"])
        for method in SPAMMethod.allCases {
            let choice = try tunedLearningRate(method)
            for (lr, loss) in zip(choice.learningRates, choice.losses) {
                tuning.append([.text(method.label), .text(formatLR(lr)), .number(loss, .fixed(4)), .text(lr == choice.best ? "yes" : "")])
                numbers["lr_tuning.\(method.rawValue).\(formatLR(lr))"] = loss
            }
        }
        tuning.notes = ["Each method's LR: the lowest final training loss on the grid \(setup.learningRateGrid.map(formatLR).joined(separator: ", ")), extended past an edge best by the same factor (at most \(SPAMSetup.gridExtensions) times); chosen at the small size, used at both (the paper uses one LR for 60M and 130M). Training loss ranks the LRs, so the evaluated sets play no part in the choice."]
        return tuning
    }
}
