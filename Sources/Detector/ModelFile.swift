import Torch

/// detectd's model file: a safetensors file of the training-form state_dict (upstream's names) with
/// `ModelInfo` as its metadata.
public enum ModelFile {
    /// Writes `model` and `info` to `path` atomically; float tensors are stored as float32, or as float16 with
    /// `isHalf` (half the size, as upstream ships its releases; loading converts back to float32).
    public static func write(_ model: YOLOModel, info: ModelInfo, to path: String, isHalf: Bool = false)
        throws(TorchError)
    {
        var stored: [StoredTensor] = []
        for (name, tensor) in model.stateDict() {
            let value = tensor.dtype.isFloatingPoint ? try tensor.detach().to(isHalf ? .float16 : .float32) : tensor
            stored.append(try value.contiguous().stored(name: name))
        }
        try SafetensorsFile.write(stored, metadata: info.metadata, to: path)
    }
}
