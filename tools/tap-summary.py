#!/usr/bin/env python3
"""Count TAP results of a meson test run: prints 'N passed, N failed, N skipped'.

Usage: tap-summary.py [--numbers] BUILD/meson-logs/testlog.json

meson counts a whole TAP file as one test; we count each TAP line so the
closing line says how many checks ran. meson's testlog.json holds each test's
full stdout (checked with meson 1.0), which is where the TAP lines are.

  ok ... # SKIP ...        skipped (listed by name)
  not ok ... # TODO ...    skipped too: a known, expected failure
  ok ... # TODO ...        passed
A test program that crashed, timed out or failed without a 'not ok' line
counts as one failure; so does a missing or unreadable testlog.json. A test
that printed no TAP lines (meson's exitcode protocol) counts as one check.

--numbers prints only "PASSED FAILED SKIPPED" (for .ci/run to add up runs).
Exit 1 if anything failed.
"""
import json
import re
import sys

TAP_LINE = re.compile(r"^(not ok|ok)\b(.*)$")
DIRECTIVE = re.compile(r"#\s*(skip|todo)\b", re.I)


def count(path):
    passed = failed = skipped = 0
    skips, failures = [], []
    try:
        f = open(path)
    except OSError as e:
        return 0, 1, 0, [], [f"{path}: {e.strerror}"]
    with f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                t = json.loads(line)
            except ValueError:
                failed += 1
                failures.append(f"{path}: unreadable line")
                continue
            p = fl = s = 0
            for l in (t.get("stdout") or "").splitlines():
                m = TAP_LINE.match(l)
                if not m:
                    continue
                ok, rest = m.group(1) == "ok", m.group(2)
                d = DIRECTIVE.search(rest)
                directive = d.group(1).lower() if d else None
                if directive == "skip" or (directive == "todo" and not ok):
                    s += 1
                    skips.append(f"{t['name']}:{rest.strip()}")
                elif ok:
                    p += 1
                else:
                    fl += 1
                    failures.append(f"{t['name']}:{rest.strip()}")
            result = t.get("result")
            if result not in ("OK", "EXPECTEDFAIL", "SKIP") and fl == 0:
                fl += 1
                failures.append(f"{t['name']}: {result} (exit {t.get('returncode')})")
            elif p + fl + s == 0:
                # not a TAP test (meson's exitcode protocol, e.g. the fuzzers):
                # the program is one check
                if result == "SKIP":
                    s += 1
                    skips.append(f"{t['name']}: skipped (exit 77)")
                else:
                    p += 1
            passed += p
            failed += fl
            skipped += s
    return passed, failed, skipped, skips, failures


def main(argv):
    numbers = "--numbers" in argv[1:]
    args = [a for a in argv[1:] if a != "--numbers"]
    if len(args) != 1:
        print(__doc__.strip().splitlines()[2], file=sys.stderr)
        return 2
    passed, failed, skipped, skips, failures = count(args[0])
    if numbers:
        print(passed, failed, skipped)
    else:
        if skips:
            print("skipped:")
            for s in skips:
                print("  " + s)
        if failures:
            print("failed:")
            for s in failures:
                print("  " + s)
        print(f"{passed} passed, {failed} failed, {skipped} skipped")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
