/*
 * probe.c — the shell loop doptop runs on every node (protocol in probe.h).
 *
 * The command sent over the exec channel is
 *
 *   exec sh -c '<dispatch>' doptop '<bash loop>' '<sh loop>'
 *
 * Only single-quoted words and no newlines, so it survives any login shell
 * that runs "$SHELL -c" (bash, dash, zsh, sh; also tcsh and fish).  The
 * dispatcher runs the bash loop when bash exists, else the POSIX sh loop;
 * setting DOPTOP_PROBE_SH in the environment forces the sh loop (tests).
 *
 * The bash loop forks nothing per sample: files are read with the read
 * builtin, the %vm and %stat filtering is parameter expansion and regex
 * matching, the delta against the last frame is bash arithmetic on
 * arrays, the frame is written with one printf, and pacing is `read -t` on stdin, which also
 * notices at once when doptop closes the channel (EOF) and takes a new
 * interval from doptop at once (a line of microseconds; probe.h).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "config.h"
#include "probe.h"

/* Decides which loop runs; $1 is the bash loop, $2 the sh loop. */
#define PROBE_DISPATCH \
	"[ -z \"$DOPTOP_PROBE_SH\" ]&&command -v bash >/dev/null 2>&1&&" \
	"exec bash -c \"$1\" doptop \"$2\";exec sh -c \"$2\" doptop"

/*
 * The zero-fork bash loop (%lld: interval in microseconds).  bash 5 is
 * needed for EPOCHREALTIME; older bash execs the sh loop ($1).
 *  r FILE   read a whole file into v (read -d '' returns 1 at EOF: fine)
 *  g KEY    append line "KEY n" of v (vmstat, meminfo) to the frame, if
 *           present: only the lines the parser reads travel (wire bytes).
 *           A regex match ([[ =~ ]], one pass in libc): bash's pattern
 *           removal ${v%%"KEY "*} tries the pattern at every position,
 *           and the twelve keys took 2.7 ms of a 2.9-ms sample here (40 ms
 *           and more in an emulated guest, where doptop's own probe then
 *           read as 9-20% of the CPU on an idle node); this takes 0.55 ms
 *  D        the body of a protocol 2 frame (frame_delta.h) into e: A holds
 *           this frame's lines, O the last one's; a line equal to the one
 *           at its place adds to a run, a changed one with as many words
 *           sends per word nothing (same), the difference of the numbers
 *           the two words end in (same text before them; 1-18 digits
 *           without a leading 0: 64-bit arithmetic cannot overflow) or
 *           'WORD; any other line goes as +LINE
 *  w        wait until the next tick; `read -t` returns >128 on timeout,
 *           another non-zero value at EOF: then exit; a line read is a
 *           new interval in microseconds when it is 5 to 12 digits (10 ms
 *           and up; no leading 0, which bash would read as octal): the
 *           next tick moves to the last one plus the new interval ([[ =~ ]]
 *           is a builtin: still no fork)
 * The first frame is protocol 1 (the whole text), every later one
 * protocol 2.  The "intr" line of /proc/stat is dropped: it holds one
 * number per IRQ and can exceed FPARSE_MAX_LINE on big machines; so is
 * "softirq" (its last line): nothing reads either; nor the PSI averages
 * (avg10= avg60= avg300=): the parser reads total=, so a PSI line goes as
 * "some total=N" (a regex; the whole text when it does not match).  set -f: the word
 * splits in D must not glob.  LC_ALL=C makes EPOCHREALTIME print a '.'
 * and string ops byte-wise.
 */
#define PROBE_BASH \
	"set -f;IFS=;LC_ALL=C;N=$'\\n';W=$' \\t';n=0;I=%lld;" \
	"[ -n \"$EPOCHREALTIME\" ]||exec sh -c \"$1\" doptop;" \
	"r(){ v=;read -r -d \"\" v <\"$1\";};" \
	"g(){ [[ $v =~ $N($1 [^$N]*) ]]&&f+=${BASH_REMATCH[1]}$N;};" \
	"D(){ e=;m=0;K=${#O[@]};i=0;for l in \"${A[@]}\";do " \
	"[[ $l == \"${O[i++]}\" ]]&&m=$((m+1))&&continue;((m))&&e+=\"=$m$N\"&&m=0;" \
	"IFS=$W;X=(${O[i-1]});Y=($l);IFS=;" \
	"((i>K||${#X[@]}!=${#Y[@]}))&&e+=\"+$l$N\"&&continue;" \
	"x=;z=;j=0;for q in \"${Y[@]}\";do p=${X[j++]};" \
	"[[ $p == \"$q\" ]]&&z+=\" \"&&continue;" \
	"if [[ $p$q == *[!0-9]* ]];then u=${p##*[!0-9]};y=${q##*[!0-9]};" \
	"[[ ${p%%\"$u\"} == \"${q%%\"$y\"}\" ]]||u=;else u=$p;y=$q;fi;" \
	"if [[ $u && $y && $u != 0?* && $y != 0?* && ${#u} -lt 19 && ${#y} -lt 19 ]];" \
	"then x+=$z$((y-u));else x+=\"$z'$q\";fi;z=\" \";done;" \
	"e+=\"~$x$N\";done;((m))&&e+=\"=$m$N\";};" \
	"w(){ while :;do d=$((t-${EPOCHREALTIME//[^0-9]/}));" \
	"((d<-I))&&t=$((t-d))&&d=0;((d<1000))&&d=1000;" \
	"printf -v x %%d.%%06d $((d/1000000)) $((d%%1000000));" \
	"read -t $x -r L;s=$?;((s>128))&&return;((s))&&exit;" \
	"[[ $L =~ ^[1-9][0-9]{4,11}$ ]]&&t=$((t-I+L))&&I=$L;done;};" \
	"t=${EPOCHREALTIME//[^0-9]/};" \
	"while :;do n=$((n+1));" \
	"r /proc/stat;T=$EPOCHREALTIME;a=${v%%%%\"${N}intr \"*};b=${v:${#a}+1};" \
	"c=${b%%%%\"$N\"*};b=${b:${#c}+1};f=\"%%stat$N$a$N${b%%\"softirq \"*}\";" \
	"r /proc/diskstats;f+=\"%%disk$N$v\";" \
	"r /proc/net/dev;f+=\"%%net$N$v\";" \
	"r /proc/loadavg;f+=\"%%load$N$v\";" \
	"r /proc/meminfo;v=$N$v;f+=\"%%mem$N\";" \
	"for k in MemTotal: MemFree: MemAvailable: Buffers: Cached: SwapTotal: " \
	"SwapFree:;do g $k;done;" \
	"r /proc/vmstat;v=$N$v;f+=\"%%vm$N\";" \
	"for k in pswpin pswpout workingset_refault_file workingset_refault_anon " \
	"workingset_refault;do g $k;done;" \
	"for k in cpu io memory;do r /proc/pressure/$k 2>/dev/null;" \
	"[[ $v =~ ^(some)[^$N]*( total=[0-9]+$N)((full)[^$N]*( total=[0-9]+$N))?$ ]]&&" \
	"v=${BASH_REMATCH[1]}${BASH_REMATCH[2]}${BASH_REMATCH[4]}${BASH_REMATCH[5]};" \
	"[ -n \"$v\" ]&&f+=\"%%psi-${k:0:3}$N$v\";done;" \
	"IFS=$N;A=($f);IFS=;" \
	"if((n>1));then D;f=\"@@DOPTOP 2 $n $T bash$N$e\";" \
	"else f=\"@@DOPTOP 1 $n $T bash$N$f\";fi;O=(\"${A[@]}\");" \
	"printf %%s \"$f@@END $n$N\"||exit;t=$((t+I));w;done"

/*
 * The POSIX sh fallback (%s: interval in seconds for sleep).  It forks cat,
 * grep, date and sleep every sample (flags "sh").  The loop runs in the
 * background while the foreground reads stdin; at EOF it kills the loop.
 */
#define PROBE_SH \
	"(n=0;while :;do n=$((n+1));t=$(date +%%s.%%N 2>/dev/null);" \
	"case $t in *[!0-9.]*|\"\") t=$(date +%%s);;esac;" \
	"printf \"@@DOPTOP 1 %%s %%s sh\\n%%%%stat\\n\" $n $t;" \
	"grep -v \"^intr \" /proc/stat;" \
	"printf \"%%%%disk\\n\";cat /proc/diskstats;" \
	"printf \"%%%%net\\n\";cat /proc/net/dev;" \
	"printf \"%%%%load\\n\";cat /proc/loadavg;" \
	"printf \"%%%%mem\\n\";" \
	"grep -E \"^(MemTotal|MemFree|MemAvailable|Buffers|Cached|SwapTotal|SwapFree):\" " \
	"/proc/meminfo;" \
	"printf \"%%%%vm\\n\";grep -E \"^(pswp|workingset_refault)\" /proc/vmstat;" \
	"for k in cpu io memory;do [ -r /proc/pressure/$k ]&&" \
	"printf \"%%%%psi-%%.3s\\n\" $k&&cat /proc/pressure/$k 2>/dev/null;done;" \
	"printf \"@@END %%s\\n\" $n;sleep %s 2>/dev/null||sleep 1;done)&" \
	"while read -r _;do :;done;kill $!"

/* Quote s for a POSIX shell: '...' with each ' written as '\''. */
int probe_shell_quote(char *buf, size_t cap, const char *s)
{
	size_t n = 0;

	if (cap < 3)
		return -1;
	buf[n++] = '\'';
	for (; *s; s++) {
		if (*s == '\'') {
			if (n + 4 + 2 > cap)
				return -1;
			memcpy(buf + n, "'\\''", 4);
			n += 4;
		} else {
			if (n + 1 + 2 > cap)
				return -1;
			buf[n++] = *s;
		}
	}
	buf[n++] = '\'';
	buf[n] = '\0';
	return (int)n;
}

/* Interval clamped to what the loops can honour: 10 ms .. the longest
 * interval (config.h). */
static double clamp_interval(double s)
{
	if (isnan(s) || s < 0.01)
		return isnan(s) ? 1.0 : 0.01;
	return s > INTERVAL_MAX_S ? INTERVAL_MAX_S : s;
}

/* The line that sets a running bash loop's interval. */
int probe_interval_line(char *buf, size_t cap, double interval_s)
{
	int n = snprintf(buf, cap, "%lld\n", (long long)llround(clamp_interval(interval_s) * 1e6));
	return n > 0 && (size_t)n < cap ? n : -1;
}

/* Write the remote command that runs the probe at interval_s. */
int probe_command(char *buf, size_t cap, double interval_s)
{
	char bash_loop[4096], sh_loop[1536], secs[32];
	double iv = clamp_interval(interval_s);
	int n, qb, qs;

	n = snprintf(bash_loop, sizeof(bash_loop), PROBE_BASH, (long long)llround(iv * 1e6));
	if (n < 0 || (size_t)n >= sizeof(bash_loop))
		return -1;
	snprintf(secs, sizeof(secs), "%.3f", iv);
	n = snprintf(sh_loop, sizeof(sh_loop), PROBE_SH, secs);
	if (n < 0 || (size_t)n >= sizeof(sh_loop))
		return -1;
	n = snprintf(buf, cap, "exec sh -c '%s' doptop ", PROBE_DISPATCH);
	if (n < 0 || (size_t)n >= cap)
		return -1;
	qb = probe_shell_quote(buf + n, cap - (size_t)n, bash_loop);
	if (qb < 0 || (size_t)(n + qb + 1) >= cap)
		return -1;
	n += qb;
	buf[n++] = ' ';
	qs = probe_shell_quote(buf + n, cap - (size_t)n, sh_loop);
	if (qs < 0)
		return -1;
	return n + qs;
}
