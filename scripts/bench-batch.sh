#!/usr/bin/env bash
# Production-run benchmark: issues a generated roster of N rows (default 100000) with
# `skillcert issue-batch` into a fresh data dir and prints wall time, rate, peak memory and
# bytes on disk per certificate. Usage: scripts/bench-batch.sh [N] [-- extra issue-batch args]
# (e.g. `scripts/bench-batch.sh 10000 -- --formats document,token,qr-png,pdf`).
# SKILLCERT_BIN=path runs that binary instead of building target/release/skillcert (to compare
# a build of another commit in the same run); BENCH_DIR=path works there instead of
# target/bench-batch.
set -euo pipefail
cd "$(dirname "$0")/.."
n="${1:-100000}"
shift || true
[ "${1:-}" = "--" ] && shift
work="${BENCH_DIR:-target/bench-batch}"
rm -rf "$work" && mkdir -p "$work"
if [ -n "${SKILLCERT_BIN:-}" ]; then
  bin="$SKILLCERT_BIN"
else
  cargo build --release --quiet
  bin=target/release/skillcert
fi
python3 - "$n" "$work/roster.csv" <<'PY'
import sys, random
n, path = int(sys.argv[1]), sys.argv[2]
rng = random.Random(20261202)
def check(body):  # GB 11643-1999: the 18th character of a resident ID
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    return "10X98765432"[sum(int(d) * w for d, w in zip(body, weights)) % 11]
assert check("11010519491231002") == "X"
surnames = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
given = "伟芳娜秀敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉萍红娥玲芬燕彬鑫淼犇堃晓东海峰建国志强"
programs = [("6-18-01-01", "数控铣工 CNC Milling Operator"), ("6-25-04-08", "焊工 Welder"),
            ("6-31-01-03", "电工 Electrician"), ("4-07-05-01", "工业机器人系统运维员 Robot Maintenance")]
with open(path, "w", encoding="utf-8") as f:
    f.write("holder_name,holder_name_latin,national_id,program_code,program_name,level_framework,level,valid_years,work_type\n")
    for i in range(n):
        name = rng.choice(surnames) + "".join(rng.choice(given) for _ in range(rng.choice([1, 2])))
        code, prog = rng.choice(programs)
        body = "330602%04d%02d%02d%03d" % (rng.randint(1970, 2005), rng.randint(1, 12), rng.randint(1, 28), i % 1000)
        nid = body + check(body)
        f.write(f"{name},,{nid},{code},{prog},cn-nvq,{rng.randint(1, 5)},5,--\n")
PY
"$bin" --data-dir "$work/data" init --name "绍兴市职业技能鉴定指导中心 Benchmark Centre" --base-url https://verify.skills.example.cn >/dev/null
start=$(date +%s.%N)
status=0
/usr/bin/time -v "$bin" --data-dir "$work/data" issue-batch "$work/roster.csv" --out "$work/out" "$@" \
  >"$work/stdout" 2>"$work/time" || status=$?
end=$(date +%s.%N)
cat "$work/stdout"
if [ "$status" -ne 0 ]; then
  echo "issue-batch exited with $status:" >&2
  grep -v -e '^\s' -e '^Command being timed' "$work/time" | head -5 >&2
fi
wall=$(echo "$end - $start" | bc -l)
peak=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$work/time")
files=$(find "$work/out" -type f | wc -l)
bytes=$(du -sb "$work/out" | cut -f1)
disk=$(du -sk "$work/out" | cut -f1)
printf 'rows %d, wall %.1f s, %.0f certificates/s, peak RSS %.0f MiB\n' "$n" "$wall" "$(echo "$n / $wall" | bc -l)" "$(echo "$peak / 1024" | bc -l)"
printf 'files %d, %d bytes of files per certificate, %d bytes on disk per certificate (blocks)\n' \
  "$files" "$((bytes / n))" "$((disk * 1024 / n))"
for ext in credential.json jwt qr.png pdf; do
  count=$(find "$work/out" -maxdepth 1 -name "*.$ext" | wc -l)
  if [ "$count" -gt 0 ]; then
    sum=$(find "$work/out" -maxdepth 1 -name "*.$ext" -printf '%s\n' | awk '{s += $1} END {print s}')
    printf '  .%s: %d files, %d bytes each on average\n' "$ext" "$count" "$((sum / count))"
  fi
done
