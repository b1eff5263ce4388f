/// A picture size given on the command line as WxH ("1280x720").
struct FrameSize {
    let width: Int
    let height: Int

    init?(_ text: String) {
        let p = text.lowercased().split(separator: "x").compactMap { Int($0) }
        guard p.count == 2, p[0] > 0, p[1] > 0 else { return nil }
        (width, height) = (p[0], p[1])
    }
}
