#!/usr/bin/env bash
# Regenerates the fonts shipped for printed certificates (crates/print/assets/fonts/) and the list of the
# 通用规范汉字表 (crates/print/assets/fonts/tgscc-8105.txt). Not run by the tests: its output is committed.
#
# Sources (both Debian packages, fetched with `apt-get download`, nothing installed):
# - fonts-noto-cjk 1:20220127+repack1-1: Noto Serif CJK SC Regular (face 2 of
#   NotoSerifCJK-Regular.ttc), SIL Open Font License 1.1 (crates/print/assets/fonts/OFL.txt). One weight
#   only (bold titles are drawn filled and stroked): a second would double the repo's share.
# - unicode-data 15.0.0-1: the Unihan database; its field kTGH gives each character's serial
#   number in the 通用规范汉字表 (State Council, 2013), 8,105 characters.
#
# The font is subset with pyftsubset (fonttools) to: the 8,105 characters, every CJK Ext-A
# character (U+3400-4DBF, rare characters of names) the font has, Basic Latin, Latin-1, Latin
# Extended-A, general punctuation, letterlike symbols, enclosed numbers, CJK symbols and
# punctuation, full-width forms. Hinting is dropped (print). The rest of the CJK unified
# ideographs (U+4E00-9FFF outside the table) would more than double the file (15.6 MB).
set -euo pipefail
cd "$(dirname "$0")/.."
out=crates/print/assets/fonts
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

command -v pyftsubset >/dev/null 2>&1 \
  || pip install -q fonttools 2>/dev/null || pip install -q --break-system-packages fonttools
(cd "$work" && apt-get download fonts-noto-cjk unicode-data >/dev/null 2>&1)
for deb in "$work"/*.deb; do dpkg-deb -x "$deb" "$work/x"; done

{
  echo '# 通用规范汉字表 (Table of General Standard Chinese Characters, State Council 2013): 8,105 characters.'
  echo '# Source: Unicode Unihan database 15.0.0, field kTGH (Unihan_OtherMappings.txt, Debian package unicode-data 15.0.0-1).'
  echo '# Format: serial number in the table, TAB, code point, TAB, character. Regenerate with scripts/make-font.sh.'
  bzcat "$work/x/usr/share/unicode/Unihan_OtherMappings.txt.bz2" \
    | awk -F'\t' '$2=="kTGH" && $1 ~ /^U\+/ {split($3,a,":"); print a[2]"\t"$1}' \
    | sort -n \
    | python3 -c '
import sys
for line in sys.stdin:
    n, cp = line.split()
    print(f"{n}\t{cp}\t{chr(int(cp[2:], 16))}")'
} >"$out/tgscc-8105.txt"
test "$(grep -vc '^#' "$out/tgscc-8105.txt")" -eq 8105

grep -v '^#' "$out/tgscc-8105.txt" | cut -f2 | tr '\n' ',' >"$work/unicodes"
ranges="U+0020-007E,U+00A0-017F,U+2000-206F,U+2100-214F,U+2460-24FF,U+3000-303F,U+3400-4DBF,U+FF00-FFEF"
pyftsubset "$work/x/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc" --font-number=2 \
  --unicodes-file="$work/unicodes" --unicodes="$ranges" --layout-features='*' --no-hinting \
  --output-file="$out/NotoSerifSC-Regular-subset.otf"
# The licence: SIL OFL 1.1 as in the package's copyright file.
sed -n '/^ SIL OPEN FONT LICENSE Version 1.1/,/^License: GPL/p' \
  "$work/x/usr/share/doc/fonts-noto-cjk/copyright" | sed '$d; s/^ //; s/^\.$//' >"$work/ofl"
{ head -3 "$out/OFL.txt"; echo; cat "$work/ofl"; } >"$work/OFL.txt" && mv "$work/OFL.txt" "$out/OFL.txt"
ls -l "$out"
