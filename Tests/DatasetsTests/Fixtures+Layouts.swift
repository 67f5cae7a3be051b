import Foundation

/// A small YOLO dataset with one label file full of bad lines; see ``DetectionDatasetTests``.
enum YOLOFixture {
    /// Makes the dataset (again) and returns its root, which holds `data.yaml`.
    static func make() throws -> String {
        let root = try DatasetFixtures.makeDirectory("yolo-\(UUID().uuidString)")
        try DatasetFixtures.write(
            """
            # splits relative to path
            path: .
            train: images/train
            val: val.txt
            test: images/absent
            nc: 2
            names:
              0: cell
              1: dot
            """, to: root + "/data.yaml")
        for name in ["bad.jpg", "empty.jpg", "missing.jpg"] {
            try DatasetFixtures.copyImage("base.jpg", to: root + "/images/train/" + name)
        }
        try DatasetFixtures.copyImage("base.png", to: root + "/images/train/good.png")
        try DatasetFixtures.write(
            """
            0 0.5 0.5 0.5 0.5
            1 0.5 0.5 0.2
            x 0.5 0.5 0.2 0.2
            0 nan 0.5 0.2 0.2
            0 0.5 0.5 0 0.2
            0 0.9 0.5 0.4 0.2
            5 0.5 0.5 0.2 0.2
            0 0.5 0.5 0.5 0.5
            1 0.5 0.5 1.0008 0.5

            """, to: root + "/labels/train/bad.txt")
        try DatasetFixtures.write("", to: root + "/labels/train/empty.txt")
        try DatasetFixtures.write("0 0.25 0.5 0.5 1\n", to: root + "/labels/train/good.txt")

        try DatasetFixtures.copyImage("base.jpg", to: root + "/images/val/v1.jpg")
        try DatasetFixtures.write("1 0.5 0.5 0.5 0.5\n", to: root + "/labels/val/v1.txt")
        try DatasetFixtures.write("./images/val/v1.jpg\nimages/val/gone.jpg\n", to: root + "/val.txt")
        return root
    }
}

/// A small COCO file with bad annotations; see ``DetectionDatasetTests``.
enum COCOFixture {
    /// Makes the dataset (again) and returns the JSON file's path.
    static func make() throws -> String {
        let root = try DatasetFixtures.makeDirectory("coco-\(UUID().uuidString)")
        try DatasetFixtures.copyImage("base.jpg", to: root + "/images/a.jpg")
        try DatasetFixtures.copyImage("base.png", to: root + "/images/b.png")
        let json = root + "/annotations/instances.json"
        try DatasetFixtures.write(
            """
            {"images": [{"id": 1, "file_name": "a.jpg", "width": 64, "height": 48},
                        {"id": 2, "file_name": "b.png", "width": 60, "height": 48},
                        {"id": 3, "file_name": "gone.jpg", "width": 64, "height": 48}],
             "categories": [{"id": 7, "name": "cat"}, {"id": 2, "name": "dog"}],
             "annotations": [
               {"id": 10, "image_id": 1, "category_id": 7, "bbox": [4, 4, 20, 10], "iscrowd": 0},
               {"id": 11, "image_id": 1, "category_id": 2, "bbox": [30, 10, 30, 30], "iscrowd": 1},
               {"id": 12, "image_id": 1, "category_id": 2, "bbox": [1, 2, 3]},
               {"id": 13, "image_id": 1, "category_id": 2, "bbox": [1, 2, 0, 5]},
               {"id": 14, "image_id": 1, "category_id": 2, "bbox": [50, 10, 20, 10]},
               {"id": 15, "image_id": 1, "category_id": 99, "bbox": [1, 1, 5, 5]},
               {"id": 16, "image_id": 42, "category_id": 2, "bbox": [1, 1, 5, 5]},
               {"id": 17, "image_id": 2, "category_id": 2, "bbox": [63.5, 0, 1.2, 48]}]}
            """, to: json)
        return json
    }
}

/// A small Pascal VOC tree; see ``DetectionDatasetTests``.
enum VOCFixture {
    /// Makes the tree (again) and returns its root.
    static func make() throws -> String {
        let root = try DatasetFixtures.makeDirectory("voc-\(UUID().uuidString)")
        try DatasetFixtures.copyImage("base.jpg", to: root + "/JPEGImages/x1.jpg")
        try DatasetFixtures.copyImage("base.jpg", to: root + "/JPEGImages/x2.jpg")
        try DatasetFixtures.write("x1\nx2\nx4\n", to: root + "/ImageSets/Main/train.txt")
        try DatasetFixtures.write(
            """
            <annotation><filename>x1.jpg</filename><size><width>64</width><height>48</height></size>
            <object><name>cell</name><difficult>0</difficult>
              <bndbox><xmin>1</xmin><ymin>1</ymin><xmax>32</xmax><ymax>24</ymax></bndbox></object>
            <object><name>dot</name><difficult>1</difficult>
              <bndbox><xmin>10</xmin><ymin>10</ymin><xmax>20</xmax><ymax>20</ymax></bndbox></object>
            <object><name>cell</name>
              <bndbox><xmin>10</xmin><ymin>10</ymin><xmax>70</xmax><ymax>20</ymax></bndbox></object>
            <object><name>cell</name>
              <bndbox><xmin>10</xmin><ymin>10</ymin><xmax>20</xmax></bndbox></object>
            </annotation>
            """, to: root + "/Annotations/x1.xml")
        try DatasetFixtures.write(
            """
            <annotation><filename>x2.jpg</filename>
            <object><name>dot</name><bndbox><xmin>5</xmin><ymin>5</ymin><xmax>10</xmax><ymax>10</ymax></bndbox></object>
            </annotation>
            """, to: root + "/Annotations/x2.xml")
        try DatasetFixtures.write(
            """
            <annotation><size><width>64</width><height>48</height></size>
            <object><name>zebra</name>
              <bndbox><xmin>5</xmin><ymin>5</ymin><xmax>10</xmax><ymax>10</ymax></bndbox></object>
            </annotation>
            """, to: root + "/Annotations/x3.xml")
        return root
    }
}
