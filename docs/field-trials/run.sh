#!/bin/bash
# Runs `cargo async-hygiene check` over the code bases of docs/field-trials.md and tallies
# the reports per code base and rule as JSON.
#
#   docs/field-trials/run.sh [BINARY]   # default: target/release/cargo-async-hygiene
#
# FIELD (default /work/field) holds one extracted tree per code base; a missing one is
# extracted from MIRROR/<owner>+<repo>/repo (the search tool's fetch) or cloned from
# GitHub, at the commit listed. OUT (default /tmp/field-trials) receives <name>.json (the
# reports), <name>.err (the summary line) and tally.json.
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
bin=$(realpath "${1:-$here/target/release/cargo-async-hygiene}")
FIELD=${FIELD:-/work/field} MIRROR=${MIRROR:-/work/.mirror} OUT=${OUT:-/tmp/field-trials}
mkdir -p "$OUT"

# name          repository                        commit
list='
mini-redis       tokio-rs/mini-redis               3d93b42bc363220f85af4fc9e1bebd35b588a4a3
rathole          rapiz1/rathole                    0ee0157b4b9584580dde07a351982d87880f2404
dora             bluecatengineering/dora           64f21e2ae7d28047f46d99355eebc935bda88e15
sccache          mozilla/sccache                   bf757277c5b401ff5c6629de4a165f08024352d9
atuin            atuinsh/atuin                     824c8716d82bed774ee6a83c683087ae77715814
hickory-dns      hickory-dns/hickory-dns           557e87d6de7de985cda7134c7718502475dd280d
teloxide         teloxide/teloxide                 3c46b96e0dc0cabc75d6430c4566d7e2e12fd233
axum             tokio-rs/axum                     3d78036dcac289d6c1d54934708acb6a5bd73686
spider           spider-rs/spider                  5648a9425ae509c3865bdf8db08bd760634e37c0
tokio            tokio-rs/tokio                    ea91b33ca57ff0581b38e735cc108f831bccbdaa
bore             ekzhang/bore                      b23beb98a29f0175a400c8fc628663da41c0fb0e
miniserve        svenstaro/miniserve               4dab4829184483e28b8a4464a3c953130cfe4592
console          tokio-rs/console                  b59758e5a6effe3a9df3ec84a2f28d319d178234
pueue            Nukesor/pueue                     7564e1078ae90e6eff5a09361c7fb3fbbb5f25c2
shadowsocks-rust shadowsocks/shadowsocks-rust      6b96a84b9943a5e6b267778e98992c1ff3c5bce1
linkerd2-proxy   linkerd/linkerd2-proxy            29637b64f6cebedaf15bfbf516818d7a28a4d5a6
'

while read -r name repo commit; do
  [[ -n "$name" ]] || continue
  dir=$FIELD/$name
  if [[ ! -d "$dir" ]]; then
    git=$MIRROR/${repo/\//+}/repo
    if [[ ! -d "$git" ]]; then
      git=$OUT/clones/$name.git
      [[ -d "$git" ]] || git clone --quiet --bare --filter=blob:none "https://github.com/$repo" "$git"
    fi
    mkdir -p "$dir"
    git --git-dir="$git" archive "$commit" | tar -x -C "$dir"
  fi
  # cargo metadata reads the lockfile offline when it can; the summary line goes to stderr.
  start=$(date +%s.%N)
  set +e
  (cd "$dir" && "$bin" check --message-format json . >"$OUT/$name.json" 2>"$OUT/$name.err")
  status=$?
  set -e
  if [[ $status -gt 1 ]] && grep -q 'cargo metadata' "$OUT/$name.err"; then
    (cd "$dir" && "$bin" check --no-metadata --message-format json . >"$OUT/$name.json" 2>"$OUT/$name.err")
    status=$?; echo "no-metadata" >>"$OUT/$name.err"
  fi
  end=$(date +%s.%N)
  printf '%s %s %s %s\n' "$name" "$commit" "$status" "$(echo "$end - $start" | bc)" >>"$OUT/runs.txt.new"
done <<<"$list"
mv "$OUT/runs.txt.new" "$OUT/runs.txt"

python3 - "$OUT" <<'PY'
import json, sys, collections, pathlib
out = pathlib.Path(sys.argv[1]); tally = {}
for line in (out / "runs.txt").read_text().split("\n"):
    if not line: continue
    name, commit, status, seconds = line.split()
    rules = collections.Counter()
    for row in (out / f"{name}.json").read_text().splitlines():
        message = json.loads(row).get("message") or {}
        code = (message.get("code") or {}).get("code", "")
        if code.startswith("async-hygiene::"):
            rules[code.removeprefix("async-hygiene::")] += 1
    summary = [l for l in (out / f"{name}.err").read_text().splitlines() if l.startswith("async-hygiene:")]
    tally[name] = {"commit": commit, "exit": int(status), "seconds": round(float(seconds), 2),
                   "summary": summary[-1] if summary else None, "reports": dict(sorted(rules.items()))}
(out / "tally.json").write_text(json.dumps(tally, indent=1) + "\n")
print(json.dumps(tally, indent=1))
PY
