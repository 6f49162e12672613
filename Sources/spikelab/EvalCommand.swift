import ArgumentParser
import Foundation

struct EvalCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Evaluate a checkpoint: WikiText-2 and LAMBADA perplexity (prints and writes JSON).")

    @Option(help: "A model.safetensors file, a checkpoint directory or a run directory (latest checkpoint).")
    var checkpoint: String

    func run() throws {
        throw ValidationFailure("eval is not available yet")
    }
}
