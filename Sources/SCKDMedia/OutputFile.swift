import Foundation

/// Where the output goes, and how it becomes visible: a file is written under a temporary name in
/// the same directory and renamed into place only when complete, so a failed run never clobbers
/// an earlier result and a reader never sees half a file under the final name. "-" is stdout.
public struct OutputFile {
    public let path: String
    /// What FFmpeg opens: the temporary file, or "pipe:1".
    public let writePath: String
    public var isPipe: Bool { path == "-" }

    /// Checks the destination before any work is done: no silent overwrite, not the input itself,
    /// a directory that exists.
    public init(path: String, overwrite: Bool, inputPath: String?) throws {
        self.path = path
        if path == "-" {
            writePath = "pipe:1"
            return
        }
        let fm = FileManager.default
        let url = URL(fileURLWithPath: path)
        if let input = inputPath, input != "-", Self.sameFile(input, path) {
            throw MediaError.outputIsInput(path: path)
        }
        var isDir: ObjCBool = false
        if fm.fileExists(atPath: path, isDirectory: &isDir) {
            if isDir.boolValue { throw MediaError.cannotOpenOutput(path: path, reason: "is a directory") }
            if !overwrite { throw MediaError.outputExists(path: path) }
        }
        let dir = url.deletingLastPathComponent().path
        if !fm.fileExists(atPath: dir, isDirectory: &isDir) || !isDir.boolValue {
            throw MediaError.cannotOpenOutput(path: path, reason: "directory '\(dir)' does not exist")
        }
        let ext = url.pathExtension
        let tmpName = ".\(url.deletingPathExtension().lastPathComponent).sckd-partial-\(getpid())" + (ext.isEmpty ? "" : ".\(ext)")
        writePath = url.deletingLastPathComponent().appendingPathComponent(tmpName).path
    }

    /// Moves the finished temporary file into place.
    public func commit() throws {
        guard !isPipe else { return }
        if rename(writePath, path) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(writePath)
            throw MediaError.writeFailed(path: path, reason: reason)
        }
    }

    /// Removes the temporary file of a failed run; the destination is untouched.
    public func discard() {
        guard !isPipe else { return }
        unlink(writePath)
    }

    static func sameFile(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }
}
