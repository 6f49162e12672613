import ArgumentParser
import SpikeKernels

@main
struct SpikeLabCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "spikelab",
        abstract: "Train, evaluate and export the tiny Llama-style models of the SpikeLab suite.",
        subcommands: [TrainCommand.self, EvalCommand.self, ExportCommand.self, ReportCommand.self, CheckCommand.self, PublishCommand.self, SpikesCommand.self])

    static func main() {
        Numerics.selectKernels()
        main(nil)
    }
}
