import Foundation

/// The result of running a command to completion.
public struct ProcessResult {
    public let status: Int32
    /// True when the process was killed by a signal (a crash, for our purposes).
    public let signalled: Bool
    public let stdout: Data
    public let stderr: String
}

/// Runs `executable` with `arguments`, optional stdin data, and a timeout after which it is killed.
@discardableResult
public func runProcess(_ executable: String, _ arguments: [String], stdin: Data? = nil, timeout: Double = 120) throws -> ProcessResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: executable)
    p.arguments = arguments
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    let input = Pipe()
    p.standardInput = stdin == nil ? FileHandle.nullDevice : input
    try p.run()
    if let stdin {
        DispatchQueue.global().async {
            input.fileHandleForWriting.write(stdin)
            try? input.fileHandleForWriting.close()
        }
    }
    let outData = DataBox(), errData = DataBox()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async { outData.data = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    group.enter()
    DispatchQueue.global().async { errData.data = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    let killer = DispatchWorkItem { if p.isRunning { p.terminate() } }
    DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: killer)
    p.waitUntilExit()
    killer.cancel()
    group.wait()
    return ProcessResult(status: p.terminationStatus, signalled: p.terminationReason == .uncaughtSignal,
                         stdout: outData.data, stderr: String(decoding: errData.data, as: UTF8.self))
}

/// Filled by one reader thread, read after the group is waited on.
private final class DataBox: @unchecked Sendable { var data = Data() }

/// Runs a shell command line (for pipes), returning its result.
@discardableResult
public func shell(_ command: String, timeout: Double = 120) throws -> ProcessResult {
    try runProcess("/bin/bash", ["-o", "pipefail", "-c", command], timeout: timeout)
}

/// Runs the ffmpeg CLI (quiet), throwing with its stderr when it fails.
public func ffmpeg(_ arguments: [String]) throws {
    let r = try runProcess("/usr/bin/ffmpeg", ["-v", "error", "-nostdin", "-y"] + arguments)
    if r.status != 0 { throw TestSupportError.commandFailed("ffmpeg \(arguments.joined(separator: " ")): \(r.stderr)") }
}

/// ffprobe's JSON for `path` (streams, and packets or frames when asked).
public func ffprobe(_ path: String, _ extra: [String] = []) throws -> [String: Any] {
    let r = try runProcess("/usr/bin/ffprobe", ["-v", "error", "-of", "json", "-show_streams"] + extra + [path])
    if r.status != 0 { throw TestSupportError.commandFailed("ffprobe \(path): \(r.stderr)") }
    return try JSONSerialization.jsonObject(with: r.stdout) as! [String: Any]
}

public enum TestSupportError: Error { case commandFailed(String) }

/// A fresh temporary directory, removed by the caller (or left for inspection on failure).
public func temporaryDirectory(_ tag: String = "sckd-test") -> String {
    let path = NSTemporaryDirectory() + "\(tag)-\(UUID().uuidString.prefix(8))"
    try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Decodes every frame of a video to 8-bit RGB with the ffmpeg CLI.
public func decodeRGB(_ path: String, width: Int, height: Int) throws -> [[UInt8]] {
    // Every decoded frame once, whatever the timestamps (no CFR duplication or dropping).
    let r = try runProcess("/usr/bin/ffmpeg", ["-v", "error", "-nostdin", "-i", path, "-fps_mode", "passthrough", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"])
    if r.status != 0 { throw TestSupportError.commandFailed("decode \(path): \(r.stderr)") }
    let n = width * height * 3
    return stride(from: 0, to: r.stdout.count - n + 1, by: n).map { Array(r.stdout[$0..<($0 + n)]) }
}

/// PSNR in dB between two equal-length 8-bit sample arrays (99 when identical).
public func psnr(_ a: [UInt8], _ b: [UInt8]) -> Double {
    precondition(a.count == b.count)
    var se = 0.0
    for i in 0..<a.count { let d = Double(a[i]) - Double(b[i]); se += d * d }
    return se == 0 ? 99 : 10 * log10(255 * 255 / (se / Double(a.count)))
}

/// Presentation times (seconds) of the video packets of a file, in order.
public func videoPacketTimes(_ path: String) throws -> [Double] {
    let j = try ffprobe(path, ["-select_streams", "v:0", "-show_entries", "packet=pts_time", "-show_packets"])
    let packets = j["packets"] as? [[String: Any]] ?? []
    return packets.compactMap { ($0["pts_time"] as? String).flatMap(Double.init) }.sorted()
}

/// The first stream of `type` ("video", "audio", …) in an ffprobe result.
public func stream(_ probe: [String: Any], _ type: String) -> [String: Any]? {
    (probe["streams"] as? [[String: Any]])?.first { $0["codec_type"] as? String == type }
}

/// The `sckd` executable built beside the test bundle (override with SCKD_BINARY).
public func sckdBinary() -> String {
    if let p = ProcessInfo.processInfo.environment["SCKD_BINARY"] { return p }
    let me = URL(fileURLWithPath: CommandLine.arguments.first { $0.contains(".xctest") } ?? CommandLine.arguments[0])
    var dir = me.deletingLastPathComponent()
    if dir.lastPathComponent.hasSuffix(".xctest") || dir.path.contains(".xctest/") {
        while dir.path.contains(".xctest") { dir.deleteLastPathComponent() }
    }
    return dir.appendingPathComponent("sckd").path
}

/// Runs `sckd` with `arguments`.
@discardableResult
public func sckd(_ arguments: [String], stdin: Data? = nil, timeout: Double = 300) throws -> ProcessResult {
    try runProcess(sckdBinary(), arguments, stdin: stdin, timeout: timeout)
}
