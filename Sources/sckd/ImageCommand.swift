import ArgumentParser
import SCKDSystem
import Foundation
import SCKDCore
import SCKDMedia

struct ImageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "image",
        abstract: "Enhance still pictures (PNG, JPEG, WebP, BMP, …) and folders of them into PNGs.",
        discussion: """
        With one input file, -o may name the PNG to write; otherwise -o is a folder (created if \
        needed) that receives <name>.png for each input. Pictures of any size work: large ones are \
        processed in tiles with bounded memory.
        """
    )

    @Argument(help: "Image files or folders of images.")
    var inputs: [String]

    @Option(name: .shortAndLong, help: "Output PNG (one input) or folder.")
    var output: String

    @OptionGroup var modelOptions: ModelOptions

    @Flag(name: [.customShort("y"), .customLong("overwrite")], help: "Overwrite existing outputs.")
    var overwrite = false

    @Flag(help: "Print nothing but errors.")
    var quiet = false

    func run() throws {
        StopSignal.install()
        let console = Console(quiet: quiet, forceProgress: false)
        let (jobs, enhancer) = try reportingFailures(console) { (try plan(), try modelOptions.makeEnhancer(telling: console)) }
        var failures = 0
        for job in jobs {
            if StopSignal.isRequested { throw ExitCode(130) }
            do {
                let start = DispatchTime.now().uptimeNanoseconds
                let picture = try StillImage.read(job.input)
                let enhanced = try enhancer.enhance(picture)
                try StillImage.writePNG(enhanced, to: job.output)
                let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                console.info("\(job.input) (\(picture.width)x\(picture.height)) -> \(job.output.path) in \(Int(ms)) ms")
            } catch {
                console.error("\(error)")
                failures += 1
            }
        }
        if failures > 0 { throw ExitCode.failure }
    }

    /// Every input with its destination, checked before any picture is enhanced: no destination
    /// is an input or is claimed twice, and none exists unless -y.
    private func plan() throws -> [(input: String, output: OutputFile)] {
        var files: [String] = []
        for input in inputs {
            if isDirectory(input) {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: input)) ?? []
                files += names.filter { !$0.hasPrefix(".") }.sorted().map { "\(input)/\($0)" }.filter { !isDirectory($0) }
            } else {
                files.append(input)
            }
        }
        let singleFile = files.count == 1 && !inputs.contains(where: isDirectory) && output.lowercased().hasSuffix(".png")
        if !singleFile { try OutputFile.refuseInputFolder(output, inputFolders: inputs.filter(isDirectory)) }
        var claimed: [String: String] = [:]
        let destinations = try files.map { file in
            let destination = singleFile ? output
                : "\(output)/\(URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent).png"
            if let other = claimed[destination] {
                throw CommandError("'\(other)' and '\(file)' would both be written to '\(destination)': put one in another folder")
            }
            claimed[destination] = file
            return destination
        }
        if !singleFile { try OutputFile.makeFolder(output, inputFolders: inputs.filter(isDirectory)) }
        return try zip(files, destinations).map { ($0, try OutputFile(path: $1, overwrite: overwrite, inputs: files)) }
    }

    private func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }
}
