#!/bin/sh
# Count one directory of 1,000,000 empty files with doptop's counter
# (src/count.c through bench/count_bench.c), `find DIR -maxdepth 1 -type f |
# wc -l` and `ls -f DIR | wc -l`, warm cache, REPS runs each in this run;
# print every count, the best wall times and the ratios.  Each tool runs as
# its own process and is timed the same way from here (process start
# included).  Target (issue 4): doptop at least 2x faster than the faster of
# find and ls.  The counter reads a big ext4 directory with two threads (see
# src/count.c); it is also timed with DOPTOP_COUNT_THREADS=1 for comparison.  Exit 1 if the counts disagree or something fails.
# Env: DOPTOP_BENCH_DIR (default /tmp/doptop-bench-1m, kept for reuse),
# DOPTOP_BENCH_FILES (default 1000000), DOPTOP_BENCH_REPS (default 7).
cd "$(dirname "$0")/.." || exit 1
dir=${DOPTOP_BENCH_DIR:-/tmp/doptop-bench-1m}
nfiles=${DOPTOP_BENCH_FILES:-1000000}
reps=${DOPTOP_BENCH_REPS:-7}
bin=build/bench/count_bench
tmp=""
trap '[ -n "$tmp" ] && rm -rf "$tmp"' EXIT INT TERM

mkdir -p build/bench || exit 1
${CC:-cc} -O2 -std=c11 -Wall -Wextra -Iinclude -D_GNU_SOURCE -o "$bin" \
	bench/count_bench.c src/count.c src/probe.c -lm -pthread || { echo "count.sh: build failed"; exit 1; }

# Reuse the directory only if it holds exactly the files we made.
have=$(ls -f "$dir" 2>/dev/null | wc -l)
if [ "$have" -ne $((nfiles + 2)) ]; then
	echo "creating $dir with $nfiles files (once; reused afterwards)"
	rm -rf "$dir"
	tmp="$dir.tmp.$$"
	t0=$(date +%s%N)
	"$bin" --create "$tmp" "$nfiles" || exit 1
	mv "$tmp" "$dir" || exit 1
	tmp=""
	echo "  created in $(( ($(date +%s%N) - t0) / 1000000 )) ms"
fi

# Best wall time (ns) of $reps runs of the shell command $1; its output
# (the count) goes to the file $2.
best_ns() {
	best=""
	i=0
	while [ "$i" -lt "$reps" ]; do
		t0=$(date +%s%N)
		sh -c "$1" >"$2" || return 1
		t=$(( $(date +%s%N) - t0 ))
		if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
		i=$((i + 1))
	done
	echo "$best"
}

out=$(mktemp -d) || exit 1
tmp=$out
q="'$dir'"
# Warm the dentry/page cache for everyone.
ls -f "$dir" >/dev/null && "$bin" "$dir" 1 >/dev/null || exit 1

ns_d=$(best_ns "$bin $q 1" "$out/d") || { echo "count.sh: doptop counter failed"; exit 1; }
ns_1=$(best_ns "DOPTOP_COUNT_THREADS=1 $bin $q 1" "$out/1") || { echo "count.sh: doptop counter failed"; exit 1; }
ns_f=$(best_ns "find $q -maxdepth 1 -type f | wc -l" "$out/f") || exit 1
ns_l=$(best_ns "ls -f $q | wc -l" "$out/l") || exit 1
n_d=$(cut -d' ' -f1 "$out/d")
in_d=$(cut -d' ' -f2 "$out/d")
n_1=$(cut -d' ' -f1 "$out/1")
n_f=$(cat "$out/f")
n_l=$(( $(cat "$out/l") - 2 ))   # ls -f also lists . and ..

# ms NS: nanoseconds as milliseconds; ratio A B: A / B.
ms() { awk -v n="$1" 'BEGIN { printf "%.1f", n / 1e6 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

echo "count of $dir ($reps runs each, best wall time, warm cache):"
printf '  %-40s %9s files %8s ms (last run in-process %s ms)\n' "doptop counter (getdents64)" "$n_d" \
	"$(ms "$ns_d")" "$(awk -v s="$in_d" 'BEGIN { printf "%.1f", s * 1000 }')"
printf '  %-40s %9s files %8s ms\n' "doptop counter, one thread" "$n_1" "$(ms "$ns_1")"
printf '  %-40s %9s files %8s ms\n' "find -maxdepth 1 -type f | wc -l" "$n_f" "$(ms "$ns_f")"
printf '  %-40s %9s files %8s ms\n' "ls -f | wc -l (minus . and ..)" "$n_l" "$(ms "$ns_l")"

if [ "$n_d" != "$nfiles" ] || [ "$n_1" != "$nfiles" ] || [ "$n_f" != "$nfiles" ] || [ "$n_l" != "$nfiles" ]; then
	echo "FAIL: counts disagree (expected $nfiles)"
	exit 1
fi
base=$ns_f; base_name=find
if [ "$ns_l" -lt "$base" ]; then base=$ns_l; base_name="ls -f"; fi
echo "  ratio one-thread/doptop $(ratio "$ns_1" "$ns_d")x"
echo "  ratio find/doptop $(ratio "$ns_f" "$ns_d")x, ls -f/doptop $(ratio "$ns_l" "$ns_d")x"
if [ $((base)) -ge $((2 * ns_d)) ]; then verdict=ok; else verdict="BELOW TARGET"; fi
echo "  doptop is $(ratio "$base" "$ns_d")x faster than $base_name (target 2x): $verdict"
exit 0
