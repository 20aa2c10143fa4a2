#!/bin/sh
# bench/refault.sh — doptop's memory under one fault repeated on one node:
# REFAULT_NODES loopback sshds (default 20) at -i 0.2; for each kind in
# REFAULT_KIND (default "flood kill"): node000's sshd replaced by a hostile
# one flooding garbage for 2 s (flood), or killed and restarted (kill),
# REFAULT_CYCLES times (default 30), then as long without faults as the
# baseline.  Prints doptop's RssAnon growth per fault after the first 10
# (glibc's per-size caches fill then) next to the quiet phase's; exit 1
# when a kind grew 1 KiB per fault or more; a kind that could not run is
# a SKIP with its reason.  ~8 minutes; not part of `make bench`; `make
# soak` measures the same over a long run.
cd "$(dirname "$0")/.." || exit 1
BIN=$(readlink -f "${DOPTOP:-./doptop}")
[ -x "$BIN" ] || { echo "refault.sh: $BIN missing (make doptop)"; exit 1; }
. tests/lib/sshd.sh
sshd_init || exit 1
HELPER_PID=""
# Stop the helper (it stops doptop and its sshds by PID, also listed in
# $SSHD_DIR/children), then whatever is left, then the dir.
refault_cleanup() {
	if [ -n "$HELPER_PID" ]; then
		kill "$HELPER_PID" 2>/dev/null
		wait "$HELPER_PID" 2>/dev/null
	fi
	if [ -f "$SSHD_DIR/children" ]; then
		for p in $(cat "$SSHD_DIR/children"); do kill "$p" 2>/dev/null; done
	fi
	sshd_cleanup
}
trap 'refault_cleanup' EXIT
trap 'exit 130' INT TERM
rc=0
for kind in ${REFAULT_KIND:-flood kill}; do
	python3 bench/refault_helper.py --bin "$BIN" --dir "$SSHD_DIR" \
		--nodes "${REFAULT_NODES:-20}" --cycles "${REFAULT_CYCLES:-30}" --kind "$kind" &
	HELPER_PID=$!
	wait "$HELPER_PID"
	r=$?
	HELPER_PID=""
	case $r in
	0) ;;
	2) echo "refault.sh: $kind: SKIP (see above)" ;;
	*) rc=1 ;;
	esac
done
exit $rc
