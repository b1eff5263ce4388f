import ArgumentParser

@main
struct SCKD: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sckd",
        abstract: "Make night-time video look like daylight, on the CPU, in real time.",
        discussion: """
        Examples:
          sckd enhance night.mp4 -o bright.mp4
          sckd enhance night.mp4 -o - -f nut | ffplay -
        """,
        version: "0.1.0",
        subcommands: [Enhance.self, ImageCommand.self, EvalCommand.self, InfoCommand.self, BenchCommand.self]
    )
}
