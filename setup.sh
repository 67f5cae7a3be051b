#!/usr/bin/env bash
# Set-up and entry point for detectd on Debian 12, as root, with the Swift toolchain on PATH.
#
#   ./setup.sh run    install what is missing, build in release mode, run the main job on the bundled default
#   ./setup.sh test   install what is missing, then run the whole test suite (what CI runs)
#
# Idempotent: packages already present are not reinstalled, the venv is rebuilt only when its requirements change.
set -euo pipefail

cd "$(dirname "$0")"
root=$(pwd)

debian_packages=(
    libtorch-dev libdnnl-dev libavformat-dev libavcodec-dev libswscale-dev libavutil-dev libsystemd-dev
    pkg-config ffmpeg python3 python3-venv
    # Test-only: a real RTSP server on loopback (GStreamer's, driven from Debian's Python).
    gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good gstreamer1.0-plugins-bad
    gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-tools python3-gi
)

log() { printf 'setup: %s\n' "$*" >&2; }

install_debian_packages() {
    local missing=()
    for package in "${debian_packages[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q 'install ok installed'; then
            missing+=("$package")
        fi
    done
    if [ ${#missing[@]} -eq 0 ]; then
        return
    fi
    log "installing Debian packages: ${missing[*]}"
    local sudo=()
    [ "$(id -u)" -eq 0 ] || sudo=(sudo)
    "${sudo[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

# Python tools for tests and benchmarks only (the product itself needs no Python), in .venv.
install_python_tools() {
    local stamp=.venv/requirements.stamp
    if [ -f "$stamp" ] && cmp -s "$stamp" requirements-test.txt; then
        return
    fi
    log "creating .venv with the test tools of requirements-test.txt"
    python3 -m venv .venv
    .venv/bin/python -m pip install --quiet --disable-pip-version-check -r requirements-test.txt >&2
    cp requirements-test.txt "$stamp"
}

check_shared() {
    if [ ! -d "$root/../shared/yolov7" ]; then
        log "warning: ../shared/yolov7 is missing; fixture tests will fail"
    fi
}

# The main job: the daemon on a short clip made here, with the best weights the repository has: the distilled
# BCCD student of Models/ (a randomly initialised yolov7-tiny, whose detections are noise, if it is missing).
# The clip shows the BCCD test images (never seen in training), 5 per second; without ../shared, a test pattern.
run_main_job() {
    swift build -c release --product detectd >&2
    local detectd=.build/release/detectd demo=.build/demo bccd=../shared/datasets/bccd/BCCD
    mkdir -p "$demo"
    if [ ! -f "$demo/clip.mp4" ]; then
        if [ -f "$bccd/ImageSets/Main/test.txt" ]; then
            log "making a 640x480 H.264 demo clip of the BCCD test images"
            sed "s|.*|file '$(pwd)/$bccd/JPEGImages/&.jpg'\nduration 0.2|" "$bccd/ImageSets/Main/test.txt" \
                > "$demo/images.txt"
            ffmpeg -loglevel error -y -f concat -safe 0 -i "$demo/images.txt" -vf fps=25,format=yuv420p \
                -c:v libx264 "$demo/clip.mp4"
        else
            log "making a 5 s 640x480 H.264 demo clip (test pattern: ../shared is missing)"
            ffmpeg -loglevel error -y -f lavfi -i testsrc2=size=640x480:rate=25 -t 5 -c:v libx264 -pix_fmt yuv420p \
                "$demo/clip.mp4"
        fi
    fi
    local weights
    weights=$(ls Models/bccd-student.safetensors 2>/dev/null || true)
    if [ -z "$weights" ]; then
        weights="$demo/yolov7-tiny-random.safetensors"
        [ -f "$weights" ] || "$detectd" create-model --arch yolov7-tiny --names rbc,wbc,platelets --seed 0 "$weights"
    fi
    log "running: detectd --weights $weights --imgsz 320 --stats-interval 1 demo=$demo/clip.mp4"
    "$detectd" --weights "$weights" --imgsz 320 --stats-interval 1 "demo=$demo/clip.mp4"
}

run_tests() {
    check_shared
    log "checking formatting (swift format lint --strict)"
    swift format lint --strict --recursive Package.swift Sources Tests Benchmarks
    log "building and running the test suite"
    export DETECTD_PYTHON="$root/.venv/bin/python"
    swift build --build-tests >&2
    swift test --skip-build
}

case "${1:-}" in
run)
    install_debian_packages
    run_main_job
    ;;
test)
    install_debian_packages
    install_python_tools
    run_tests
    ;;
*)
    echo "usage: $0 run|test" >&2
    exit 64
    ;;
esac
