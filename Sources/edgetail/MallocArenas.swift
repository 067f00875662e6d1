#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// glibc gives each thread that allocates under contention an arena of its own, up to
/// eight per core, and memory freed into one arena is not reused by another: a daemon
/// whose events are allocated on one thread and freed on another sees its heap grow
/// with the input (anonymous memory 89 MB after 400,000 lines and 146 MB after
/// 4,300,000 with `../shared/bench/edgetail_all.yaml`). With two arenas it stays at
/// 107–111 MB over the same lines — the usual setting for long-running multi-threaded
/// services. An operator's `MALLOC_ARENA_MAX` is left alone.
///
/// `mallopt` is declared in <malloc.h>, which the Glibc module does not include, so it is
/// looked up by name; `M_ARENA_MAX` is -8 there.
enum MallocArenas {
    static let limit: Int32 = 2
    static let arenaMaxParameter: Int32 = -8

    static func limitUnlessConfigured() {
        #if canImport(Glibc)
        guard ProcessInfo.processInfo.environment["MALLOC_ARENA_MAX"] == nil,
              let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "mallopt") else { return }
        typealias Mallopt = @convention(c) (Int32, Int32) -> Int32
        _ = unsafeBitCast(symbol, to: Mallopt.self)(arenaMaxParameter, limit)
        #endif
    }
}
