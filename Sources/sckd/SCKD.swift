import ArgumentParser
import SCKDSystem
import Foundation

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
          sckd plan night.mp4 --segments 8 -o night.json     (then, on many machines:)
          sckd enhance --manifest night.json --segment K     (K = 0 … 7)
          sckd join night.json -o bright.mp4
        """,
        version: "0.1.0",
        subcommands: [Enhance.self, CameraCommand.self, ImageCommand.self, EvalCommand.self, InfoCommand.self, BenchCommand.self,
                      PlanCommand.self, JoinCommand.self]
    )

    /// OpenMP threads that spin at barriers stall for hundreds of milliseconds when the cores are
    /// shared (decoder, encoder, other workers, other programs): hundreds of times slower than
    /// passive waiting for small frames on a busy machine. libgomp reads the
    /// policy only when it loads, so sckd re-executes itself once with it set (unless the user set
    /// it). Uncontended, passive costs a little in `sckd bench` but wins end to end.
    static func main() {
        reexecutingWithDefaultEnvironment("OMP_WAIT_POLICY", "passive")
        var command: ParsableCommand
        do {
            command = try parseAsRoot(nil)
        } catch {
            exit(withError: error)  // usage errors: the message and the usage, exit 64
        }
        do {
            try command.run()
        } catch where error is ExitCode || error is CleanExit || error is ValidationError || isParserError(error) {
            exit(withError: error)  // help, version, usage errors: the parser's own output and status
        } catch {
            // Anything a command did not report itself: one line, never a framework's dump.
            FileHandle.standardError.write(Data("sckd: error: \(error)\n".utf8))
            exit(withError: ExitCode.failure)
        }
    }
}

/// `help` and `--help` reach `run()` as the argument parser's own (internal) error type, which only
/// it knows how to print.
private func isParserError(_ error: Error) -> Bool {
    String(reflecting: type(of: error)).hasPrefix("ArgumentParser.")
}
