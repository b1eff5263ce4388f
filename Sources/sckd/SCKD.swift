import ArgumentParser
import CSCKDSystem

@main
struct SCKD: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sckd",
        abstract: "Make night-time video look like daylight, on the CPU, in real time.",
        discussion: """
        Examples:
          sckd enhance night.mp4 -o bright.mp4
          sckd enhance night.mp4 -o - -f nut | ffplay -
          sckd camera /dev/video0 -o - -f nut | ffplay -
          sckd image dark.png -o bright.png
          sckd eval --low low/ --high high/
          sckd bench
        """,
        version: "0.1.0",
        subcommands: [Enhance.self, CameraCommand.self, ImageCommand.self, EvalCommand.self, InfoCommand.self, BenchCommand.self]
    )

    /// OpenMP threads that spin at barriers stall for hundreds of milliseconds when the cores are
    /// shared (decoder, encoder, other workers, other programs): measured 384 ms for a 96x64 frame
    /// with OMP_WAIT_POLICY=active on a busy 2-core machine, 0.7 ms passive. libgomp reads the
    /// policy only when it loads, so sckd re-executes itself once with it set (unless the user set
    /// it). Uncontended, passive costs ~15 % in `sckd bench` but wins end to end (26.9 vs 25.7 fps).
    static func main() {
        sckd_reexec_with_default_env("OMP_WAIT_POLICY", "passive", CommandLine.unsafeArgv)
        main(nil)
    }
}
