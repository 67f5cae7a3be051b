/// Decodes still images (JPEG, PNG, BMP and whatever else FFmpeg reads) into frames.
///
/// Used by `detectd predict IMAGE...` and by dataset loaders.
public enum ImageLoader {
    /// Decodes the picture at `path`: the first frame of whatever FFmpeg opens there.
    ///
    /// Opens the file with a ``MediaSource``, reads packets until the ``VideoDecoder`` yields a picture, and
    /// flushes the decoder for formats that hold the picture back until the end.
    ///
    /// - Parameters:
    ///   - path: the image file.
    ///   - ioTimeout: the longest one read may take (it matters only on network file systems).
    /// - Returns: the picture, owned by the caller.
    /// - Throws: ``FFmpegError/openFailed(url:reason:)`` for a missing or unreadable file,
    ///   ``FFmpegError/decodeFailed(url:reason:)`` when no picture decodes, or another ``FFmpegError``.
    public static func decodeImage(
        path: String, ioTimeout: Duration = .seconds(10)
    ) throws(FFmpegError) -> DecodedFrame {
        // A '%' or '*' in a file name must not turn image2 into a sequence or glob reader.
        let options = MediaSource.Options(ioTimeout: ioTimeout, formatOptions: ["pattern_type": "none"])
        let source = try MediaSource(url: path, options: options)
        // One picture gains nothing from frame threads.
        let decoder = try VideoDecoder(source: source, threadCount: 1)
        let packet = try Packet()

        var picture: DecodedFrame?
        let keepFirst = { (frame: DecodedFrame) throws(FFmpegError) -> Void in
            if picture == nil { picture = try frame.makeReference() }
        }
        while picture == nil, try source.readPacket(into: packet) {
            try decode(packet, with: decoder, keepFirst)
        }
        if picture == nil {
            try decode(nil, with: decoder, keepFirst)
        }
        guard let picture else {
            let reason =
                decoder.corruptPackets > 0
                ? "every packet was corrupt (\(decoder.corruptPackets))" : "the file holds no picture"
            throw .decodeFailed(url: path, reason: reason)
        }
        return picture
    }

    /// Runs `decoder.decode` (or `flush` for nil) with a body that throws only ``FFmpegError``, keeping the
    /// error typed.
    private static func decode(
        _ packet: Packet?, with decoder: VideoDecoder, _ body: (DecodedFrame) throws(FFmpegError) -> Void
    ) throws(FFmpegError) {
        do {
            if let packet {
                try decoder.decode(packet, body)
            } else {
                try decoder.flush(body)
            }
        } catch let error as FFmpegError {
            throw error
        } catch {
            // Neither the decoder nor `body` throws anything else.
            throw .decodeFailed(url: decoder.url, reason: "\(error)")
        }
    }
}
