import Foundation
import SpikeKernels
import SpikeModel

/// A run's checkpoints: `checkpoints/step_NNNNNN/` holding `model.safetensors` (weights, Hugging
/// Face Llama names, with the model config, run config and step in the metadata) and
/// `optimizer.safetensors` (AdamW m and v as `m.<name>` / `v.<name>`, step in the metadata).
/// A checkpoint directory is built under a temporary name and renamed into place, so a directory
/// with the final name is always complete.
public struct CheckpointStore {
    public let directory: URL
    /// Optimiser state is kept for this many most recent checkpoints (weights are kept for all).
    public var keepOptimizerStates = 1

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
    public func latestResumable() -> Int? {
        steps().last { FileManager.default.fileExists(atPath: url(step: $0).appendingPathComponent("optimizer.safetensors").path) }
    }

    public func save(model: LlamaModel, optimizer: AdamW, step: Int, runConfig: RunConfig) throws {
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
        for spec in model.layout.specs {
            state.add("m." + spec.name, shape: spec.shape, floats: UnsafeBufferPointer(start: optimizer.m.pointer + spec.offset, count: spec.count))
            state.add("v." + spec.name, shape: spec.shape, floats: UnsafeBufferPointer(start: optimizer.v.pointer + spec.offset, count: spec.count))
        }
        state.metadata = ["step": String(step), "adam_step": String(optimizer.step)]
        try state.write(to: staging.appendingPathComponent("optimizer.safetensors"))
        try? fm.removeItem(at: final)
        guard rename(staging.path, final.path) == 0 else {
            throw TrainingError.io("cannot move checkpoint into place at \(final.path): \(String(cString: strerror(errno)))")
        }
        // Drop older optimiser states; the weights stay for analyses (distances, interpolation).
        let resumable = steps().filter { fm.fileExists(atPath: url(step: $0).appendingPathComponent("optimizer.safetensors").path) }
        for old in resumable.dropLast(keepOptimizerStates) {
            try? fm.removeItem(at: url(step: old).appendingPathComponent("optimizer.safetensors"))
        }
    }

    /// Restores weights and optimiser state of checkpoint `step`.
    public func restore(step: Int, model: LlamaModel, optimizer: AdamW) throws {
        let dir = url(step: step)
        do {
            try model.loadWeights(from: SafetensorsFile(contentsOf: dir.appendingPathComponent("model.safetensors")))
            let state = try SafetensorsFile(contentsOf: dir.appendingPathComponent("optimizer.safetensors"))
            for spec in model.layout.specs {
                try state.read("m." + spec.name, shape: spec.shape, into: optimizer.m.pointer + spec.offset)
                try state.read("v." + spec.name, shape: spec.shape, into: optimizer.v.pointer + spec.offset)
            }
            guard let adamStep = state.metadata["adam_step"].flatMap(Int.init) else {
                throw TrainingError.checkpoint("optimizer state in \(dir.path) has no adam_step metadata")
            }
            optimizer.step = adamStep
        } catch let error as TrainingError {
            throw error
        } catch {
            throw TrainingError.checkpoint("cannot resume from \(dir.path): \(error)")
        }
    }
}
