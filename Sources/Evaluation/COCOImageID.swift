/// The `image_id` of a COCO file, which is a number in COCO itself but often a file name stem elsewhere.
public enum COCOImageID: Sendable, Hashable {
    /// A numeric id, written as a JSON number.
    case number(Int)
    /// A textual id, written as a JSON string.
    case name(String)

    /// The id of an image whose file name without extension is `stem`: a number when the stem is made of ASCII
    /// digits only and fits an `Int` (so `"000123"` is 123), otherwise the stem itself. This is the convention of
    /// YOLO's COCO export, and what a ground-truth file converted from YOLO labels must use too.
    public init(stem: String) {
        if !stem.isEmpty, stem.utf8.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
            let number = Int(stem)
        {
            self = .number(number)
        } else {
            self = .name(stem)
        }
    }
}
