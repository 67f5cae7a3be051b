import CFFmpeg

/// One compressed packet (an `AVPacket`), reused from read to read.
///
/// ``MediaSource/readPacket(into:)`` fills it and ``VideoDecoder/decode(_:_:)`` reads it. Reusing one packet
/// for a whole stream means no allocation per packet: each read drops the previous payload (`av_packet_unref`).
///
/// - Important: Not thread-safe; confine a packet to the queue that reads and decodes it.
public final class Packet {
    /// The packet, owned by this object and freed in `deinit`.
    let pointer: UnsafeMutablePointer<AVPacket>

    /// Allocates an empty packet (calls `av_packet_alloc`).
    public init() throws(FFmpegError) {
        guard let pointer = av_packet_alloc() else {
            throw .allocationFailed(function: "av_packet_alloc")
        }
        self.pointer = pointer
    }

    deinit {
        var pointer: UnsafeMutablePointer<AVPacket>? = pointer
        av_packet_free(&pointer)
    }

    /// The payload size in bytes; 0 for an empty packet.
    public var size: Int { Int(pointer.pointee.size) }

    /// The index of the stream in its container that the packet belongs to.
    public var streamIndex: Int { Int(pointer.pointee.stream_index) }

    /// The presentation timestamp in stream time-base ticks, or nil when the container has none.
    public var pts: Int64? {
        let value = pointer.pointee.pts
        return value == cffmpeg_nopts_value() ? nil : value
    }

    /// The decoding timestamp in stream time-base ticks, or nil when the container has none.
    public var dts: Int64? {
        let value = pointer.pointee.dts
        return value == cffmpeg_nopts_value() ? nil : value
    }

    /// Whether the packet starts a keyframe (`AV_PKT_FLAG_KEY`).
    public var isKeyframe: Bool { pointer.pointee.flags & AV_PKT_FLAG_KEY != 0 }

    /// Drops the payload and resets the fields, keeping the packet for reuse (calls `av_packet_unref`).
    public func unref() {
        av_packet_unref(pointer)
    }
}
