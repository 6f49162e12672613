import Foundation
import SpikeKernels
import SpikeModel
import SpikeTraining

/// Resolves what a user names with --checkpoint: a `model.safetensors` file, a checkpoint
/// directory (`.../checkpoints/step_000500`), or a run directory (its latest checkpoint).
struct CheckpointLocation {
    let weightsURL: URL
    /// The run directory the checkpoint belongs to, when it sits inside one.
    let runDirectory: URL?

    init(_ path: String) throws {
        let fm = FileManager.default
        var url = URL(fileURLWithPath: path)
        var isDir: ObjCBool = false
        guard fm.fileExists(atPath: url.path, isDirectory: &isDir) else {
            throw ValidationFailure("checkpoint \(path) does not exist")
        }
        if isDir.boolValue {
            let store = CheckpointStore(runDirectory: url)
            if let latest = store.steps().last {
                url = store.weightsURL(step: latest)
            } else {
                url = url.appendingPathComponent("model.safetensors")
            }
            guard fm.fileExists(atPath: url.path) else {
                throw ValidationFailure("\(path) holds neither model.safetensors nor checkpoints/step_*/model.safetensors")
            }
        }
        weightsURL = url
        // .../run/checkpoints/step_N/model.safetensors -> .../run
        let candidate = url.deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        runDirectory = fm.fileExists(atPath: candidate.appendingPathComponent("config.json").path) ? candidate : nil
    }

    /// Loads the model (config from the file's metadata) with its weights.
    func loadModel() throws -> LlamaModel {
        let file = try SafetensorsFile(contentsOf: weightsURL)
        do {
            guard let config = try LlamaModel.config(in: file) else {
                throw ValidationFailure("\(weightsURL.path) has no SpikeLab model config in its metadata")
            }
            let model = try LlamaModel(config: config)
            try model.loadWeights(from: file)
            return model
        } catch let error as ModelError {
            throw ValidationFailure("\(weightsURL.path): \(error)")
        }
    }
}

/// A user-facing error: printed as is, exit status 1.
struct ValidationFailure: Error, CustomStringConvertible {
    let description: String
    init(_ message: String) { description = message }
}
