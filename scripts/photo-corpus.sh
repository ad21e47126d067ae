#!/usr/bin/env bash
# The photo corpus report: generates COUNT degraded photos of the reference certificate's
# printed QR (deterministic for SEED) in target/photo-corpus/, reads them with skillcert's
# reader (release build of crates/cli/examples/photo_corpus.rs) and with zxing-cpp, and prints how many
# each read and skillcert's time per photo. Exit status 1 when zxing-cpp reads a photo that
# skillcert does not.   Usage: scripts/photo-corpus.sh [COUNT] [SEED]
set -euo pipefail
cd "$(dirname "$0")/.."
count="${1:-220}"
seed="${2:-13}"
dir=target/photo-corpus
PATH="$(scripts/python-tooling.sh):$PATH"
cargo build -q --release -p skillcert-cli --example photo_corpus
bin=target/release/examples/photo_corpus
[ -f "$dir/qr-0.png" ] || "$bin" seed "$dir" 3
python3 scripts/photo_corpus.py gen "$dir" --count "$count" --seed "$seed"
python3 scripts/photo_corpus.py zxing "$dir" > "$dir/zxing.tsv"
"$bin" read "$dir" > "$dir/skillcert.tsv"
echo "corpus: $count photos, seed $seed, in $dir"
python3 scripts/photo_corpus.py report "$dir" "$dir/skillcert.tsv" "$dir/zxing.tsv"
