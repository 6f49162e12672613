// swift-tools-version:6.0
import PackageDescription

// The Swift kernels are compiled for one fixed CPU level, haswell (x86-64-v3: AVX2, FMA, BMI2;
// every x86-64 CPU since Intel Haswell and AMD Zen), never for the building machine, so the same
// commit produces the same code and the same floats everywhere (Numerics.swiftTarget; README,
// "Same numbers"). The baseline x86-64 target is SSE2 only, and 8-lane loops would run at half
// width or spill. Swift does not contract a * b + c into an FMA, and reductions fix their own lane
// order.
let portableCPU = ["-target-cpu", "haswell"]

// Hot numeric modules are built with -Ounchecked and whole-module optimisation in release builds;
// tests run in debug, where bounds checks stay on.
let fast: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked", "-wmo"] + portableCPU, .when(configuration: .release)),
]

/// One executable per figure or table of a paper: `Sources/Figures/<paper>-<name>/main.swift`.
func figureExecutables(paper: String, library: String, _ names: [String]) -> [Target] {
    names.map { name in
        .executableTarget(name: "\(paper)-\(name)",
                          dependencies: [.target(name: library), "SpikeFigures", "SpikeAnalysis", "SpikeRuns", "SpikeTraining", "SpikeModel"],
                          path: "Sources/Figures/\(paper)-\(name)", swiftSettings: fast)
    }
}

let package = Package(
    name: "SpikeLab",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "spikelab", targets: ["spikelab"]),
        .executable(name: "spikelab-bench", targets: ["spikelab-bench"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
    ],
    targets: [
        // Layer 1: BLAS, tensor storage, RNG, parallel elementwise kernels, safetensors.
        .systemLibrary(name: "CBLAS", path: "Sources/CBLAS"),
        .target(name: "CFloatingPoint", path: "Sources/CFloatingPoint"),
        .target(name: "SpikeKernels", dependencies: ["CBLAS", "CFloatingPoint"], swiftSettings: fast),
        // Layer 2: parameter store, layers with forward and backward, init schemes.
        .target(name: "SpikeModel", dependencies: ["SpikeKernels"], swiftSettings: fast),
        // Layer 3: optimisers, schedule, clipping, the training step and its observers, checkpoints.
        .target(name: "SpikeTraining", dependencies: ["SpikeModel", "SpikeKernels"], swiftSettings: fast),
        // Corpora, BPE tokenizer, evaluation sets (imports only the kernels: atomic writes, JSON strings).
        .target(name: "SpikeData", dependencies: ["SpikeKernels"], swiftSettings: fast),
        // Layer 4: run directories (the trainer, every run file with its writer and reader), the
        // run cache, the training data of a run config.
        .target(name: "SpikeRuns", dependencies: ["SpikeTraining", "SpikeData", "SpikeModel", "SpikeKernels"], swiftSettings: fast),
        // Layer 5: perplexity and other analyses.
        .target(name: "SpikeAnalysis", dependencies: ["SpikeData", "SpikeTraining", "SpikeModel", "SpikeKernels"], swiftSettings: fast),
        // Layer 6: the figure pipeline: run cache, gnuplot output, tables, claim verdicts, report.
        .target(name: "SpikeFigures", dependencies: ["SpikeAnalysis", "SpikeRuns", "SpikeData", "SpikeTraining", "SpikeModel", "SpikeKernels",
                                                     .product(name: "ArgumentParser", package: "swift-argument-parser")],
                swiftSettings: fast),
        // The papers: one library of shared setup per paper, one executable per figure or table.
        .target(name: "PaperLMC", dependencies: ["SpikeFigures", "SpikeAnalysis", "SpikeRuns", "SpikeData", "SpikeTraining", "SpikeModel"],
                swiftSettings: fast),
        .target(name: "PaperWeSaR", dependencies: ["SpikeFigures", "SpikeAnalysis", "SpikeRuns", "SpikeData", "SpikeTraining", "SpikeModel",
                                                   "SpikeKernels"],
                swiftSettings: fast),
        .target(name: "PaperSPAM", dependencies: ["SpikeFigures", "SpikeAnalysis", "SpikeRuns", "SpikeTraining", "SpikeModel"],
                swiftSettings: fast),
        .target(name: "PaperAdam", dependencies: ["SpikeFigures", "SpikeAnalysis", "SpikeRuns", "SpikeTraining", "SpikeModel"],
                swiftSettings: fast),
        // Layer 7: executables.
        .executableTarget(name: "spikelab", dependencies: [
            "SpikeFigures", "SpikeAnalysis", "SpikeRuns", "SpikeData", "SpikeTraining", "SpikeModel", "SpikeKernels",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),
        .executableTarget(name: "spikelab-bench", dependencies: [
            "SpikeAnalysis", "SpikeRuns", "SpikeTraining", "SpikeModel", "SpikeKernels",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ], swiftSettings: fast),
        .testTarget(name: "SpikeKernelsTests", dependencies: ["SpikeKernels"]),
        .testTarget(name: "SpikeModelTests", dependencies: ["SpikeModel", "SpikeKernels"]),
        .testTarget(name: "SpikeTrainingTests", dependencies: ["SpikeTraining", "SpikeModel", "SpikeKernels"]),
        .testTarget(name: "SpikeDataTests", dependencies: ["SpikeData"]),
        // Small runs and temporary directories shared by the tests of the runs layer and above.
        .target(name: "SpikeTestSupport", dependencies: ["SpikeRuns", "SpikeTraining", "SpikeModel"], path: "Tests/SpikeTestSupport"),
        .testTarget(name: "SpikeRunsTests", dependencies: ["SpikeRuns", "SpikeTestSupport", "SpikeTraining", "SpikeData", "SpikeModel", "SpikeKernels"]),
        .testTarget(name: "SpikeFiguresTests", dependencies: ["SpikeFigures", "SpikeRuns", "SpikeTestSupport", "SpikeAnalysis", "SpikeTraining", "SpikeModel", "SpikeKernels"]),
        .testTarget(name: "SpikeAnalysisTests", dependencies: ["SpikeAnalysis", "SpikeData", "SpikeModel", "SpikeKernels"]),
        .testTarget(name: "PaperTests", dependencies: ["PaperWeSaR", "PaperLMC", "PaperSPAM", "PaperAdam", "SpikeFigures", "SpikeRuns", "SpikeTestSupport", "SpikeTraining", "SpikeModel", "SpikeKernels"]),
    ]
        + figureExecutables(paper: "lmc", library: "PaperLMC", ["lr-sweep", "table1", "fig4", "fig11", "fig12-15", "fig16-19", "knobs", "spike-map"])
        + figureExecutables(paper: "wesar", library: "PaperWeSaR",
                            ["lr-sweep", "table1", "tables4-5", "table6", "fig1", "fig2", "table2", "table3"])
        + figureExecutables(paper: "spam", library: "PaperSPAM", ["gss", "table", "loss"])
        + figureExecutables(paper: "adam", library: "PaperAdam", ["update-histograms", "grad-norms", "mitigations"]),
    // Numeric kernels pass raw pointers into concurrentPerform; Swift 5 mode keeps that readable.
    swiftLanguageModes: [.v5]
)
