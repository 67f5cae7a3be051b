"""Reference COCO box evaluation for the Evaluation tests: pycocotools' COCOeval on a ground-truth file and a
results file, printed as JSON.

Usage: coco_eval.py GROUND_TRUTH.json RESULTS.json

Prints {"stats": [12 numbers], "categories": [{"id", "ap50_95", "ap50", "ap75", "precision"}, ...]} where the
per-category APs are means of eval["precision"] for area "all" and maxDets 100 (null without ground truth,
pycocotools' -1) and "precision" is that category's whole table, one row per IoU threshold.
"""

import contextlib
import io
import json
import sys

from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval


def mean_or_none(values):
    """The mean of the entries that are not -1, or None when there are none."""
    valid = values[values > -1]
    return float(valid.mean()) if valid.size else None


def main():
    ground_truth_path, results_path = sys.argv[1:3]
    # pycocotools reports progress on stdout, which carries only the JSON here.
    with contextlib.redirect_stdout(io.StringIO()):
        ground_truth = COCO(ground_truth_path)
        results = ground_truth.loadRes(results_path)
        evaluation = COCOeval(ground_truth, results, "bbox")
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()

    precision = evaluation.eval["precision"]  # [IoU, recall, category, area, maxDets]
    categories = []
    for index, category_id in enumerate(evaluation.params.catIds):
        table = precision[:, :, index, 0, -1]
        categories.append({
            "id": int(category_id),
            "ap50_95": mean_or_none(table),
            "ap50": mean_or_none(table[0]),
            "ap75": mean_or_none(table[5]),
            "precision": table.tolist(),
        })
    print(json.dumps({"stats": evaluation.stats.tolist(), "categories": categories}))


if __name__ == "__main__":
    main()
