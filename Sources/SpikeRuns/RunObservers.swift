import Foundation
import SpikeModel
import SpikeTraining

/// The step observers a run config asks for, each writing its own file in the run directory. A new
/// statistic is one observer type plus one line here, switched on by an optional config key (so
/// the hashes of configs without it do not change).
public enum RunObservers {
    /// - `resumeStep`: the first update of this call (the observers keep their rows below it).
    /// - `parentDirectory`: a rewound run's parent, whose rows below `resumeStep` a new file inherits.
    /// - `runsRoot`: where runs are found by hash (gradient spike scores' pass 1).
    public static func make(for config: RunConfig, model: LlamaModel, runDirectory: URL, resumeStep: Int,
                            parentDirectory: URL?, runsRoot: URL) throws -> [StepObserver] {
        var observers: [StepObserver] = []
        if config.tensorStatistics {
            observers.append(try TensorStatisticsObserver(model: model, runDirectory: runDirectory, resumeStep: resumeStep,
                                                          parentDirectory: parentDirectory))
        }
        if let schedule = config.probe {
            observers.append(try HeldOutProbeObserver(config: config, schedule: schedule, batch: try TrainingData.probeBatch(config),
                                                      runDirectory: runDirectory, resumeStep: resumeStep, parentDirectory: parentDirectory))
        }
        if let schedule = config.adamStatistics {
            observers.append(try AdamStatisticsObserver(config: config, schedule: schedule, runDirectory: runDirectory,
                                                        resumeStep: resumeStep, parentDirectory: parentDirectory))
        }
        if let schedule = config.updateHistograms {
            observers.append(try UpdateHistogramObserver(config: config, schedule: schedule, runDirectory: runDirectory,
                                                         resumeStep: resumeStep, parentDirectory: parentDirectory))
        }
        if let settings = config.sharpness {
            observers.append(try SharpnessObserver(config: config, settings: settings, batch: try TrainingData.probeBatch(config),
                                                   runDirectory: runDirectory, resumeStep: resumeStep, parentDirectory: parentDirectory))
        }
        if let scores = config.gradientSpikeScores {
            if let passOne = scores.meanOf {
                observers.append(try GradientSpikesObserver(config: config, model: model, runDirectory: runDirectory,
                                                            passOne: runsRoot.appendingPathComponent(passOne, isDirectory: true),
                                                            resumeStep: resumeStep, parentDirectory: parentDirectory))
            } else {
                observers.append(try GradientAbsSumObserver(config: config, model: model, runDirectory: runDirectory,
                                                            resumeStep: resumeStep, parentDirectory: parentDirectory))
            }
        }
        return observers
    }
}
