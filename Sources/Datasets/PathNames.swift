import Foundation

/// Small path helpers on plain strings, so that reported paths look exactly as they were given.
enum PathNames {
    /// The last path component without its extension: "a/b/c.jpg" gives "c".
    static func stem(of path: String) -> String {
        let name = path.split(separator: "/").last.map(String.init) ?? path
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return name }
        return String(name[..<dot])
    }

    /// The directory part of `path` ("." for a bare file name).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// `relative` resolved against `base` unless it is absolute; "./" prefixes are dropped.
    static func resolve(_ relative: String, against base: String) -> String {
        if relative.hasPrefix("/") { return relative }
        var rest = Substring(relative)
        while rest.hasPrefix("./") { rest = rest.dropFirst(2) }
        if rest.isEmpty || rest == "." { return base }
        return base.hasSuffix("/") ? base + rest : base + "/" + rest
    }

    /// Whether `path` names an existing regular file (following links).
    static func isFile(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }

    /// Whether `path` names an existing directory (following links).
    static func isDirectory(_ path: String) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    /// Reads `path` as UTF-8 text.
    static func readText(_ path: String) throws(DatasetError) -> String {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .unreadable(path: path, reason: isDirectory(path) ? "is a directory" : "cannot open the file")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw .unreadable(path: path, reason: "not UTF-8 text")
        }
        return text
    }

    /// The lowercased extensions of the image files a YOLO image directory is searched for (upstream's list).
    static let imageExtensions: Set<String> = ["bmp", "jpg", "jpeg", "png", "tif", "tiff", "dng", "webp", "mpo"]

    /// Whether `path` ends in one of ``imageExtensions``.
    static func isImage(_ path: String) -> Bool {
        guard let dot = path.lastIndex(of: ".") else { return false }
        return imageExtensions.contains(path[path.index(after: dot)...].lowercased())
    }
}
