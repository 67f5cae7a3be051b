import Foundation
import Testing

@testable import Datasets

struct DetectionDatasetTests {
    @Test(.enabled(if: DatasetFixtures.hasBCCD, "needs the BCCD tree at ../shared/datasets/bccd/BCCD"))
    func loadsBCCDTrain() throws {
        let dataset = try DetectionDataset.load(data: DatasetFixtures.bccd, split: "train")
        print(dataset.summary)
        for issue in dataset.issues { print("BCCD issue:", issue) }
        #expect(dataset.format == .voc)
        #expect(dataset.samples.count == 205)
        #expect(dataset.classNames == ["Platelets", "RBC", "WBC"])
        let first = try #require(dataset.samples.first)
        #expect(first.stem == "BloodImage_00001")
        #expect(first.width == 640 && first.height == 480)
        #expect(first.boxes.count == BCCDFacts.firstTrainBoxCount)
        #expect(dataset.issues.map(\.description) == BCCDFacts.trainIssues)
    }

    @Test func yoloLayoutRecordsEveryBadLabelWithFileAndLine() throws {
        let root = try YOLOFixture.make()
        let dataset = try DetectionDataset.load(data: root + "/data.yaml", split: "train")
        #expect(dataset.format == .yolo)
        #expect(dataset.classNames == ["cell", "dot"])
        #expect(dataset.samples.map(\.stem) == ["bad", "empty", "good", "missing"])

        let bad = root + "/labels/train/bad.txt"
        let expected: [(String, Int?, String, LabelIssue.Action)] = [
            (bad, 2, "expected 5 fields, found 4", .droppedBox),
            (bad, 3, "'x' is not a number", .droppedBox),
            (bad, 4, "'nan' is not a finite number", .droppedBox),
            (bad, 5, "the box size 0.0 x 0.2 is not positive", .droppedBox),
            (bad, 6, "the box (0.7, 0.4, 1.1, 0.6) lies outside the image (1.0 x 1.0) (normalised)", .droppedBox),
            (bad, 7, "class 5 is unknown (nc is 2)", .droppedBox),
            (bad, 8, "the line repeats an earlier box", .droppedBox),
            (root + "/labels/train/empty.txt", nil, "the label file is empty", .keptAsBackground),
            (root + "/labels/train/missing.txt", nil, "the label file does not exist", .keptAsBackground),
        ]
        #expect(dataset.issues.count == expected.count)
        for (issue, (file, line, reason, action)) in zip(dataset.issues, expected) {
            #expect(issue == LabelIssue(file: file, line: line, reason: reason, action: action))
        }

        // Line 1 is a plain box; line 9 sticks out by 4e-4 on each side, within the slack, and is clipped.
        #expect(
            dataset.samples[0].boxes == [
                LabeledBox(classID: 0, x1: 16, y1: 12, x2: 48, y2: 36),
                LabeledBox(classID: 1, x1: 0, y1: 12, x2: 64, y2: 36),
            ])
        #expect(dataset.samples[1].boxes.isEmpty && dataset.samples[3].boxes.isEmpty)
        #expect(dataset.samples[2].boxes == [LabeledBox(classID: 0, x1: 0, y1: 0, x2: 32, y2: 48)])
    }

    @Test func yoloFailPolicyThrowsTheFirstIssue() throws {
        let root = try YOLOFixture.make()
        #expect(
            throws: DatasetError.badLabel(
                file: root + "/labels/train/bad.txt", line: 2, reason: "expected 5 fields, found 4")
        ) {
            try DetectionDataset.load(data: root + "/data.yaml", split: "train", badLabels: .fail)
        }
    }

    @Test func yoloListFileSplitReportsAMissingImage() throws {
        let root = try YOLOFixture.make()
        let dataset = try DetectionDataset.load(data: root, split: "val")
        #expect(dataset.samples.map(\.stem) == ["v1"])
        #expect(dataset.samples[0].boxes == [LabeledBox(classID: 1, x1: 16, y1: 12, x2: 48, y2: 36)])
        #expect(
            dataset.issues == [
                LabelIssue(
                    file: root + "/val.txt", line: 2, reason: "the image '\(root)/images/val/gone.jpg' does not exist",
                    action: .droppedImage)
            ])
    }

    @Test func missingSplitsAndPathsThrowClearErrors() throws {
        let root = try YOLOFixture.make()
        #expect(throws: DatasetError.notFound(path: root + "/nothing.yaml")) {
            try DetectionDataset.load(data: root + "/nothing.yaml", split: "train")
        }
        #expect(
            throws: DatasetError.splitNotFound(
                split: "test", path: root + "/data.yaml", reason: "'\(root)/images/absent' does not exist")
        ) {
            try DetectionDataset.load(data: root + "/data.yaml", split: "test")
        }
        #expect(
            throws: DatasetError.splitNotFound(
                split: "extra", path: root + "/data.yaml", reason: "the file has no 'extra' key")
        ) {
            try DetectionDataset.load(data: root + "/data.yaml", split: "extra")
        }
        #expect(throws: DatasetError.self) {
            try DetectionDataset.load(data: root + "/labels", split: "train")
        }
    }

    @Test func cocoJSONMapsCategoriesAndRecordsBadAnnotations() throws {
        let json = try COCOFixture.make()
        let images = PathNames.directory(of: json) + "/../images"
        let dataset = try DetectionDataset.load(data: json, split: "ignored")
        #expect(dataset.format == .coco)
        #expect(dataset.classNames == ["dog", "cat"])
        #expect(dataset.samples.map(\.imagePath) == [images + "/a.jpg", images + "/b.png"])
        #expect(
            dataset.samples[0].boxes == [
                LabeledBox(classID: 1, x1: 4, y1: 4, x2: 24, y2: 14),
                LabeledBox(classID: 0, x1: 30, y1: 10, x2: 60, y2: 40, isDifficult: true),
            ])
        #expect(dataset.samples[1].boxes == [LabeledBox(classID: 0, x1: 63.5, y1: 0, x2: 64, y2: 48)])

        let reasons = dataset.issues.map(\.reason)
        #expect(dataset.issues.allSatisfy { $0.file == json && $0.line == nil })
        #expect(reasons.count == 7)
        #expect(reasons[0].hasPrefix("image id 3: 'gone.jpg' is in none of"))
        #expect(reasons[1] == "annotation 16: image id 42 is not in 'images'")
        #expect(reasons[2] == "annotation 12 ('a.jpg'): bbox has 3 numbers, not 4")
        #expect(reasons[3] == "annotation 13 ('a.jpg'): the box size 0.0 x 5.0 is not positive")
        #expect(
            reasons[4]
                == "annotation 14 ('a.jpg'): the box (50.0, 10.0, 70.0, 20.0) lies outside the image (64.0 x 48.0)")
        #expect(reasons[5] == "annotation 15 ('a.jpg'): category 99 is unknown")
        #expect(reasons[6] == "image id 2: the listed size 60x48 differs from the image's 64x48")
        #expect(
            dataset.issues.map(\.action) == [.droppedImage] + Array(repeating: .droppedBox, count: 5) + [
                .usedDecodedSize
            ])

        #expect(throws: DatasetError.self) {
            try DetectionDataset.load(data: json, split: "", badLabels: .fail)
        }
        let catsOnly = try DetectionDataset.load(data: json, split: "", classNames: ["cat"])
        #expect(catsOnly.samples[0].boxes == [LabeledBox(classID: 0, x1: 4, y1: 4, x2: 24, y2: 14)])
    }

    @Test func vocTreeReadsDifficultBoxesAndRecordsIssues() throws {
        let root = try VOCFixture.make()
        let dataset = try DetectionDataset.load(data: root, split: "train")
        #expect(dataset.format == .voc)
        // Every XML of the tree contributes names, also x3's, which is in no split loaded here.
        #expect(dataset.classNames == ["cell", "dot", "zebra"])
        #expect(dataset.samples.map(\.stem) == ["x1", "x2"])
        #expect(
            dataset.samples[0].boxes == [
                LabeledBox(classID: 0, x1: 0, y1: 0, x2: 32, y2: 24),
                LabeledBox(classID: 1, x1: 9, y1: 9, x2: 20, y2: 20, isDifficult: true),
            ])
        #expect(dataset.samples[1].boxes == [LabeledBox(classID: 1, x1: 4, y1: 4, x2: 10, y2: 10)])
        let x1 = root + "/Annotations/x1.xml"
        #expect(
            dataset.issues == [
                LabelIssue(
                    file: root + "/ImageSets/Main/train.txt", line: 3,
                    reason: "no image for 'x4' in '\(root)/JPEGImages'", action: .droppedImage),
                LabelIssue(
                    file: x1, line: nil,
                    reason: "object 3 ('cell'): the box (9.0, 9.0, 70.0, 20.0) lies outside the image (64.0 x 48.0)",
                    action: .droppedBox),
                LabelIssue(
                    file: x1, line: nil, reason: "object 4 ('cell'): <bndbox> lacks a numeric corner",
                    action: .droppedBox),
                LabelIssue(
                    file: root + "/Annotations/x2.xml", line: nil, reason: "the annotation has no usable <size>",
                    action: .usedDecodedSize),
            ])

        let dotsOnly = try DetectionDataset.load(data: root, split: "train", classNames: ["dot"])
        #expect(dotsOnly.samples[0].boxes == [LabeledBox(classID: 0, x1: 9, y1: 9, x2: 20, y2: 20, isDifficult: true)])
        #expect(dotsOnly.issues.filter { $0.reason.contains("the class is not one of") }.count == 3)
    }
}

/// What the BCCD tree is known to hold, checked by ``DetectionDatasetTests/loadsBCCDTrain()``.
enum BCCDFacts {
    /// `<object>`s in BloodImage_00001.xml, the first image of the train split.
    static let firstTrainBoxCount = 19
    /// The label issues of the train split, as printed.
    static let trainIssues: [String] = []
}
