/// The interface every enhancer implements (LDFC-Net, the classical Retinex baseline, identity).
///
/// Enhancement is split in two phases because the video pipeline smooths the illumination over
/// time between them: phase A estimates a reduced-resolution illumination map from the frame,
/// phase B applies it at full resolution. Calling B with A's output unchanged is per-frame
/// enhancement. Implementations are used from one thread at a time (one instance per worker).
public protocol FrameEnhancer: AnyObject {
    /// A short name for logs and statistics ("classic", "ldfc-net", …).
    var name: String { get }

    /// Phase A: the illumination map of `image`, at the implementation's reduced resolution.
    func estimateIllumination(_ image: PlanarImage) throws -> PlanarImage

    /// Phase B: the enhanced picture, same size as `image`, values in [0, 1].
    func enhance(_ image: PlanarImage, illumination: PlanarImage) throws -> PlanarImage

    /// How the illumination must scale with scene exposure k for phase B's output to stay the same:
    /// L ∝ k^e. A Retinex enhancer (output = input / L) has e = 1; one applying L^-γ has e = 1/γ.
    /// Temporal smoothing uses it to cancel exposure jitter exactly while smoothing the rest.
    var exposureExponent: Float { get }

    /// True for a learned phase B, whose output depends on the picture itself and not only through
    /// L (so steadying L cannot cancel exposure jitter): the pipeline then scales phase B's input
    /// to the smoothed exposure and hands it the illumination at that exposure.
    var stabilisesInputExposure: Bool { get }

    /// Phase B on the picture exposed `inputGain` times longer in linear light
    /// (`PlanarImage.exposed(by:)`), as the exposure stabilisation asks: an engine folds the gain
    /// into its first pass.
    func enhance(_ image: PlanarImage, illumination: PlanarImage, inputGain: Float) throws -> PlanarImage

    /// True for an enhancer whose output is its input (the identity): the video pipeline then
    /// leaves the output's level as it comes, since a "no enhancement" run must be the input.
    var passesPictureThrough: Bool { get }
}

extension FrameEnhancer {
    public var exposureExponent: Float { 1 }
    public var stabilisesInputExposure: Bool { false }
    public var passesPictureThrough: Bool { false }

    public func enhance(_ image: PlanarImage, illumination: PlanarImage, inputGain: Float) throws -> PlanarImage {
        try enhance(inputGain == 1 ? image : image.exposed(by: inputGain), illumination: illumination)
    }
}

extension FrameEnhancer {
    /// Per-frame enhancement: phase A then phase B.
    public func enhance(_ image: PlanarImage) throws -> PlanarImage {
        try enhance(image, illumination: try estimateIllumination(image))
    }
}

/// The identity: for round-trip tests of the media path and as the "no enhancement" baseline row.
public final class IdentityEnhancer: FrameEnhancer {
    public let name = "none"
    public let passesPictureThrough = true
    public init() {}
    public func estimateIllumination(_ image: PlanarImage) throws -> PlanarImage {
        PlanarImage(width: 1, height: 1, channels: 1, filledWith: 1)
    }
    public func enhance(_ image: PlanarImage, illumination: PlanarImage) throws -> PlanarImage { image }
}
