import Foundation
import SCKDFuzzDriver
import SCKDModel

/// Any bytes as a weights file: the header parser and the weights validation must answer with a
/// WeightsError or a usable network description, never trap or read out of bounds.
func fuzzSafetensors(_ bytes: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let bytes else { return 0 }
    let data = Data(bytes: bytes, count: count)
    guard let file = try? SafetensorsFile(path: "fuzz.safetensors", bytes: data) else { return 0 }
    for tensor in file.tensors.values { _ = try? file.floats(tensor.name, shape: tensor.shape) }
    _ = try? LDFCNetWeights(file: file)
    return 0
}

runFuzzer { fuzzSafetensors($0, $1) }
