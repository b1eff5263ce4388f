// Process-level plumbing Swift cannot express safely: async-signal-safe stop flags.
#ifndef SCKD_SYSTEM_H
#define SCKD_SYSTEM_H

/// Installs SIGINT/SIGTERM/SIGHUP handlers that only record the signal (async-signal-safe), and ignores
/// SIGPIPE so that a closed pipe surfaces as EPIPE from write() instead of killing the process.
void sckd_install_stop_handlers(void);

/// The signal that asked us to stop (SIGINT, SIGTERM or SIGHUP), or 0.
int sckd_stop_signal(void);

/// Sets the stop flag as if `signal` had arrived (tests, and internal aborts).
void sckd_request_stop(int signal);

/// How many stop signals arrived; the third restores the default action, so a stuck run can
/// still be killed.
int sckd_stop_count(void);


/// If environment variable `name` is unset: sets it to `value` and re-executes this program with
/// the same arguments (for settings a runtime reads only when it loads, such as OpenMP's
/// OMP_WAIT_POLICY). Returns only if nothing had to be done or the re-exec failed.
void sckd_reexec_with_default_env(const char *name, const char *value, char *const argv[]);

/// The CPUs this process may use: those of its affinity mask (taskset, Slurm, docker --cpuset),
/// fewer if a cgroup v2 CPU quota (Kubernetes limits, docker --cpus) allows less, rounded up; at
/// least 1.
int sckd_available_cpus(void);

#endif
