#!/bin/sh
# The seed-shaped job, for busybox sh on a guest (no Python there): walk the
# inputs in shuffled order, skip any item whose output exists, write one
# output file per item (via a temp name, so a preempted item never counts).
#   job.sh SHARE WORK PAUSE   SHARE holds in/ out/ tmp/; WORK is rounds of
#                             md5sum per item; PAUSE seconds each item also
#                             waits (a remote call, a licence server; 0: none)
# It starts once SHARE/go exists (so a fleet starts at one moment); its
# last line says how many items it did and how many it skipped.
share=$1 work=${2:-1} pause=${3:-0}
me=$(hostname)
while [ ! -e "$share/go" ]; do sleep 1; done
ls "$share/in" | shuf | {
	did=0 skipped=0
	while read -r f; do
		[ -e "$share/out/$f" ] && { skipped=$((skipped + 1)); continue; }
		i=0 s=""
		while [ "$i" -lt "$work" ]; do s=$(md5sum < "$share/in/$f"); i=$((i + 1)); done
		[ "$pause" = 0 ] || sleep "$pause"
		printf '%s %s\n' "$s" "$me" > "$share/tmp/$f.$me" &&
			mv "$share/tmp/$f.$me" "$share/out/$f" && did=$((did + 1))
	done
	echo "job.sh on $me: $did items done here, $skipped skipped (output there already)"
}
