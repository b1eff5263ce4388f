import ArgumentParser
import Foundation
import SCKDMedia
import SCKDPipeline
import SCKDSystem

/// Everything the CLI says goes to stderr (stdout carries media data): errors always, one line
/// each; information unless --quiet; a progress line when stderr is a terminal or --progress.
final class Console {
    let quiet: Bool
    let showProgress: Bool
    let isTerminal: Bool
    private var lastProgress = -1.0
    private var progressShown = false

    init(quiet: Bool, forceProgress: Bool) {
        self.quiet = quiet
        isTerminal = isatty(2) != 0
        showProgress = !quiet && (forceProgress || isTerminal)
    }

    func error(_ message: String) { write("sckd: error: \(message)\n") }
    func warning(_ message: String) { if !quiet { write("sckd: warning: \(message)\n") } }
    func info(_ message: String) { if !quiet { write("sckd: \(message)\n") } }

    func progress(_ p: JobProgress) {
        guard showProgress else { return }
        // Terminals get a line redrawn a few times a second; logs get a line per second.
        let interval = isTerminal ? 0.25 : 1.0
        guard p.elapsed - lastProgress >= interval else { return }
        lastProgress = p.elapsed
        var line = "frame \(p.frames)"
        if let n = p.expectedFrames, n > 0 { line += "/\(n) (\(min(100, p.frames * 100 / n))%)" }
        line += String(format: "  %.1f fps  elapsed %@", p.fps, clock(p.elapsed))
        if let eta = p.eta { line += "  ETA \(clock(eta))" }
        write(isTerminal ? "\r\(line)\u{1B}[K" : "\(line)\n")
        progressShown = true
    }

    func endProgress() {
        if progressShown && isTerminal { write("\n") }
        progressShown = false
    }

    private func clock(_ s: Double) -> String {
        let t = Int(s.rounded())
        return t >= 3600 ? String(format: "%d:%02d:%02d", t / 3600, t / 60 % 60, t % 60) : String(format: "%d:%02d", t / 60, t % 60)
    }

    private func write(_ s: String) { FileHandle.standardError.write(s.data(using: .utf8)!) }
}

/// A failure the CLI explains in its own words (one line), where no lower layer's error applies.
struct CommandError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs a job and turns how it failed into the exit status a user sees: its own status if it set
/// one, 141 when the reader of stdout went away (as a process killed by SIGPIPE, but after
/// cleaning up), 130 after a stop signal, else 1, each failure said in one line.
func reportingFailures<T>(_ console: Console, _ body: () throws -> T) throws -> T {
    do {
        return try body()
    } catch MediaError.outputPipeClosed {
        console.endProgress()
        throw ExitCode(141)
    } catch let error as ExitCode {
        throw error
    } catch {
        console.endProgress()
        console.error("\(error)")
        throw ExitCode(StopSignal.isRequested ? 130 : 1)
    }
}
