#!/usr/bin/env bash
# Looks at the HTML canvas in a real browser: renders `canvas --format html` for a repository,
# screenshots the screen layout, and prints it to PDF (landscape, A4 and Letter) to check that
# the printed page holds too.
#
#   scripts/screenshot.sh REPO [OUT_PREFIX] [extra canvas options...]
#
# Writes OUT_PREFIX.html, OUT_PREFIX.png (a 1600x1100 window), OUT_PREFIX-full.png (1600 wide,
# FULL_HEIGHT tall, default 2400: raise it for a long page), and OUT_PREFIX-a4-N.png / OUT_PREFIX-letter-N.png (the
# printed pages). OUT_PREFIX defaults to /tmp/mlops-canvas-shot.
#
# Needs Debian's chromium (apt-get install chromium) and poppler-utils for the print pages.
# Not part of `cargo test`: CI needs no browser. Never commit screenshots of real repositories.
set -euo pipefail
repo=${1:?usage: scripts/screenshot.sh REPO [OUT_PREFIX] [canvas options...]}
out=${2:-/tmp/mlops-canvas-shot}
shift $(( $# >= 2 ? 2 : 1 ))
here=$(cd "$(dirname "$0")/.." && pwd)
bin="${CARGO_TARGET_DIR:-$here/target}/debug/mlops-canvas"
[ -x "$bin" ] || (cd "$here" && cargo build --quiet)
command -v chromium >/dev/null || { echo "needs chromium (apt-get install chromium)" >&2; exit 2; }

"$bin" canvas --quiet --format html -o "$out.html" "$@" "$repo"

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# No network, no first-run work, no GPU: the page must stand on its own.
shoot() { # args for chromium...
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --hide-scrollbars "$@" 2>/dev/null
}
shoot --window-size=1600,1100 --screenshot="$out.png" "file://$out.html"
shoot --window-size=1600,"${FULL_HEIGHT:-2400}" --screenshot="$out-full.png" "file://$out.html"
echo "screen: $out.png, $out-full.png"

if command -v pdftoppm >/dev/null; then
  for paper in a4 letter; do
    page="A4 landscape"; [ "$paper" = letter ] && page="letter landscape"
    sed "s/@page { size: landscape;/@page { size: $page;/" "$out.html" > "$out-$paper.html"
    shoot --no-pdf-header-footer --print-to-pdf="$out-$paper.pdf" "file://$out-$paper.html"
    rm -f "$out-$paper"-*.png
    pdftoppm -png -r 70 "$out-$paper.pdf" "$out-$paper"
    echo "print ($page): $(ls "$out-$paper"-*.png | wc -l) page(s): $out-$paper-*.png"
  done
else
  echo "print check skipped: needs poppler-utils (pdftoppm)" >&2
fi
