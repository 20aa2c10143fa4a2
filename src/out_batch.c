/* out_batch.c — --batch text and --json lines (see out_batch.h). */
#include <math.h>
#include <string.h>
#include <time.h>
#include "format.h"
#include "model.h"
#include "text.h"
#include "out_batch.h"

void out_json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
		size_t n;
		if (*p == '"' || *p == '\\')
			fprintf(f, "\\%c", *p);
		else if (*p < 0x20 || *p == 0x7f)
			fprintf(f, "\\u%04x", *p);
		else if (*p < 0x80)
			fputc(*p, f);
		else if ((n = text_utf8_len((const char *)p)) > 0) {
			fwrite(p, 1, n, f);       /* a whole valid character */
			p += n - 1;
		} else
			fputs("\\ufffd", f);    /* JSON must be valid UTF-8 */
	}
	fputc('"', f);
}

/* A JSON number, or null when the figure is not known. */
static void jnum(FILE *f, const char *key, bool ok, double v, const char *sep)
{
	if (ok && isfinite(v))
		fprintf(f, "\"%s\":%.*f%s", key, fabs(v) >= 100 || v == floor(v) ? 0 : 2,
		        fabs(v) >= 100 ? round(v) : v, sep);
	else
		fprintf(f, "\"%s\":null%s", key, sep);
}

/* CPU split object (or null). */
static void jcpu(FILE *f, bool ok, int cores, const struct cpu_split *c)
{
	if (!ok) {
		fputs("\"cpu\":null,", f);
		return;
	}
	fprintf(f, "\"cpu\":{\"cores\":%d,\"user\":%.1f,\"system\":%.1f,\"iowait\":%.1f,"
	        "\"steal\":%.1f,\"idle\":%.1f},", cores, c->user, c->system, c->iowait,
	        c->steal, c->idle);
}

/* "headroom":x or null, "headroom_why":"..." (no trailing comma). */
static void json_headroom(FILE *f, const struct headroom *h)
{
	if (h->known)
		fprintf(f, "\"headroom\":%.2f,\"headroom_why\":", h->x);
	else
		fputs("\"headroom\":null,\"headroom_why\":", f);
	out_json_string(f, h->why);
}

/* ,"workers":{...}|null,"local_disk":{...}|null */
static void json_facts(FILE *f, const struct facts *fc)
{
	if (fc->have_workers) {
		fprintf(f, ",\"workers\":{\"count\":%d,\"running\":%d,\"sleeping\":%d,\"blocked\":%d,",
		        fc->w.count, fc->w.running, fc->w.sleeping, fc->w.blocked);
		jnum(f, "cpu_cores", fc->have_job_cores, fc->job_cores, ",");
		jnum(f, "mem_limit_B", fc->have_mem_limit, fc->mem_limit_B, "}");
	} else
		fputs(",\"workers\":null", f);
	if (fc->have_disks) {
		fputs(",\"local_disk\":{", f);
		jnum(f, "free_B", true, fc->disk_free_B, ",\"mount\":");
		out_json_string(f, fc->disk_mount);
		fputc('}', f);
	} else
		fputs(",\"local_disk\":null", f);
}

static void json_node(FILE *f, const struct node *nd, double t, double now)
{
	const struct rates *r = &nd->r;
	bool ok = nd->have_rates && (nd->state == CS_UP || nd->state == CS_STALE);
	fprintf(f, "{\"type\":\"node\",\"t\":%.3f,\"node\":", t);
	out_json_string(f, nd->spec->name);
	fprintf(f, ",\"state\":\"%s\",", conn_state_name(nd->state));
	jcpu(f, ok && (r->have & RP_CPU), r->cores, &r->cpu);
	jnum(f, "load1", ok && (r->have & RP_LOAD), r->load1, ",");
	bool p = ok && (r->have & RP_PROCS);
	jnum(f, "procs_running", p, r->procs_running, ",");
	jnum(f, "procs_blocked", p, r->procs_blocked, ",");
	jnum(f, "forks_per_s", p, r->forks_per_s, ",");
	jnum(f, "ctxt_per_s", p, r->ctxt_per_s, ",");
	if (ok && (r->have & RP_DISK)) {
		fputs("\"disk\":{", f);
		jnum(f, "read_Bps", true, r->disk_read_Bps, ",");
		jnum(f, "write_Bps", true, r->disk_write_Bps, ",");
		jnum(f, "util", true, r->disk_util, "},");
	} else
		fputs("\"disk\":null,", f);
	if (ok && (r->have & RP_NET)) {
		fputs("\"net\":{", f);
		jnum(f, "rx_Bps", true, r->net_rx_Bps, ",");
		jnum(f, "tx_Bps", true, r->net_tx_Bps, "},");
	} else
		fputs("\"net\":null,", f);
	if (ok && (r->have & RP_MEM)) {
		bool sw = (r->have & RP_SWAP) != 0;
		fputs("\"mem\":{", f);
		jnum(f, "total_B", true, r->mem_total_B, ",");
		jnum(f, "available_B", true, r->mem_available_B, ",");
		jnum(f, "swap_in_per_s", sw, r->swap_in_per_s, ",");
		jnum(f, "swap_out_per_s", sw, r->swap_out_per_s, "},");
	} else
		fputs("\"mem\":null,", f);
	if (ok && (r->have & RP_PSI)) {
		fputs("\"psi\":{", f);
		jnum(f, "cpu_some", true, r->psi_cpu_some, ",");
		jnum(f, "io_some", true, r->psi_io_some, ",");
		jnum(f, "io_full", true, r->psi_io_full, ",");
		jnum(f, "mem_some", true, r->psi_mem_some, ",");
		jnum(f, "mem_full", true, r->psi_mem_full, "},");
	} else
		fputs("\"psi\":null,", f);
	struct judgement j = ok ? nd->j : (struct judgement){ V_UNKNOWN, C_NONE };
	fprintf(f, "\"verdict\":\"%s\",\"cause\":\"%s\",\"advice\":", verdict_name(j.verdict),
	        cause_name(j.cause));
	out_json_string(f, ok ? model_advice(nd) : classify_advice(j));
	fputc(',', f);
	struct headroom h;
	classify_headroom(r, j, model_job_cores(nd), &h);	/* j is unknown without data */
	json_headroom(f, &h);
	json_facts(f, &nd->facts);
	fprintf(f, ",\"since_s\":%.3f,\"reconnects\":%u,\"restarted\":%s,\"probe\":\"%s\",\"why\":",
	        nd->since > 0 ? now - nd->since : 0, nd->reconnects,
	        nd->restarted ? "true" : "false",
	        nd->spec->local ? "local" : nd->spec->prom ? "prometheus" :
	        nd->spec->exporter ? "node_exporter" : nd->fallback_sh ? "sh" : "bash");
	out_json_string(f, nd->why);
	fputs("}\n", f);
}

void out_json_block(FILE *f, const struct model *m, double t, double now)
{
	for (size_t i = 0; i < m->n; i++)
		json_node(f, &m->nodes[i], t, now);
	struct cluster c;
	model_cluster(m, &c);
	fprintf(f, "{\"type\":\"cluster\",\"t\":%.3f,\"nodes\":%d,\"up\":%d,\"stale\":%d,"
	        "\"down\":%d,\"connecting\":%d,", t, c.nodes, c.up, c.stale, c.down, c.connecting);
	jcpu(f, c.cores > 0, c.cores, &c.cpu);
	fputs("\"disk\":{", f);
	jnum(f, "read_Bps", c.cores > 0, c.disk_read_Bps, ",");
	jnum(f, "write_Bps", c.cores > 0, c.disk_write_Bps, "},");
	fputs("\"net\":{", f);
	jnum(f, "rx_Bps", c.cores > 0, c.net_rx_Bps, ",");
	jnum(f, "tx_Bps", c.cores > 0, c.net_tx_Bps, "},");
	fputs("\"verdicts\":{", f);
	for (int v = 0; v < V_COUNT; v++)
		fprintf(f, "\"%s\":%d%s", verdict_name((enum verdict)v), c.count[v],
		        v + 1 < V_COUNT ? "," : "},");
	fprintf(f, "\"verdict\":\"%s\",\"cause\":\"%s\",\"advice\":",
	        verdict_name(c.dominant.verdict), cause_name(c.dominant.cause));
	out_json_string(f, classify_advice(c.dominant));
	fputc(',', f);
	json_headroom(f, &c.headroom);
	fputs("}\n", f);
	fflush(f);
}

/* "up", or "down 3m12s" for states that last. */
static void state_text(char *buf, size_t cap, const struct node *nd, double now)
{
	char d[16];
	if (nd->state == CS_UP || nd->since <= 0)
		snprintf(buf, cap, "%s%s", conn_state_name(nd->state), nd->restarted ? "*" : "");
	else
		snprintf(buf, cap, "%s %s", conn_state_name(nd->state),
		         fmt_duration(d, sizeof d, now - nd->since));
}

void out_text_block(FILE *f, const struct model *m, double t, double now, double interval)
{
	struct cluster c;
	model_cluster(m, &c);
	time_t tt = (time_t)t;
	struct tm tm;
	char ts[32];
	localtime_r(&tt, &tm);
	strftime(ts, sizeof ts, "%Y-%m-%d %H:%M:%S", &tm);
	fprintf(f, "doptop %s  interval %.1fs  nodes %d  up %d  stale %d  down %d  "
	        "cpu usr %.0f%% sys %.0f%% iow %.0f%% stl %.0f%%  verdict %s/%s\n",
	        ts, interval, c.nodes, c.up, c.stale, c.down, c.cpu.user, c.cpu.system,
	        c.cpu.iowait, c.cpu.steal, verdict_name(c.dominant.verdict),
	        cause_name(c.dominant.cause));
	fprintf(f, "%-24s %-14s %5s %5s %5s %5s %5s %5s %6s %6s %5s %5s %5s %5s %4s  %-13s %-7s %s\n",
	        "NODE", "STATE", "USR%", "SYS%", "IOW%", "STL%", "IDL%", "LOAD", "FORK/s",
	        "CTXT/s", "DSK_R", "DSK_W", "NETRX", "NETTX", "PSIO", "VERDICT", "CAUSE", "ADVICE");
	for (size_t i = 0; i < m->n; i++) {
		const struct node *nd = &m->nodes[i];
		const struct rates *r = &nd->r;
		char st[32], a[6][16];
		state_text(st, sizeof st, nd, now);
		if (!nd->have_rates || nd->state != CS_UP) {
			fprintf(f, "%-24.24s %-14s %s\n", nd->spec->name, st,
			        nd->why[0] ? nd->why : "no data yet");
			continue;
		}
		fprintf(f, "%-24.24s %-14s %5.1f %5.1f %5.1f %5.1f %5.1f %5.2f %6s %6s %5s %5s %5s %5s %4.0f  %-13s %-7s %s\n",
		        nd->spec->name, st, r->cpu.user, r->cpu.system, r->cpu.iowait,
		        r->cpu.steal, r->cpu.idle, r->load1,
		        fmt_count(a[0], sizeof a[0], r->forks_per_s),
		        fmt_count(a[1], sizeof a[1], r->ctxt_per_s),
		        fmt_bytes(a[2], sizeof a[2], r->disk_read_Bps),
		        fmt_bytes(a[3], sizeof a[3], r->disk_write_Bps),
		        fmt_bytes(a[4], sizeof a[4], r->net_rx_Bps),
		        fmt_bytes(a[5], sizeof a[5], r->net_tx_Bps), r->psi_io_some,
		        verdict_name(nd->j.verdict), cause_name(nd->j.cause),
		        model_advice(nd));
	}
	fputc('\n', f);
	fflush(f);
}
