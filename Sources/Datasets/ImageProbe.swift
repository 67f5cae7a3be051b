import Stream

/// Decodes images at load time to learn their sizes (and that they decode at all).
enum ImageProbe {
    /// A decoded image's size in pixels.
    struct Size: Hashable, Sendable {
        /// Width in pixels.
        var width: Int
        /// Height in pixels.
        var height: Int
    }

    /// The size of each image in `paths`, or FFmpeg's reason it does not decode, decoding on `workers` threads
    /// with ``ImageLoader/decodeImage(path:ioTimeout:)``.
    static func sizes(of paths: [String], workers: Int) -> [Result<Size, FFmpegError>] {
        ParallelMap.map(count: paths.count, workers: workers, makeState: {}) { _, job in
            Result { () throws(FFmpegError) -> Size in
                let frame = try ImageLoader.decodeImage(path: paths[job])
                return Size(width: frame.width, height: frame.height)
            }
        }
    }
}
