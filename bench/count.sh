#!/bin/sh
# Count one directory of 1,000,000 empty files with doptop's counter
# (src/count.c through bench/count_bench.c), `find DIR -maxdepth 1 -type f |
# wc -l` and `ls -f DIR | wc -l`, warm cache, REPS runs each in this run;
# print every count, the best wall times and the ratios.  Each tool runs as
# its own process and is timed the same way from here (process start
# included).  Target (issue 4): doptop at least 2x faster than the faster of
# find and ls.  Exit 1 if the counts disagree or something fails.
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
	bench/count_bench.c src/count.c || { echo "count.sh: build failed"; exit 1; }

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
ns_f=$(best_ns "find $q -maxdepth 1 -type f | wc -l" "$out/f") || exit 1
ns_l=$(best_ns "ls -f $q | wc -l" "$out/l") || exit 1
n_d=$(cut -d' ' -f1 "$out/d")
in_d=$(cut -d' ' -f2 "$out/d")
n_f=$(cat "$out/f")
n_l=$(( $(cat "$out/l") - 2 ))   # ls -f also lists . and ..

echo "count of $dir ($reps runs each, best wall time, warm cache):"
printf '  %-40s %9s files %8.1f ms (in-process %.1f ms)\n' "doptop counter (getdents64)" "$n_d" \
	"$(echo "$ns_d / 1000000" | bc -l)" "$(echo "$in_d * 1000" | bc -l)"
printf '  %-40s %9s files %8.1f ms\n' "find -maxdepth 1 -type f | wc -l" "$n_f" "$(echo "$ns_f / 1000000" | bc -l)"
printf '  %-40s %9s files %8.1f ms\n' "ls -f | wc -l (minus . and ..)" "$n_l" "$(echo "$ns_l / 1000000" | bc -l)"

if [ "$n_d" != "$nfiles" ] || [ "$n_f" != "$nfiles" ] || [ "$n_l" != "$nfiles" ]; then
	echo "FAIL: counts disagree (expected $nfiles)"
	exit 1
fi
base=$ns_f; base_name=find
if [ "$ns_l" -lt "$base" ]; then base=$ns_l; base_name="ls -f"; fi
ratio=$(echo "$base / $ns_d" | bc -l)
printf '  ratio find/doptop %.2fx, ls -f/doptop %.2fx\n' \
	"$(echo "$ns_f / $ns_d" | bc -l)" "$(echo "$ns_l / $ns_d" | bc -l)"
if [ "$(echo "$ratio >= 2" | bc)" -eq 1 ]; then
	printf '  doptop is %.2fx faster than %s (target 2x): ok\n' "$ratio" "$base_name"
else
	printf '  doptop is %.2fx faster than %s (target 2x): BELOW TARGET\n' "$ratio" "$base_name"
fi
exit 0
