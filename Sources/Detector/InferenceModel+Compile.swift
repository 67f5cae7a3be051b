extension InferenceModel {
    /// Compiles this model with oneDNN for `batch` images of `height` x `width` pixels (multiples of 32): the
    /// fast real-time forward pass, with the same logits as `forward`.
    ///
    /// - Parameter blockSize: the activations' channels per block, 8 or 16; nil chooses the CPU's.
    /// - Important: The result is confined to one queue; see `CompiledInference`.
    public func compile(
        batch: Int = 1, height: Int, width: Int, blockSize: Int? = nil
    ) throws(DetectorError) -> CompiledInference {
        try CompiledInference(self, batch: batch, height: height, width: width, blockSize: blockSize)
    }
}
