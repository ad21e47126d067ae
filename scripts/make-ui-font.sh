#!/usr/bin/env bash
# Regenerates the web font of the verification pages (crates/server/assets/fonts/ui-font.woff): the printed
# certificate's font (crates/print/assets/fonts/NotoSerifSC-Regular-subset.otf, Noto Serif SC, SIL OFL 1.1)
# subset to the characters the pages can show besides the certificate's own data: every
# character of the page templates and of the Rust sources that hold page words (i18n, verdict
# explanations, level names), plus Basic Latin, Latin-1, general punctuation and the CJK and
# full-width punctuation. WOFF (zlib) so that no brotli module is needed; hinting dropped.
# Names outside it (holders, programs) fall back to the whole print font, served too
# (GET /assets/cjk-font-*.otf), which a browser fetches only when a character needs it.
#
# Not run by the tests (its output is committed); crates/cli/tests/server/server_browser.rs fails when a
# page shows a character the fonts lack, which is when to run it again.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v pyftsubset >/dev/null 2>&1 \
  || pip install -q fonttools 2>/dev/null || pip install -q --break-system-packages fonttools
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 - "$work/text" crates/server/templates/*.html crates/server/src/i18n.rs \
  crates/server/src/pages.rs crates/core/src/verify/explain.rs crates/core/src/model/levels.rs <<'PY'
import sys
out, files = sys.argv[1], sys.argv[2:]
chars = set()
for f in files:
    chars.update(c for c in open(f, encoding="utf-8").read() if ord(c) > 0x7e)
open(out, "w", encoding="utf-8").write("".join(sorted(chars)))
PY
pyftsubset crates/print/assets/fonts/NotoSerifSC-Regular-subset.otf --text-file="$work/text" \
  --unicodes="U+0020-007E,U+00A0-00FF,U+2010-2027,U+2030-203A,U+3000-303F,U+FF01-FF5E" \
  --layout-features='*' --no-hinting --flavor=woff --with-zopfli 2>/dev/null \
  --output-file=crates/server/assets/fonts/ui-font.woff \
  || pyftsubset crates/print/assets/fonts/NotoSerifSC-Regular-subset.otf --text-file="$work/text" \
  --unicodes="U+0020-007E,U+00A0-00FF,U+2010-2027,U+2030-203A,U+3000-303F,U+FF01-FF5E" \
  --layout-features='*' --no-hinting --flavor=woff --output-file=crates/server/assets/fonts/ui-font.woff
ls -l crates/server/assets/fonts/ui-font.woff
