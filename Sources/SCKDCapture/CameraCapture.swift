import CV4L2
import Foundation
import SCKDCore

/// A captured frame: the picture and its capture time (monotonic clock, microseconds), which
/// becomes its presentation timestamp.
public struct CapturedFrame {
    public let image: PlanarImage
    public let timestampMicroseconds: Int64
}

/// Streams frames from a V4L2 camera: negotiates the mode nearest the wish (said in `notes`),
/// memory-maps `bufferCount` driver buffers, and hands out frames as they come (`poll` with a
/// timeout: a camera that stops delivering is an error after `timeout` seconds, not a hang).
/// One thread uses it.
public final class CameraCapture {
    public let path: String
    public let width: Int
    public let height: Int
    public let fourcc: UInt32
    public let fps: Double?
    public private(set) var notes: [String] = []
    public private(set) var framesCaptured = 0
    let calls: VideoDeviceCalls
    let fd: Int32
    let timeout: Double
    private var buffers: [(UnsafeMutableRawPointer, Int)] = []
    private var bytesPerLine = 0
    private var streaming = false
    private var closed = false

    /// - Parameter brightness: the camera's brightness control, when given (range is the camera's).
    public init(path: String, width: Int, height: Int, fps: Double, brightness: Int32? = nil, bufferCount: Int = 4,
                timeout: Double = 3, calls: VideoDeviceCalls = LibV4L2Calls()) throws {
        self.path = path
        self.calls = calls
        self.timeout = timeout
        let offer = try describeCamera(path, calls: calls)
        let choice = try chooseMode(from: offer, width: width, height: height, fps: fps)
        let opened = calls.open(path)
        if opened < 0 { throw CaptureError.from(errno: calls.lastErrno, path: path, call: "open") }
        fd = opened
        var format = v4l2_format()
        format.type = sckd_v4l2_buf_type_capture()
        format.fmt.pix.width = UInt32(choice.width)
        format.fmt.pix.height = UInt32(choice.height)
        format.fmt.pix.pixelformat = choice.fourcc
        format.fmt.pix.field = sckd_v4l2_field_any()
        do {
            try retryingOnInterrupt(calls, path: path, name: "VIDIOC_S_FMT") { calls.setFormat(opened, &format) }
        } catch {
            _ = calls.close(opened)
            throw error
        }
        // The driver may adjust: what it says is what we get.
        self.width = Int(format.fmt.pix.width)
        self.height = Int(format.fmt.pix.height)
        self.fourcc = format.fmt.pix.pixelformat
        bytesPerLine = Int(format.fmt.pix.bytesperline)
        var rate: Double? = choice.fps
        if let want = choice.fps {
            var parm = v4l2_streamparm()
            parm.type = sckd_v4l2_buf_type_capture()
            parm.parm.capture.timeperframe.numerator = 1000
            parm.parm.capture.timeperframe.denominator = UInt32((want * 1000).rounded())
            if (try? retryingOnInterrupt(calls, path: path, name: "VIDIOC_S_PARM", { calls.setParameters(opened, &parm) })) != nil,
               parm.parm.capture.timeperframe.numerator > 0 {
                rate = Double(parm.parm.capture.timeperframe.denominator) / Double(parm.parm.capture.timeperframe.numerator)
            }
        }
        self.fps = rate
        if let brightness,
           (try? retryingOnInterrupt(calls, path: path, name: "VIDIOC_S_CTRL", { calls.setControl(opened, id: sckd_v4l2_cid_brightness(), value: brightness) })) == nil {
            notes.append("\(path) has no settable brightness control: --brightness ignored")
        }
        if self.width != width || self.height != height {
            notes.append("\(path) offers no \(width)x\(height): capturing \(self.width)x\(self.height)")
        }
        if let r = rate, abs(r - fps) > 0.5 { notes.append("\(path) offers no \(fps) fps: capturing at \(String(format: "%.3g", r)) fps") }
        do {
            try startStreaming(bufferCount: bufferCount)
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    private func startStreaming(bufferCount: Int) throws {
        var req = v4l2_requestbuffers()
        req.count = UInt32(bufferCount)
        req.type = sckd_v4l2_buf_type_capture()
        req.memory = sckd_v4l2_memory_mmap()
        try retryingOnInterrupt(calls, path: path, name: "VIDIOC_REQBUFS") { calls.requestBuffers(fd, &req) }
        guard req.count >= 2 else { throw CaptureError.system(path: path, call: "VIDIOC_REQBUFS (\(req.count) buffers)", errno: ENOMEM) }
        for i in 0..<Int(req.count) {
            var buf = v4l2_buffer()
            buf.index = UInt32(i)
            buf.type = sckd_v4l2_buf_type_capture()
            buf.memory = sckd_v4l2_memory_mmap()
            try retryingOnInterrupt(calls, path: path, name: "VIDIOC_QUERYBUF") { calls.queryBuffer(fd, &buf) }
            guard let p = calls.map(fd, length: Int(buf.length), offset: Int64(buf.m.offset)) else {
                throw CaptureError.from(errno: calls.lastErrno, path: path, call: "mmap")
            }
            buffers.append((p, Int(buf.length)))
            try retryingOnInterrupt(calls, path: path, name: "VIDIOC_QBUF") { calls.queueBuffer(fd, &buf) }
        }
        try retryingOnInterrupt(calls, path: path, name: "VIDIOC_STREAMON") { calls.streamOn(fd) }
        streaming = true
    }

    /// The next frame. Throws `.timeout` when none comes for `timeout` seconds and `.unplugged`
    /// when the device goes away; nil after `close()`.
    public func next() throws -> CapturedFrame? {
        guard !closed else { return nil }
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(timeout * 1e9)
        while true {
            var buf = v4l2_buffer()
            buf.type = sckd_v4l2_buf_type_capture()
            buf.memory = sckd_v4l2_memory_mmap()
            if calls.dequeueBuffer(fd, &buf) >= 0 {
                let (p, length) = buffers[Int(buf.index)]
                let image = convert(p, byteCount: min(Int(buf.bytesused), length))
                let ts = Int64(buf.timestamp.tv_sec) * 1_000_000 + Int64(buf.timestamp.tv_usec)
                try retryingOnInterrupt(calls, path: path, name: "VIDIOC_QBUF") { calls.queueBuffer(fd, &buf) }
                framesCaptured += 1
                return CapturedFrame(image: image, timestampMicroseconds: ts)
            }
            let e = calls.lastErrno
            if e == EINTR { continue }
            guard e == EAGAIN else { throw CaptureError.from(errno: e, path: path, call: "VIDIOC_DQBUF") }
            let now = DispatchTime.now().uptimeNanoseconds
            if now >= deadline { throw CaptureError.timeout(path: path, seconds: timeout) }
            let waited = calls.pollReadable(fd, milliseconds: Int32(max(1, (deadline - now) / 1_000_000)))
            if waited < 0 {
                let pe = calls.lastErrno
                if pe == EINTR { continue }
                throw CaptureError.from(errno: pe, path: path, call: "poll")
            }
        }
    }

    /// Stops streaming and releases the buffers and the device.
    public func close() {
        guard !closed else { return }
        closed = true
        if streaming { _ = calls.streamOff(fd); streaming = false }
        for (p, n) in buffers { _ = calls.unmap(p, length: n) }
        buffers = []
        _ = calls.close(fd)
    }

    /// A captured buffer as planar float RGB. YUYV and planar YUV 4:2:0 use BT.601 limited range
    /// (what UVC cameras send), RGB24 is scaled by 1/255.
    func convert(_ p: UnsafeMutableRawPointer, byteCount: Int) -> PlanarImage {
        let img = PlanarImage(width: width, height: height, channels: 3)
        let bytes = p.assumingMemoryBound(to: UInt8.self)
        let r = img.plane(0), g = img.plane(1), b = img.plane(2)
        func yuv(_ y: UInt8, _ u: UInt8, _ v: UInt8, _ i: Int) {
            let l = (Float(y) - 16) / 219, cb = (Float(u) - 128) / 224, cr = (Float(v) - 128) / 224
            r[i] = l + 1.402 * cr
            g[i] = l - 0.344136 * cb - 0.714136 * cr
            b[i] = l + 1.772 * cb
        }
        if fourcc == sckd_v4l2_pix_fmt_yuyv() {
            let stride = max(bytesPerLine, width * 2)
            for y in 0..<height where (y + 1) * stride <= byteCount {
                let row = bytes + y * stride
                for x in 0..<width {
                    let pair = row + (x & ~1) * 2  // Y0 U Y1 V
                    yuv(row[x * 2], pair[1], pair[3], y * width + x)
                }
            }
        } else if fourcc == sckd_v4l2_pix_fmt_rgb24() {
            let stride = max(bytesPerLine, width * 3)
            for y in 0..<height where (y + 1) * stride <= byteCount {
                let row = bytes + y * stride
                for x in 0..<width {
                    let i = y * width + x
                    r[i] = Float(row[3 * x]) / 255; g[i] = Float(row[3 * x + 1]) / 255; b[i] = Float(row[3 * x + 2]) / 255
                }
            }
        } else {  // YUV420 planar (I420)
            let ySize = width * height, cw = (width + 1) / 2, cSize = cw * ((height + 1) / 2)
            guard byteCount >= ySize + 2 * cSize else { return img }
            let u = bytes + ySize, v = u + cSize
            for y in 0..<height {
                for x in 0..<width { yuv(bytes[y * width + x], u[(y / 2) * cw + x / 2], v[(y / 2) * cw + x / 2], y * width + x) }
            }
        }
        return img
    }
}
