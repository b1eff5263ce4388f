import CSCKDSystem

/// The cores this process may really use. A cluster task, a container or `taskset` gets a share
/// of a machine's cores; sizing thread pools by the machine's count instead would oversubscribe
/// that share many times over.
public var availableCores: Int { Int(sckd_available_cpus()) }
