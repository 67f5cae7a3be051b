#!/usr/bin/env bash
# The distillation proof of docs/results.md on BCCD: a teacher, a baseline student and a distilled student,
# trained with the same seed and recipe, then evaluated on the test split.
#
#   scripts/bccd-proof.sh [teacher|baseline|distilled|eval|all]   (default all; runs go to runs/bccd/)
#
# Environment: EPOCHS_TEACHER (70), EPOCHS_STUDENT (80), DISTILL_OPTIONS (extra options of `detectd distill`,
# e.g. "--beta 4"), DISTILLED (the distilled run's folder name, default distilled).
#
# Long: on 2 cores the teacher takes about an hour. Each stage resumes from its checkpoint when re-run.
set -euo pipefail
cd "$(dirname "$0")/.."
data=../shared/datasets/bccd/BCCD
detectd=.build/release/detectd
runs=runs/bccd
stage=${1:-all}
seed=0
imgsz=320
student_width=0.25
epochs_teacher=${EPOCHS_TEACHER:-70}
epochs_student=${EPOCHS_STUDENT:-80}
common=(--data "$data" --split train --val-split val --imgsz "$imgsz" --batch 8 --nominal-batch 8 --seed "$seed"
    --workers 2 --threads 2)

[ -x "$detectd" ] || swift build -c release --product detectd >&2

train() { # name, command, extra options...
    local name=$1 command=$2
    shift 2
    if [ -f "$runs/$name/checkpoint.safetensors" ]; then
        "$detectd" "$command" --resume "$runs/$name"
    else
        "$detectd" "$command" "${common[@]}" --out "$runs/$name" "$@"
    fi
}

if [ "$stage" = teacher ] || [ "$stage" = all ]; then
    train teacher train --arch yolov7-tiny --width 1 --epochs "$epochs_teacher"
fi
if [ "$stage" = baseline ] || [ "$stage" = all ]; then
    train baseline train --arch yolov7-tiny --width "$student_width" --epochs "$epochs_student"
fi
distilled=${DISTILLED:-distilled}
if [ "$stage" = distilled ] || [ "$stage" = all ]; then
    # shellcheck disable=SC2086 # DISTILL_OPTIONS is a list of options
    train "$distilled" distill --arch yolov7-tiny --width "$student_width" --epochs "$epochs_student" \
        --teacher "$runs/teacher/best.safetensors" ${DISTILL_OPTIONS:-}
fi
if [ "$stage" = eval ] || [ "$stage" = all ]; then
    for name in teacher baseline "$distilled"; do
        "$detectd" eval --weights "$runs/$name/best.safetensors" --data "$data" --split test --imgsz "$imgsz" \
            --json --save-json "$runs/$name/test-detections.json" --plots "$runs/$name/test"
    done
fi
