#!/usr/bin/env bash
# Speed of mlops-canvas against baselines on the same machine, in the same run.
#
#   scripts/bench.sh [REPO] [RUNS]
#
# - scan --no-git  vs  rg --hidden -c import   (a tool that reads every file)   target ratio <= 1.0
# - dora           vs  git log --all --format='%H %at %ct %P'                    target ratio <= 1.5
# - scan --no-git with vs without the structured readers                        target <= +25 %
# - the floor: the same walk reading the same files and analysing none of them, vs ripgrep
# Reports the median wall time of RUNS runs (default 7) of each, the ratios, and peak RSS.
# Ratios, not absolute times: these machines are shared and noisy. The two sides of each
# ratio run alternately, so a slow spell of the machine slows both.
set -euo pipefail
repo=${1:-.}
runs=${2:-7}
here=$(cd "$(dirname "$0")/.." && pwd)
bin="${CARGO_TARGET_DIR:-$here/target}/release/mlops-canvas"
[ -x "$bin" ] || (cd "$here" && cargo build --release --quiet)
command -v rg >/dev/null || { echo "needs ripgrep (apt-get install ripgrep)" >&2; exit 2; }
command -v /usr/bin/time >/dev/null || { echo "needs GNU time (apt-get install time)" >&2; exit 2; }

ms_of() { # command... -> wall ms of one run
  local s e
  s=$(date +%s%N); "$@" >/dev/null 2>&1 || true; e=$(date +%s%N)
  echo $(( (e - s) / 1000000 ))
}
median() { sort -n | awk '{a[NR]=$1} END{print a[int((NR+1)/2)]}'; }
# pair A... -- B...: runs A and B alternately $runs times (after one warm-up each) and sets
# $a and $b to their median wall ms.
pair() {
  local left=() right=() ta=() tb=()
  while [ "$1" != "--" ]; do left+=("$1"); shift; done; shift; right=("$@")
  ms_of "${left[@]}" >/dev/null; ms_of "${right[@]}" >/dev/null
  for _ in $(seq "$runs"); do ta+=("$(ms_of "${left[@]}")"); tb+=("$(ms_of "${right[@]}")"); done
  a=$(printf '%s\n' "${ta[@]}" | median); b=$(printf '%s\n' "${tb[@]}" | median)
}
peak_kb() { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null | tail -1; }

files=$(rg --files --hidden "$repo" 2>/dev/null | wc -l)
echo "repository: $repo ($files files)"
pair "$bin" scan --no-git --quiet -f json "$repo" -- rg --hidden -c import "$repo"
scan=$a rgt=$b
echo "scan --no-git: ${scan} ms   rg --hidden -c import: ${rgt} ms   ratio: $(awk "BEGIN{printf \"%.2f\", $scan/($rgt>0?$rgt:1)}")"
pair env MLOPS_CANVAS_BENCH_READ_ONLY=1 "$bin" scan --no-git --quiet -f json "$repo" -- rg --hidden -c import "$repo"
floor=$a rgt=$b
echo "floor (walk and read the same files, analyse none): ${floor} ms   rg: ${rgt} ms   ratio: $(awk "BEGIN{printf \"%.2f\", $floor/($rgt>0?$rgt:1)}")"
pair "$bin" scan --no-git --quiet -f json "$repo" -- env MLOPS_CANVAS_BENCH_NO_PARSERS=1 "$bin" scan --no-git --quiet -f json "$repo"
scan=$a bare=$b
echo "structured readers: scan ${scan} ms vs ${bare} ms without them: $(awk "BEGIN{printf \"%+.0f\", 100*($scan-$bare)/($bare>0?$bare:1)}") %   (target <= 25 %)"
echo "scan peak RSS: $(( $(peak_kb "$bin" scan --no-git -f json "$repo") / 1024 )) MiB"
if git -C "$repo" rev-parse --git-dir >/dev/null 2>&1; then
  commits=$(git -C "$repo" rev-list --all | wc -l); tags=$(git -C "$repo" tag | wc -l)
  pair "$bin" dora -f json "$repo" -- git -C "$repo" log --all --format='%H %at %ct %P'
  dora=$a glog=$b
  echo "history: $commits commits, $tags tags"
  echo "dora: ${dora} ms   git log --all: ${glog} ms   ratio: $(awk "BEGIN{printf \"%.2f\", $dora/($glog>0?$glog:1)}")"
  echo "dora peak RSS: $(( $(peak_kb "$bin" dora -f json "$repo") / 1024 )) MiB"
fi
