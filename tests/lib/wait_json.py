#!/usr/bin/python3
"""Wait until a JSON-lines file has N lines matching a condition.

usage: wait_json.py FILE SECONDS EXPR [N [FROM]]

EXPR is a Python expression over `o`, one parsed line (a dict), e.g.
'o["type"] == "node" and o["state"] == "down"'.  Lines that are not JSON
(yet: a line still being written) and lines before line FROM (1-based,
default 1) are ignored; a KeyError or TypeError in EXPR counts as no match.
Polls every 50 ms.  Exit 0 when N (default 1) lines match, printing the last
matching line's number; on the deadline exit 1 with one line on stderr
saying what was awaited and what the file holds.
"""
import json
import sys
import time


def matches(path, expr, start):
    """Return (number of matching lines, line number of the last, lines)."""
    n, last, total = 0, 0, 0
    try:
        with open(path, errors="replace") as f:
            for i, line in enumerate(f, 1):
                total = i
                if i < start or not line.endswith("\n"):
                    continue
                try:
                    o = json.loads(line)
                    ok = eval(expr, {}, {"o": o})
                except (ValueError, KeyError, TypeError, IndexError):
                    continue
                if ok:
                    n, last = n + 1, i
    except OSError:
        pass
    return n, last, total


def main():
    """Poll until the condition holds or the deadline passes."""
    if len(sys.argv) < 4:
        print(__doc__, file=sys.stderr)
        return 2
    path, secs, expr = sys.argv[1], float(sys.argv[2]), sys.argv[3]
    want = int(sys.argv[4]) if len(sys.argv) > 4 else 1
    start = int(sys.argv[5]) if len(sys.argv) > 5 else 1
    code = compile(expr, "EXPR", "eval")
    deadline = time.monotonic() + secs
    while True:
        n, last, total = matches(path, code, start)
        if n >= want:
            print(last)
            return 0
        if time.monotonic() >= deadline:
            print(f"wait_json: {secs:g} s passed with {n} of {want} lines of {path} "
                  f"(from line {start}, {total} lines in all) matching {expr}",
                  file=sys.stderr)
            return 1
        time.sleep(0.05)


if __name__ == "__main__":
    sys.exit(main())
