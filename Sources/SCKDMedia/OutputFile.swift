import Foundation

/// Where an output goes and how it becomes visible: the one policy every command follows.
///
/// - A regular file is written under a temporary name beside it and renamed into place only when
///   complete, so a failed run never clobbers an earlier result and a reader never sees half a file
///   under the final name. Replacing an existing one needs `overwrite` (-y). A symbolic link keeps
///   pointing where it did: its target is what gets replaced.
/// - A device, FIFO or socket (and anything under /dev or /proc, such as /dev/stdout) is opened and
///   written in place: renaming over it would replace the node and the reader would get nothing.
/// - "-" is stdout.
/// - Never one of the inputs, never a directory, never under a path component that is a file.
public struct OutputFile {
    public enum Kind: Equatable {
        case pipe
        case special
        case regular
    }

    public let path: String
    public let kind: Kind
    /// What is opened for writing: the temporary file, the special file itself, or "pipe:1".
    public let writePath: String
    /// What a finished regular file is renamed onto: `path`, or the file its symbolic link names.
    private let target: String
    public var isPipe: Bool { kind == .pipe }

    public init(path: String, overwrite: Bool, inputPath: String?) throws {
        try self.init(path: path, overwrite: overwrite, inputs: inputPath.map { [$0] } ?? [])
    }

    /// Checks the destination before any work is done; creates nothing.
    public init(path: String, overwrite: Bool, inputs: [String]) throws {
        self.path = path
        if path == "-" {
            kind = .pipe
            writePath = "pipe:1"
            target = path
            return
        }
        if path.isEmpty { throw MediaError.cannotOpenOutput(path: path, reason: "empty file name") }
        if inputs.contains(where: { $0 != "-" && Self.sameFile($0, path) }) {
            throw MediaError.outputIsInput(path: path)
        }
        var st = stat()
        if stat(path, &st) == 0 {
            let type = st.st_mode & S_IFMT
            if type == S_IFDIR { throw MediaError.cannotOpenOutput(path: path, reason: "is a directory") }
            if type != S_IFREG || path.hasPrefix("/dev/") || path.hasPrefix("/proc/") {
                kind = .special
                writePath = path
                target = path
                return
            }
            if !overwrite { throw MediaError.outputExists(path: path) }
        } else if errno == ENOTDIR {
            throw MediaError.cannotOpenOutput(path: path, reason: "'\(Self.fileInPath(path) ?? path)' is a file, not a directory")
        } else if errno == EACCES {
            throw MediaError.cannotOpenOutput(path: path, reason: "permission denied")
        }
        kind = .regular
        // Through a symbolic link (even a dangling one) to the file it names.
        target = Self.linkTarget(path) ?? path
        let url = URL(fileURLWithPath: target)
        let dir = url.deletingLastPathComponent().path
        var isDir: ObjCBool = false
        if !FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) {
            throw MediaError.cannotOpenOutput(path: path, reason: "directory '\(dir)' does not exist")
        }
        if !isDir.boolValue { throw MediaError.cannotOpenOutput(path: path, reason: "'\(dir)' is a file, not a directory") }
        if access(dir, W_OK) != 0 { throw MediaError.cannotOpenOutput(path: path, reason: "directory '\(dir)' is not writable") }
        let ext = url.pathExtension
        let tmpName = ".\(url.deletingPathExtension().lastPathComponent).sckd-partial-\(getpid())" + (ext.isEmpty ? "" : ".\(ext)")
        writePath = url.deletingLastPathComponent().appendingPathComponent(tmpName).path
    }

    /// Writes `data` whole (JSON, a still picture) and puts it in place.
    public func write(_ data: Data) throws {
        precondition(!isPipe, "write(_:) is for files")
        let fd = open(writePath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw MediaError.cannotOpenOutput(path: path, reason: String(cString: strerror(errno))) }
        var failure: Int32 = 0
        data.withUnsafeBytes { (bytes: UnsafeRawBufferPointer) in
            var done = 0
            while done < bytes.count {
                let n = Foundation.write(fd, bytes.baseAddress! + done, bytes.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    failure = errno
                    return
                }
                done += n
            }
        }
        if close(fd) != 0 && failure == 0 { failure = errno }
        if failure != 0 {
            discard()
            throw MediaError.writeFailed(path: path, reason: String(cString: strerror(failure)))
        }
        try commit()
    }

    /// Moves the finished temporary file into place, with the permissions of the file it replaces.
    public func commit() throws {
        guard kind == .regular else { return }
        var old = stat()
        if stat(target, &old) == 0 { chmod(writePath, old.st_mode & 0o7777) }
        if rename(writePath, target) != 0 {
            let reason = String(cString: strerror(errno))
            unlink(writePath)
            throw MediaError.writeFailed(path: path, reason: reason)
        }
    }

    /// Removes the temporary file of a failed run; the destination is untouched.
    public func discard() {
        guard kind == .regular else { return }
        unlink(writePath)
    }

    /// Creates a folder that will receive outputs (and its parents); refuses one of the input
    /// folders, where the results would mix with, and could replace, the inputs.
    public static func makeFolder(_ path: String, inputFolders: [String]) throws {
        try refuseInputFolder(path, inputFolders: inputFolders)
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        } catch {
            let reason = fileInPath(path + "/x").map { "'\($0)' is a file, not a directory" }
                ?? ((error as NSError).userInfo[NSUnderlyingErrorKey] as? NSError).map { String(cString: strerror(Int32($0.code))) }
                ?? "cannot create the folder"
            throw MediaError.cannotOpenOutput(path: path, reason: reason)
        }
    }

    /// Refuses an output folder that is one of the input folders.
    public static func refuseInputFolder(_ path: String, inputFolders: [String]) throws {
        if inputFolders.contains(where: { sameFile($0, path) }) {
            throw MediaError.cannotOpenOutput(path: path, reason: "it is an input folder: choose another")
        }
    }

    static func sameFile(_ a: String, _ b: String) -> Bool {
        var sa = stat(), sb = stat()
        guard stat(a, &sa) == 0, stat(b, &sb) == 0 else { return false }
        return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino
    }

    /// The file a symbolic link at `path` names (absolute), following chains; nil if `path` is
    /// not a link.
    static func linkTarget(_ path: String) -> String? {
        var current = path
        for _ in 0..<32 {
            guard let next = try? FileManager.default.destinationOfSymbolicLink(atPath: current) else {
                return current == path ? nil : current
            }
            current = next.hasPrefix("/") ? next
                : URL(fileURLWithPath: current).deletingLastPathComponent().appendingPathComponent(next).path
        }
        return current
    }

    /// The first component of `path` that exists and is not a directory.
    static func fileInPath(_ path: String) -> String? {
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/").dropLast() {
            prefix += "/" + part
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: prefix, isDirectory: &isDir), !isDir.boolValue {
                return prefix.hasPrefix("./") ? String(prefix.dropFirst(2)) : prefix
            }
        }
        return nil
    }
}
