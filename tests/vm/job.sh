#!/bin/sh
# The seed-shaped job, for busybox sh on a guest (no Python there): walk the
# inputs in shuffled order, skip any item whose output exists, write one
# output file per item (via a temp name, so a preempted item never counts).
#   job.sh SHARE WORK   SHARE holds in/ out/ tmp/; WORK is rounds of md5sum
share=$1 work=${2:-1}
me=$(hostname)
ls "$share/in" | shuf | while read -r f; do
	[ -e "$share/out/$f" ] && continue
	i=0 s=""
	while [ "$i" -lt "$work" ]; do s=$(md5sum < "$share/in/$f"); i=$((i + 1)); done
	printf '%s %s\n' "$s" "$me" > "$share/tmp/$f.$me" &&
		mv "$share/tmp/$f.$me" "$share/out/$f"
done
