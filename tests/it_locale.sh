#!/bin/sh
# it_locale.sh — a German locale (decimal comma) changes nothing but the
# character set: --interval 0.5 is read and JSON numbers are written in the
# C locale; and ./themes in the current directory is never read.
set -u
BIN=$(readlink -f "${DOPTOP_BIN:-./build/dbg/doptop}")
T=$(mktemp -d /tmp/doptop-locale.XXXXXX) || exit 1
trap 'rm -rf "$T"' EXIT
fails=0
ok()  { echo "ok   - $1"; }
bad() { echo "FAIL - $1"; fails=$((fails + 1)); }
if localedef -i de_DE -f UTF-8 "$T/de_DE.UTF-8" 2>/dev/null; then
	# glibc keeps LOCPATH's parsed copy for the process's life (36 bytes
	# from __argz_add_sep): not doptop's, so LeakSanitizer is told.
	echo "leak:__argz_add_sep" > "$T/lsan.supp"
	out=$(LSAN_OPTIONS="suppressions=$T/lsan.supp" LOCPATH=$T LC_ALL=de_DE.UTF-8 \
		"$BIN" --interval 0.5 --json -c 2 -n local 2>"$T/err"); rc=$?
	echo "$out" | python3 -c '
import json, sys
n = 0
for line in sys.stdin:
    d = json.loads(line); n += 1
    assert isinstance(d["t"], float), d["t"]
assert n >= 2, n
' && [ "$rc" -eq 0 ] && ok "de_DE.UTF-8: --interval 0.5 taken, JSON valid with decimal points" ||
		bad "de_DE.UTF-8: rc=$rc $(echo "$out" | head -c 300) $(head -c 300 "$T/err")"
else
	echo "skip - localedef cannot make de_DE.UTF-8 here (no locale sources)"
fi
mkdir -p "$T/cwd/themes"
printf 'down = black black\n' > "$T/cwd/themes/evil.theme"
out=$(cd "$T/cwd" && "$BIN" --theme evil --once -n local 2>&1); rc=$?
[ "$rc" -eq 2 ] && echo "$out" | grep -q "theme 'evil' not found" &&
	ok "./themes in the current directory is not read" || bad "hostile ./themes: rc=$rc $out"
out=$(cd "$T/cwd" && "$BIN" --theme light --once -n local 2>&1); rc=$?
[ "$rc" -eq 0 ] && ok "installed/beside-the-binary theme 'light' still found" || bad "--theme light: rc=$rc $out"
echo "it_locale: $fails failed"
[ "$fails" -eq 0 ]
