import CSCKDSystem

/// Ctrl-C, SIGTERM and SIGHUP as a request to stop cleanly: the handlers only record the signal,
/// and every loop that reads (decoding, capture, a folder of pictures) checks it and winds down,
/// so that what was done so far is finalised instead of lost. SIGPIPE is ignored, so a closed
/// output pipe surfaces as EPIPE where it can be reported.
public enum StopSignal {
    /// Installs the handlers; call once, before work starts.
    public static func install() { sckd_install_stop_handlers() }

    /// Whether a stop has been requested.
    public static var isRequested: Bool { sckd_stop_signal() != 0 }
}

/// Settings some runtimes read only when they load (OpenMP's OMP_WAIT_POLICY): if `name` is
/// unset, sets it to `value` and re-executes this program with the same arguments. Returns only
/// when nothing had to be done or the re-execution failed.
public func reexecutingWithDefaultEnvironment(_ name: String, _ value: String) {
    sckd_reexec_with_default_env(name, value, CommandLine.unsafeArgv)
}
