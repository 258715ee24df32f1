"""Puts #[async_hygiene::concurrent] and #[async_hygiene::no_blocking] on every async fn
with a body under DIR (free fns, impl methods, trait default methods), directly above the
fn and below its other attributes; prints the fns it skipped.

    python3 docs/field-trials/annotate.py DIR [concurrent,no_blocking]
"""
import re, sys, pathlib
ITEM = re.compile(r'^(\s*)((?:pub(?:\([^)]*\))?\s+)?(?:default\s+)?(?:const\s+)?async\s+(?:unsafe\s+)?(?:extern\s+"[^"]*"\s+)?fn\s+(\w+))', re.M)
ATTRS = sys.argv[2] if len(sys.argv) > 2 else "concurrent,no_blocking"
annotated = skipped = 0
for path in pathlib.Path(sys.argv[1]).rglob("*.rs"):
    if "/target/" in str(path): continue
    text = path.read_text()
    out, last = [], 0
    for m in ITEM.finditer(text):
        # a body: `{` comes before `;` after the signature (no `{` in signatures here)
        rest = text[m.end():]
        brace, semi = rest.find("{"), rest.find(";")
        if brace < 0 or (0 <= semi < brace):
            skipped += 1
            print(f"skip (no body) {path}:{text.count(chr(10), 0, m.start())+1} {m.group(3)}")
            continue
        indent = m.group(1).split("\n")[-1]
        attrs = "".join(f"{indent}#[async_hygiene::{a}]\n" for a in ATTRS.split(","))
        start = m.start() + len(m.group(1)) - len(indent)
        out.append(text[last:start]); out.append(attrs); last = start
        annotated += 1
    if out:
        out.append(text[last:]); path.write_text("".join(out))
print(f"annotated {annotated}, skipped {skipped}", file=sys.stderr)
