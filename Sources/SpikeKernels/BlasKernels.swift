import CBLAS
import Foundation

extension Blas {
    /// The kernel family OpenBLAS chose when it loaded (DYNAMIC_ARCH builds), e.g. "SkylakeX".
    public static var coreName: String {
        guard let name = openblas_get_corename() else { return "unknown" }
        return String(cString: name).trimmingCharacters(in: .whitespaces)
    }

    /// OpenBLAS's build description (version, DYNAMIC_ARCH, threading).
    public static var buildConfig: String {
        guard let config = openblas_get_config() else { return "unknown" }
        return String(cString: config).trimmingCharacters(in: .whitespaces)
    }

    /// OpenBLAS 0.3.21 (Debian 12) does not recognise recent Xeons and falls back to its SSE3
    /// "Prescott" kernels, 4-5x slower than the AVX-512 ones on this project's machines. The kernel
    /// family is fixed when the library loads, so an executable calls this first thing: when the
    /// CPU supports a better family than the one loaded and the user has not chosen one, it sets
    /// OPENBLAS_CORETYPE and re-executes itself (same arguments). The choice depends only on the
    /// CPU, so results stay reproducible on a given machine.
    public static func selectFastestKernels() {
        guard ProcessInfo.processInfo.environment["OPENBLAS_CORETYPE"] == nil else { return }
        guard let better = betterCoreType(loaded: coreName, cpuFlags: cpuFlags()) else { return }
        setenv("OPENBLAS_CORETYPE", better, 1)
        execv("/proc/self/exe", CommandLine.unsafeArgv)
        // exec failed (no /proc?): carry on with the loaded kernels.
    }

    /// The kernel family to force, or nil to keep the loaded one.
    static func betterCoreType(loaded: String, cpuFlags: Set<String>) -> String? {
        let legacy: Set<String> = ["prescott", "core2", "penryn", "dunnington", "nehalem", "atom", "katmai",
                                   "coppermine", "northwood", "banias", "generic", "sandybridge"]
        guard legacy.contains(loaded.lowercased()) else { return nil }
        if ["avx512f", "avx512bw", "avx512dq", "avx512vl", "avx512cd"].allSatisfy(cpuFlags.contains) { return "SkylakeX" }
        if ["avx2", "fma"].allSatisfy(cpuFlags.contains) { return "Haswell" }
        return nil
    }

    /// The CPU feature flags of the first processor in /proc/cpuinfo (empty where unavailable).
    public static func cpuFlags() -> Set<String> {
        guard let info = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8),
              let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags") }),
              let colon = line.firstIndex(of: ":") else { return [] }
        return Set(line[line.index(after: colon)...].split(separator: " ").map(String.init))
    }
}
