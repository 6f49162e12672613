import Foundation
import SpikeKernels

extension LlamaModel {
    /// The parameters as a safetensors file with Hugging Face Llama tensor names.
    public func weightsFile(metadata: [String: String] = [:]) -> SafetensorsFile {
        var file = SafetensorsFile()
        for spec in layout.specs {
            file.add(spec.name, shape: spec.shape,
                     floats: UnsafeBufferPointer(start: parameters.pointer + spec.offset, count: spec.count))
        }
        file.metadata = metadata
        return file
    }

    /// Loads every parameter from `file`, checking names, shapes and that every value is finite
    /// (a training run never saves a non-finite weight, so one is damage, not divergence).
    public func loadWeights(from file: SafetensorsFile) throws {
        for spec in layout.specs {
            do {
                try file.read(spec.name, shape: spec.shape, into: parameters.pointer + spec.offset)
            } catch {
                throw ModelError.checkpoint("\(error)")
            }
            if !UnsafeBufferPointer(start: parameters.pointer + spec.offset, count: spec.count).allSatisfy({ $0.isFinite }) {
                throw ModelError.checkpoint("tensor \(spec.name) holds non-finite values: the weights are damaged")
            }
        }
    }

    /// The config embedded in a weights file's metadata (key "config"), when present; validated,
    /// since a damaged or foreign file's sizes must not reach the allocator.
    public static func config(in file: SafetensorsFile) throws -> ModelConfig? {
        guard let json = file.metadata["config"] else { return nil }
        let config: ModelConfig
        do {
            config = try StrictJSON.decode(ModelConfig.self, from: Data(json.utf8))
        } catch {
            throw ModelError.checkpoint("the checkpoint's config metadata cannot be read: \(error)")
        }
        do { try config.validate() } catch {
            throw ModelError.checkpoint("the checkpoint's config metadata is not a usable model: \(error)")
        }
        return config
    }
}

extension ModelConfig {
    /// Canonical JSON (sorted keys): the same config always gives the same bytes. Frozen: these
    /// bytes are in every checkpoint's metadata and, inside `RunConfig.canonicalJSON`, in every
    /// run's cache hash, so they stay JSONEncoder's rather than `CanonicalJSON`'s layout
    /// (ModelConfigJSONTests pins them).
    public var canonicalJSON: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try! encoder.encode(self), as: UTF8.self)
    }
}
