import Foundation
import SpikeKernels
import SpikeModel

/// A run's checkpoints: `checkpoints/step_NNNNNN/` holding `model.safetensors` (weights, Hugging
/// Face Llama names, with the model config, run config and step in the metadata) and
/// `optimizer.safetensors` (the optimiser's `stateTensors` under their names, e.g. AdamW's
/// `m.<name>` / `v.<name>`, its `stateMetadata` and the step in the metadata).
/// A checkpoint directory is built under a temporary name and renamed into place, so a directory
/// with the final name is always complete.
public struct CheckpointStore {
    public let directory: URL
    /// Optimiser state is kept for this many most recent checkpoints; nil: for every checkpoint,
    /// so a run can be rewound to any of them (weights are always kept for all).
    public var keepOptimizerStates: Int? = nil

    public init(runDirectory: URL) {
        directory = runDirectory.appendingPathComponent("checkpoints")
    }

    public func url(step: Int) -> URL { directory.appendingPathComponent(String(format: "step_%06d", step)) }
    public func weightsURL(step: Int) -> URL { url(step: step).appendingPathComponent("model.safetensors") }

    /// Steps with a complete checkpoint, ascending.
    public func steps() -> [Int] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.compactMap { name -> Int? in
            guard name.hasPrefix("step_"), !name.contains(".") else { return nil }
            return Int(name.dropFirst(5))
        }.sorted()
    }

    /// The latest step whose optimiser state is present (a resumable checkpoint).
    public func latestResumable() -> Int? { steps().last(where: isResumable) }

    public func optimizerURL(step: Int) -> URL { url(step: step).appendingPathComponent("optimizer.safetensors") }

    /// Whether checkpoint `step` holds optimiser state (a run can resume or be rewound there).
    public func isResumable(step: Int) -> Bool { FileManager.default.fileExists(atPath: optimizerURL(step: step).path) }

    /// Removes the staging directories of checkpoints whose writer is gone (killed mid-write), so
    /// they neither pile up nor keep a full disk full. Another live process's staging is left alone.
    public func removeAbandonedStaging() {
        let fm = FileManager.default
        for name in (try? fm.contentsOfDirectory(atPath: directory.path)) ?? [] where name.hasPrefix(".staging_") {
            guard let pid = name.split(separator: "_").last.flatMap({ Int32($0) }) else { continue }
            if pid == getpid() || kill(pid, 0) != 0 && errno == ESRCH {
                try? fm.removeItem(at: directory.appendingPathComponent(name))
            }
        }
    }

    public func save(model: LlamaModel, optimizer: Optimizer, step: Int, runConfig: RunConfig) throws {
        let fm = FileManager.default
        let final = url(step: step)
        let staging = directory.appendingPathComponent(".staging_\(step)_\(getpid())")
        try? fm.removeItem(at: staging)
        try fm.createDirectory(at: staging, withIntermediateDirectories: true)
        let runJSON = String(decoding: runConfig.canonicalJSON, as: UTF8.self)
        let weights = model.weightsFile(metadata: ["format": "pt", "config": model.config.canonicalJSON,
                                                   "step": String(step), "run_config": runJSON])
        try weights.write(to: staging.appendingPathComponent("model.safetensors"))
        var state = SafetensorsFile()
        for tensor in optimizer.stateTensors { state.add(tensor.name, shape: tensor.shape, floats: UnsafeBufferPointer(tensor.values)) }
        state.metadata = optimizer.stateMetadata.merging(["step": String(step)]) { own, _ in own }
        try state.write(to: staging.appendingPathComponent("optimizer.safetensors"))
        try? fm.removeItem(at: final)
        guard rename(staging.path, final.path) == 0 else {
            throw TrainingError.io("cannot move checkpoint into place at \(final.path): \(String(cString: strerror(errno)))")
        }
        // Drop older optimiser states if asked to; the weights stay for analyses (distances, interpolation).
        if let keep = keepOptimizerStates {
            for old in steps().filter(isResumable).dropLast(keep) { try? fm.removeItem(at: optimizerURL(step: old)) }
        }
    }

    /// Restores weights and optimiser state of checkpoint `step`.
    public func restore(step: Int, model: LlamaModel, optimizer: Optimizer) throws {
        let dir = url(step: step)
        do {
            let weights = dir.appendingPathComponent("model.safetensors")
            do { try model.loadWeights(from: SafetensorsFile(contentsOf: weights)) } catch let ModelError.checkpoint(message) {
                throw TrainingError.checkpoint("\(weights.path): \(message)")
            }
            let state = try SafetensorsFile(contentsOf: optimizerURL(step: step))
            // The counters first: they may set the sizes of the tensors (SPAM's masked moments).
            do { try optimizer.restore(metadata: state.metadata) } catch let TrainingError.checkpoint(message) {
                throw TrainingError.checkpoint("\(optimizerURL(step: step).path): \(message)")
            }
            for tensor in optimizer.stateTensors {
                try state.read(tensor.name, shape: tensor.shape, into: tensor.values.baseAddress!)
                if !tensor.values.allSatisfy({ $0.isFinite }) {
                    throw TrainingError.checkpoint("\(optimizerURL(step: step).path): optimiser state \(tensor.name) holds non-finite values")
                }
            }
        } catch let error as TrainingError {
            throw error
        } catch {
            throw TrainingError.checkpoint("cannot resume from \(dir.path): \(error)")
        }
    }
}
