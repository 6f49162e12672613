import Foundation

/// How the suite pins its arithmetic down, so that the same commit and seed give the same bytes
/// on any x86-64 machine, Intel or AMD, AVX2 or AVX-512.
///
/// - Matrix products: OpenBLAS's kernel family is chosen here, not detected: the portable mode
///   always runs the `Haswell` kernels (AVX2 + FMA, which every x86-64 CPU since Intel Haswell and
///   AMD Zen runs), and the products split their rows at points that depend on the shape only.
/// - Swift kernels: compiled for one instruction-set level (`swiftTarget`, Package.swift), never
///   for the building machine.
/// - `SPIKELAB_NUMERICS=native` opts out: OpenBLAS keeps the family it detects (or the one
///   OPENBLAS_CORETYPE names), which may be faster and may give other floats. The mode and the
///   family are part of every run's hash (`fingerprint.runHashKey`), so such runs are cached apart.
public enum Numerics {
    public enum Mode: String, Codable, Sendable, CaseIterable { case portable, native }

    public static let environmentVariable = "SPIKELAB_NUMERICS"
    /// The OpenBLAS kernel family of the portable mode.
    public static let portableCoreType = "Haswell"
    /// The CPU level the Swift kernels are compiled for (LLVM's haswell, i.e. x86-64-v3; see Package.swift).
    public static let swiftTarget = "haswell"
    /// The CPU features the portable mode needs (those of `portableCoreType` and `swiftTarget`).
    public static let requiredCPUFeatures = ["avx2", "fma", "bmi2", "f16c", "movbe"]

    /// The mode `SPIKELAB_NUMERICS` names (default: portable); anything else is an error.
    public static func mode(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Mode {
        guard let value = environment[environmentVariable], !value.isEmpty else { return .portable }
        guard let mode = Mode(rawValue: value) else {
            throw NumericsError("\(environmentVariable)=\(value) is not a numerics mode (use portable or native)")
        }
        return mode
    }

    /// Loads the kernel family of the mode. OpenBLAS fixes its family when the library loads, so
    /// an executable calls this first thing: when the loaded family is not the mode's, it sets
    /// OPENBLAS_CORETYPE and re-executes itself once with the same arguments. Exits with a message
    /// (status 2) when the mode cannot run on this CPU.
    public static func selectKernels() {
        do {
            switch try mode() {
            case .portable:
                let missing = requiredCPUFeatures.filter { !Blas.cpuFlags().contains($0) }
                guard missing.isEmpty else {
                    throw NumericsError("this CPU lacks \(missing.joined(separator: ", ")), which the portable numerics need; "
                                        + "set \(environmentVariable)=native to run with other (machine-specific) numbers")
                }
                if Blas.coreName == portableCoreType { return }
                reexecute(coreType: portableCoreType)
            case .native:
                guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil,
                      let better = Blas.betterCoreType(loaded: Blas.coreName, cpuFlags: Blas.cpuFlags()) else { return }
                reexecute(coreType: better)
            }
        } catch {
            FileHandle.standardError.write(Data("error: \(error)\n".utf8))
            exit(2)
        }
    }

    /// Re-executes this process with OPENBLAS_CORETYPE set, unless it already was (then OpenBLAS
    /// could not load that family: carry on, and the fingerprint says which family ran).
    private static func reexecute(coreType: String) {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] != coreType else { return }
        setenv("OPENBLAS_CORETYPE", coreType, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // exec failed (no /proc?): carry on with the loaded kernels; the fingerprint records them.
    }

    /// What determined this process's arithmetic.
    public static var fingerprint: Fingerprint {
        Fingerprint(mode: (try? mode()) ?? .portable, blasVersion: Blas.version, blasCore: Blas.coreName,
                    swiftTarget: swiftTarget, swiftCompiler: swiftCompiler)
    }

    /// The Swift compiler that built the kernels (its code generation is part of the arithmetic).
    public static var swiftCompiler: String {
        #if compiler(>=6.4)
        return ">=6.4"
        #elseif compiler(>=6.3)
        return "6.3"
        #elseif compiler(>=6.2)
        return "6.2"
        #else
        return "<6.2"
        #endif
    }
}

/// The numerics of a run or figure, as recorded in `result.json` and every figure's JSON.
public struct Fingerprint: Codable, Equatable, Hashable, Sendable, CustomStringConvertible {
    public var mode: Numerics.Mode
    /// e.g. "OpenBLAS 0.3.21"
    public var blasVersion: String
    /// The OpenBLAS kernel family that ran, e.g. "Haswell".
    public var blasCore: String
    public var swiftTarget: String
    public var swiftCompiler: String

    public init(mode: Numerics.Mode, blasVersion: String, blasCore: String, swiftTarget: String, swiftCompiler: String) {
        self.mode = mode; self.blasVersion = blasVersion; self.blasCore = blasCore
        self.swiftTarget = swiftTarget; self.swiftCompiler = swiftCompiler
    }

    public var description: String {
        "\(mode.rawValue): \(blasVersion) \(blasCore) kernels, Swift \(swiftCompiler) kernels for \(swiftTarget)"
    }

    /// The part of a run's hash that names its arithmetic.
    public var runHashKey: String { "\(mode.rawValue) \(blasVersion) \(blasCore) \(swiftTarget) swift \(swiftCompiler)" }
}

public struct NumericsError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ message: String) { description = message }
}
