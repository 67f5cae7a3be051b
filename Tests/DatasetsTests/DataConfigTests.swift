import Testing

@testable import Datasets

struct DataConfigTests {
    @Test func readsScalarsAndAFlowListOverSeveralLines() throws {
        let text = """
            # a YOLOv7-style file
            path: ../data  # the root
            train: 'images/train'
            val: "val list.txt"
            nc: 3
            names: [ 'person', "bi cycle",
                     car ]
            """
        let config = try DataConfig(text: text, path: "data.yaml")
        #expect(config.scalar("path") == "../data")
        #expect(config.paths("train") == ["images/train"])
        #expect(config.paths("val") == ["val list.txt"])
        #expect(config.paths("test") == nil)
        #expect(try config.classNames() == ["person", "bi cycle", "car"])
    }

    @Test func readsABlockListAndABlockMap() throws {
        let list = try DataConfig(text: "train:\n  - a/images\n  - b.txt\nnames:\n  - x\n  - 'y # z'\n", path: "d.yaml")
        #expect(list.paths("train") == ["a/images", "b.txt"])
        #expect(try list.classNames() == ["x", "y # z"])

        let map = try DataConfig(text: "nc: 2\nnames:\n  1: b\n  0: a\n", path: "d.yaml")
        #expect(try map.classNames() == ["a", "b"])

        let flowMap = try DataConfig(text: "names: {0: a, 1: 'b'}\n", path: "d.yaml")
        #expect(try flowMap.classNames() == ["a", "b"])
    }

    @Test func namesTheLineOfWhatItCannotRead() {
        #expect(throws: DatasetError.invalidDescription(path: "d.yaml", line: 2, reason: "expected 'key: value'")) {
            try DataConfig(text: "train: a\njust text\n", path: "d.yaml")
        }
        #expect(
            throws: DatasetError.invalidDescription(
                path: "d.yaml", line: 1, reason: "'nc' is 3 but 'names' lists 2 classes")
        ) {
            try DataConfig(text: "nc: 3\nnames: [a, b]\n", path: "d.yaml").classNames()
        }
    }
}
