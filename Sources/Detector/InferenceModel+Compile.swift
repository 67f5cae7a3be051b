extension InferenceModel {
    /// Compiles this model with oneDNN for `batch` images of `height` x `width` pixels (multiples of 32): the
    /// fast real-time forward pass, with the same logits as `forward`.
    ///
    /// - Important: The result is confined to one queue; see `CompiledInference`.
    public func compile(batch: Int = 1, height: Int, width: Int) throws(DetectorError) -> CompiledInference {
        try CompiledInference(self, batch: batch, height: height, width: width)
    }
}
