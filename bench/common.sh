# Shared by the bench scripts (source it): option parsing and the set-up every benchmark needs.

# Parses `--name value` pairs into shell variables (dashes become underscores), accepting only the names of
# $1 (space-separated); prints the usage and exits 2 on anything else.
bench_parse() {
    local allowed=" $1 " usage
    shift
    usage="usage: $0$(for name in ${allowed}; do printf ' [--%s V]' "$name"; done)"
    while [[ $# -gt 0 ]]; do
        local name=${1#--}
        [[ $# -ge 2 && "$1" == --* && "$allowed" == *" $name "* ]] || { echo "$usage" >&2; exit 2; }
        printf -v "${name//-/_}" '%s' "$2"
        shift 2
    done
}

# Moves to the repository, checks the test venv, builds detectd in release mode, and sets `fixtures`,
# `python` and `detectd` (an absolute path).
bench_setup() {
    cd "$(dirname "${BASH_SOURCE[0]}")/.."
    fixtures=${DETECTD_FIXTURES:-../shared/yolov7}
    python=.venv/bin/python
    [[ -x "$python" ]] || { echo "no .venv: run ./setup.sh test once to create it" >&2; exit 1; }
    echo "building detectd (release)..." >&2
    swift build -c release --product detectd >&2
    detectd=$(pwd)/.build/release/detectd
}
