import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A read-only ZIP archive whose entries are stored uncompressed, as `torch.save` writes them.
///
/// The file is read into memory with one pass at `init(path:)`, which also parses and validates the end of
/// central directory record (ZIP64 included) and the central directory. Local headers are checked when an
/// entry's bytes are asked for. Every problem is a `TorchError.malformedFile` naming what is wrong.
struct ZipArchive {
    /// Where one entry lies, as the central directory describes it.
    private struct Entry {
        /// The compression method; 0 means stored.
        let method: UInt16
        /// The general purpose bit flags.
        let flags: UInt16
        /// Size of the entry's bytes in the archive.
        let compressedSize: Int
        /// Size of the entry's bytes once extracted.
        let size: Int
        /// Offset of the entry's local header in the file.
        let localHeaderOffset: Int
    }

    /// The path the archive was read from, used in error messages.
    let path: String
    /// The names of all entries, in central directory order.
    let entryNames: [String]
    private let bytes: [UInt8]
    private let entries: [String: Entry]

    private static let endRecordSize = 22
    private static let centralHeaderSize = 46
    private static let localHeaderSize = 30

    /// Reads and indexes the archive at `path`.
    ///
    /// - Throws: `TorchError.unreadableFile` when the file cannot be opened or read, and
    ///   `TorchError.malformedFile` when it is not a well-formed ZIP archive.
    init(path: String) throws {
        self.path = path
        let bytes = try Self.readFile(path: path)
        self.bytes = bytes
        let fail = { (reason: String) in TorchError.malformedFile(path: path, reason: reason) }
        guard !bytes.isEmpty else { throw fail("zip: the file is empty") }
        let directory = try Self.locateDirectory(bytes, fail: fail)
        var names: [String] = []
        var entries: [String: Entry] = [:]
        var position = directory.offset
        let end = directory.offset + directory.size
        for index in 0..<directory.count {
            guard end - position >= Self.centralHeaderSize, Self.u32(bytes, position) == 0x0201_4b50 else {
                throw fail("zip: central directory record \(index) at offset \(position) is missing or damaged")
            }
            let nameLength = Int(Self.u16(bytes, position + 28))
            let extraLength = Int(Self.u16(bytes, position + 30))
            let commentLength = Int(Self.u16(bytes, position + 32))
            let recordEnd = position + Self.centralHeaderSize + nameLength + extraLength + commentLength
            guard recordEnd <= end else {
                throw fail("zip: central directory record \(index) at offset \(position) runs past the directory")
            }
            let nameStart = position + Self.centralHeaderSize
            let name = String(decoding: bytes[nameStart..<nameStart + nameLength], as: UTF8.self)
            var compressedSize = Int(Self.u32(bytes, position + 20))
            var size = Int(Self.u32(bytes, position + 24))
            var localOffset = Int(Self.u32(bytes, position + 42))
            try Self.applyZip64Extra(
                bytes, extra: nameStart + nameLength..<nameStart + nameLength + extraLength,
                size: &size, compressedSize: &compressedSize, localOffset: &localOffset,
                fail: { fail("zip: entry '\(name)': \($0)") })
            guard localOffset <= directory.offset, Self.localHeaderSize <= directory.offset - localOffset else {
                throw fail("zip: entry '\(name)' has its local header at offset \(localOffset), outside the data area")
            }
            guard entries[name] == nil else { throw fail("zip: entry name '\(name)' appears twice") }
            entries[name] = Entry(
                method: Self.u16(bytes, position + 10), flags: Self.u16(bytes, position + 8),
                compressedSize: compressedSize, size: size, localHeaderOffset: localOffset)
            names.append(name)
            position = recordEnd
        }
        self.entryNames = names
        self.entries = entries
    }

    /// Whether the archive holds an entry called `name`.
    func contains(_ name: String) -> Bool {
        entries[name] != nil
    }

    /// The bytes of the entry called `name`.
    ///
    /// - Throws: `TorchError.malformedFile` when there is no such entry, when it is compressed or encrypted, or
    ///   when its local header or bytes do not fit in the file.
    func data(of name: String) throws -> Data {
        // TODO: CRC-32 checksums are not verified; deflated entries are refused rather than inflated.
        let fail = { (reason: String) in TorchError.malformedFile(path: path, reason: reason) }
        guard let entry = entries[name] else { throw fail("zip: there is no entry named '\(name)'") }
        guard entry.flags & 1 == 0 else { throw fail("zip: entry '\(name)' is encrypted") }
        guard entry.method == 0 else {
            throw fail("entry '\(name)' is compressed (method \(entry.method)); only stored entries are supported")
        }
        guard entry.size == entry.compressedSize else {
            throw fail(
                "zip: stored entry '\(name)' declares \(entry.compressedSize) bytes in the archive "
                    + "but \(entry.size) bytes extracted")
        }
        let header = entry.localHeaderOffset
        guard Self.u32(bytes, header) == 0x0403_4b50 else {
            throw fail("zip: entry '\(name)' has no local header signature at offset \(header)")
        }
        let variableLength = Int(Self.u16(bytes, header + 26)) + Int(Self.u16(bytes, header + 28))
        let start = header + Self.localHeaderSize + variableLength
        guard start <= bytes.count, entry.size <= bytes.count - start else {
            throw fail(
                "zip: entry '\(name)' needs bytes \(start)..<\(start + min(entry.size, Int.max - start)) "
                    + "but the file has only \(bytes.count) bytes (truncated?)")
        }
        return bytes.withUnsafeBufferPointer { buffer in
            Data(buffer: UnsafeBufferPointer(rebasing: buffer[start..<start + entry.size]))
        }
    }

    // MARK: - Reading the file

    /// Reads the whole file at `path`, mapping failures to `TorchError.unreadableFile` with the system's text.
    // TODO: the whole file is held in memory and entries are copied out of it, so reading a checkpoint peaks at
    // about twice its size; a memory map would halve that.
    private static func readFile(path: String) throws -> [UInt8] {
        let unreadable = { (code: Int32) in
            TorchError.unreadableFile(path: path, reason: String(cString: strerror(code)))
        }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw unreadable(errno) }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw unreadable(errno) }
        guard (status.st_mode & S_IFMT) != S_IFDIR else { throw unreadable(EISDIR) }
        var result = [UInt8](repeating: 0, count: max(Int(status.st_size), 0))
        var filled = 0
        while true {
            if filled == result.count {
                // The file may have grown since fstat; keep reading in chunks until the end.
                result.append(contentsOf: repeatElement(0, count: 1 << 16))
            }
            let count = result.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return 0 }
                return read(descriptor, base + filled, buffer.count - filled)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw unreadable(errno)
            }
            if count == 0 { break }
            filled += count
        }
        result.removeSubrange(filled...)
        return result
    }

    // MARK: - Parsing

    /// Finds the central directory through the end of central directory record and, when its fields are
    /// saturated, the ZIP64 end of central directory record.
    private static func locateDirectory(
        _ bytes: [UInt8], fail: (String) -> TorchError
    ) throws -> (offset: Int, size: Int, count: Int) {
        guard let end = findEndRecord(bytes) else {
            if bytes.first == 0x80 {
                throw fail(
                    "zip: no end of central directory record found; the file looks like the legacy (pre-1.6) "
                        + "torch.save format, which is not supported")
            }
            throw fail(
                "zip: no end of central directory record found in \(bytes.count) bytes "
                    + "(not a zip archive, or truncated)")
        }
        guard u16(bytes, end + 4) == 0, u16(bytes, end + 6) == 0 else {
            // TODO: split (multi-disk) archives are not supported.
            throw fail("zip: multi-disk archives are not supported")
        }
        var count = Int(u16(bytes, end + 10))
        var size = Int(u32(bytes, end + 12))
        var offset = Int(u32(bytes, end + 16))
        var limit = end
        if count == 0xFFFF || size == 0xFFFF_FFFF || offset == 0xFFFF_FFFF {
            let locator = end - 20
            guard locator >= 0, u32(bytes, locator) == 0x0706_4b50 else {
                throw fail("zip: the end of central directory record needs ZIP64 values but has no ZIP64 locator")
            }
            let record64 = u64(bytes, locator + 8)
            guard record64 <= UInt64(locator), UInt64(locator) - record64 >= 56,
                u32(bytes, Int(record64)) == 0x0606_4b50
            else {
                throw fail("zip: the ZIP64 end of central directory record at offset \(record64) is missing or damaged")
            }
            let record = Int(record64)
            let count64 = u64(bytes, record + 32)
            let size64 = u64(bytes, record + 40)
            let offset64 = u64(bytes, record + 48)
            guard count64 <= UInt64(Int.max), size64 <= UInt64(Int.max), offset64 <= UInt64(Int.max) else {
                throw fail("zip: the ZIP64 end of central directory record holds impossible sizes")
            }
            count = Int(count64)
            size = Int(size64)
            offset = Int(offset64)
            limit = record
        }
        guard offset <= bytes.count else {
            throw fail(
                "zip: central directory offset \(offset) lies beyond the end of the file (\(bytes.count) bytes)")
        }
        guard offset <= limit, size <= limit - offset else {
            throw fail(
                "zip: central directory (offset \(offset), \(size) bytes) overlaps the end record at offset \(limit)")
        }
        guard count <= size / centralHeaderSize else {
            throw fail("zip: \(count) entries cannot fit in a central directory of \(size) bytes")
        }
        return (offset, size, count)
    }

    /// Offset of the last end of central directory signature whose comment ends exactly at the end of the file,
    /// or failing that the last signature whose record fits.
    private static func findEndRecord(_ bytes: [UInt8]) -> Int? {
        guard bytes.count >= endRecordSize else { return nil }
        let lowest = max(0, bytes.count - endRecordSize - 0xFFFF)
        var fallback: Int?
        var position = bytes.count - endRecordSize
        while position >= lowest {
            if bytes[position] == 0x50, u32(bytes, position) == 0x0605_4b50 {
                let commentLength = Int(u16(bytes, position + 20))
                if position + endRecordSize + commentLength == bytes.count { return position }
                if fallback == nil, position + endRecordSize + commentLength <= bytes.count { fallback = position }
            }
            position -= 1
        }
        return fallback
    }

    /// Replaces saturated 32-bit fields by the values of the ZIP64 extended information extra field.
    private static func applyZip64Extra(
        _ bytes: [UInt8], extra: Range<Int>, size: inout Int, compressedSize: inout Int, localOffset: inout Int,
        fail: (String) -> TorchError
    ) throws {
        guard size == 0xFFFF_FFFF || compressedSize == 0xFFFF_FFFF || localOffset == 0xFFFF_FFFF else { return }
        var position = extra.lowerBound
        while extra.upperBound - position >= 4 {
            let tag = u16(bytes, position)
            let length = Int(u16(bytes, position + 2))
            let body = position + 4
            guard length <= extra.upperBound - body else { throw fail("its extra field runs past its record") }
            if tag == 0x0001 {
                var field = body
                for slot in 0..<3 {
                    let saturated = [size, compressedSize, localOffset][slot] == 0xFFFF_FFFF
                    guard saturated else { continue }
                    guard body + length - field >= 8 else { throw fail("its ZIP64 extra field is too short") }
                    let value = u64(bytes, field)
                    guard value <= UInt64(Int.max) else { throw fail("its ZIP64 extra field holds \(value)") }
                    switch slot {
                    case 0: size = Int(value)
                    case 1: compressedSize = Int(value)
                    default: localOffset = Int(value)
                    }
                    field += 8
                }
                return
            }
            position = body + length
        }
        throw fail("it needs ZIP64 sizes but has no ZIP64 extra field")
    }

    /// The little-endian integer of `width` bytes at `offset`, or 0 when it does not fit in `bytes`.
    private static func little(_ bytes: [UInt8], _ offset: Int, width: Int) -> UInt64 {
        guard offset >= 0, offset <= bytes.count - width else { return 0 }
        var value: UInt64 = 0
        for index in (0..<width).reversed() {
            value = value << 8 | UInt64(bytes[offset + index])
        }
        return value
    }

    /// The little-endian `UInt16` at `offset`, or 0 when out of bounds.
    private static func u16(_ bytes: [UInt8], _ offset: Int) -> UInt16 {
        UInt16(little(bytes, offset, width: 2))
    }

    /// The little-endian `UInt32` at `offset`, or 0 when out of bounds.
    private static func u32(_ bytes: [UInt8], _ offset: Int) -> UInt32 {
        UInt32(little(bytes, offset, width: 4))
    }

    /// The little-endian `UInt64` at `offset`, or 0 when out of bounds.
    private static func u64(_ bytes: [UInt8], _ offset: Int) -> UInt64 {
        little(bytes, offset, width: 8)
    }
}
