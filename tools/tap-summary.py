#!/usr/bin/env python3
"""Count TAP results of a meson test run: prints 'N passed, N failed, N skipped'.

meson counts a whole TAP file as one test; we count each TAP line so the
closing line says how many checks ran. A test program that crashed or timed
out without TAP lines counts as one failure. Exit 1 if anything failed.
"""
import json, re, sys

passed = failed = skipped = 0
skips = []
with open(sys.argv[1]) as f:
    for line in f:
        t = json.loads(line)
        out = t.get("stdout") or ""
        p = fl = s = 0
        for l in out.splitlines():
            m = re.match(r"^(not ok|ok)\b(.*)$", l)
            if not m:
                continue
            rest = m.group(2)
            if re.search(r"#\s*skip", rest, re.I):
                s += 1
                skips.append(f"{t['name']}:{rest.strip()}")
            elif m.group(1) == "ok":
                p += 1
            else:
                fl += 1
        if t.get("result") not in ("OK", "EXPECTEDFAIL", "SKIP") and fl == 0:
            fl += 1
        passed += p; failed += fl; skipped += s
if skips:
    print("skipped:")
    for s in skips:
        print("  " + s)
print(f"{passed} passed, {failed} failed, {skipped} skipped")
sys.exit(1 if failed else 0)
