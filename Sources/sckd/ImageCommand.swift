import ArgumentParser
import CSCKDSystem
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
        sckd_install_stop_handlers()
        let console = Console(quiet: quiet, forceProgress: false)
        var files: [String] = []
        var failures = 0
        for input in inputs {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: input, isDirectory: &isDir), isDir.boolValue {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: input)) ?? []
                files += names.filter { !$0.hasPrefix(".") }.sorted().map { "\(input)/\($0)" }
            } else {
                files.append(input)
            }
        }
        let singleFile = files.count == 1 && !inputs.contains(where: isDirectory) && output.lowercased().hasSuffix(".png")
        if !singleFile {
            do {
                try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
            } catch {
                console.error("cannot create output folder '\(output)': \((error as NSError).localizedDescription)")
                throw ExitCode.failure
            }
        }
        let enhancer: FrameEnhancer
        do {
            let (e, note) = try modelOptions.makeEnhancer()
            if let note { console.info(note) }
            enhancer = e
        } catch {
            console.error("\(error)")
            throw ExitCode.failure
        }
        for file in files {
            if sckd_stop_signal() != 0 { throw ExitCode(130) }
            let destination = singleFile ? output
                : "\(output)/\(URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent).png"
            do {
                let start = DispatchTime.now().uptimeNanoseconds
                let picture = try StillImage.read(file)
                let enhanced = try enhancer.enhance(picture)
                try StillImage.writePNG(enhanced, to: destination, overwrite: overwrite)
                let ms = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
                console.info("\(file) (\(picture.width)x\(picture.height)) -> \(destination) in \(Int(ms)) ms")
            } catch {
                console.error("\(error)")
                failures += 1
            }
        }
        if failures > 0 { throw ExitCode.failure }
    }

    private func isDirectory(_ path: String) -> Bool {
        var isDir: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDir) && isDir.boolValue
    }
}
