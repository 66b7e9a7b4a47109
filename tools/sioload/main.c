/* sioload — engine.io v4 / Socket.IO v5 client load generator: options and report. */
#include "sioload.h"
#include "addr.h"
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/resource.h>

const char *const mode_names[3] = {"polling", "upgrade", "websocket"};

static void usage(FILE *f)
{
	fputs(
"usage: sioload --url http://HOST:PORT[/PATH] [options]\n"
"\n"
"Opens K Socket.IO sessions (engine.io v4, Socket.IO v5) against a server, C at a time,\n"
"has each one get M acknowledgements of `whoami` (answered with {pid}) and checks that\n"
"every ack of a session came from ONE worker pid. Exit status 0 iff every session is OK.\n"
"\n"
"Target and protocol:\n"
"  --url URL            http://host:port[/path]; path is the engine.io path\n"
"                       (default /socket.io/). IPv6: http://[::1]:3000. No TLS.\n"
"  --mode MODE          polling    long-polling only (GET handshake, POST 40, GET 40{..},\n"
"                                  POST 42<id>[\"whoami\"] + GET 43<id>[..] per ack)\n"
"                       upgrade    polling handshake (and 40 over polling), WebSocket\n"
"                                  upgrade with the sid (2probe/3probe/5); acks over it;\n"
"                                  a session is OK only if it ended on the WebSocket.\n"
"                                  Like engine.io-client it probes right after the\n"
"                                  handshake, polls meanwhile, and sends 5 once no poll\n"
"                                  is in flight (the server ends one with a noop, 6)\n"
"                       websocket  WebSocket only (transport=websocket, no sid)\n"
"                       default: upgrade (what socket.io-client does by default)\n"
"  --new-conn           a new TCP connection for every HTTP request (Connection: close);\n"
"                       default: keep-alive; polling keeps a GET pending on one connection\n"
"                       and POSTs on another, like engine.io-client\n"
"  --pool N             polling/upgrade: all sessions of a thread share ONE pool of at\n"
"                       most N keep-alive HTTP connections, like a browser profile\n"
"                       (Chromium: 6 per host). A request takes the most recently used\n"
"                       idle one, else opens one while fewer than N exist, else waits\n"
"                       (FIFO). A long-poll GET holds its connection until answered, so\n"
"                       keep --concurrency <= N/2 per thread or POSTs queue behind GETs.\n"
"                       WebSockets always open their own connection, outside the N.\n"
"                       A request sent on a REUSED connection that is closed or reset\n"
"                       before any response byte is resent (counted as resends), like\n"
"                       Chromium; one on a new connection fails (http_error)\n"
"  --max-resends R      --pool: resends allowed per request (default N: each resend\n"
"                       closes one reused connection, so N resends have walked a whole\n"
"                       pool of dead connections; more means something loops)\n"
"  --fast-upgrade       upgrade mode: connect over polling first, then probe with no\n"
"                       GET pending, 5 right after 3probe (not what socket.io-client does)\n"
"  --nsp NAMESPACE      Socket.IO namespace (default /)\n"
"  --echo-bytes B       with every whoami also emit `echo` with a B-byte string and check\n"
"                       the ack returns it (polling: both in one \\x1e-batched POST). 0: off\n"
"\n"
"Load:\n"
"  -n, --sessions K     sessions in total (default 1000)\n"
"  -c, --concurrency C  sessions in flight at once (default 50)\n"
"  -m, --acks M         acked round trips per session (default 3; 0: connect only)\n"
"  --threads T          worker threads, each with its own epoll loop (default 1)\n"
"  --source-addrs LIST  bind sessions to these source addresses, round-robin per session\n"
"                       (all connections of a session use the same one). LIST: comma list,\n"
"                       or a file of addresses (whitespace/commas, # comments); IPv4 octets\n"
"                       may be ranges: 198.19.1-64.2 = 198.19.1.2 ... 198.19.64.2.\n"
"                       Sockets bind port 0 with IP_BIND_ADDRESS_NO_PORT; EADDRNOTAVAIL\n"
"                       (ports exhausted) is retried with backoff within --timeout. A\n"
"                       session holds up to 3 connections; sioload never keeps TIME_WAIT\n"
"                       sockets (it lets the server close, or resets).\n"
"  --timeout S          per-session time limit in seconds (default 10)\n"
"  --deadline S         hard bound on the whole run in seconds (default 60): running\n"
"                       sessions then count as timeout, unstarted ones as not_started\n"
"\n"
"Output:\n"
"  --json               print one JSON line with all results on stdout (the table then\n"
"                       goes to stderr unless --quiet)\n"
"  -q, --quiet          no table with --json, no progress line\n"
"  --no-progress        no progress line (by default one per second on stderr, from 1.5 s)\n"
"  --show-errors N      print details of the first N failed sessions on stderr (default 3)\n"
"  -h, --help           this text\n"
"\n"
"Failure reasons (each failed session counts once, under its first failure):\n"
"  session_id_unknown  a request carrying the sid got HTTP 400 {\"code\":1,...} (or\n"
"                      \"Session ID unknown\" for an upgrade): it reached the wrong worker\n"
"  connect_error       TCP connect failed, the handshake got a non-200/101 answer, or\n"
"                      Socket.IO answered CONNECT_ERROR (44)\n"
"  pid_changed         acks of one session came from different worker pids\n"
"  timeout             --timeout passed (or --deadline cut the session off)\n"
"  upgrade_failed      upgrade mode: the WebSocket upgrade got another status, a bad\n"
"                      Sec-WebSocket-Accept, or its connection failed\n"
"  http_error          another HTTP status, or a connection closed/reset mid-exchange\n"
"  protocol_error      malformed or unexpected HTTP, engine.io, Socket.IO or WebSocket data\n"
"  not_started         the --deadline came before the session could start\n"
"\n"
"Reported: sessions ok/failed by reason, sessions/s (OK sessions / time to the last one),\n"
"ack round-trip p50/p99/p99.9 (emit sent -> ack received), session and connect times,\n"
"sessions per worker pid, client CPU time (getrusage) and CPU per session, connections,\n"
"HTTP requests, WebSocket upgrades, port retries; with --pool: pool connections opened,\n"
"requests on reused connections, requests that waited, resends.\n",
	      f);
}

static int num(const char *s, const char *opt, double lo, double hi, double *v)
{
	char *e;
	errno = 0;
	double x = strtod(s, &e);
	if (errno || e == s || *e || !(x >= lo && x <= hi)) {
		fprintf(stderr, "sioload: bad value for %s: '%s' (%g..%g)\n", opt, s, lo, hi);
		return -1;
	}
	*v = x;
	return 0;
}

static void fmt_us(char *out, size_t n, uint64_t us)
{
	if (us < 1000)
		snprintf(out, n, "%" PRIu64 " µs", us);
	else if (us < 1000000)
		snprintf(out, n, "%.2f ms", (double)us / 1e3);
	else
		snprintf(out, n, "%.3f s", (double)us / 1e6);
}

struct result {
	struct stats st;
	double elapsed, user, sys;
};

static void print_table(FILE *f, const struct opts *o, const struct result *r)
{
	const struct stats *st = &r->st;
	double rate = r->elapsed > 0 ? (double)st->ok / r->elapsed : 0;
	fprintf(f, "sioload  %s%s  %s  sessions=%" PRIu64 " concurrency=%" PRIu64 " acks=%" PRIu64
		   " threads=%d%s\n",
		mode_names[o->mode],
		o->mode == MODE_WEBSOCKET ? ""
		: o->new_conn ? (o->fast_upgrade && o->mode == MODE_UPGRADE ? " new-conn fast" : " new-conn")
			      : (o->fast_upgrade && o->mode == MODE_UPGRADE ? " keep-alive fast" : " keep-alive"),
		o->url,
		o->sessions, o->concurrency, o->acks, o->threads,
		o->nsrc ? " (source addresses)" : "");
	fprintf(f, "  sessions       ok %" PRIu64 "  failed %" PRIu64 "\n", st->ok, st->failed);
	if (st->failed) {
		fprintf(f, "  failed by      ");
		for (int i = 0; i < R_COUNT; i++)
			if (st->fail[i])
				fprintf(f, "%s %" PRIu64 "  ", reason_names[i], st->fail[i]);
		fprintf(f, "\n");
	}
	fprintf(f, "  elapsed        %.3f s   %.1f sessions/s\n", r->elapsed, rate);
	char a[32], b[32], c[32], d[32];
	fmt_us(a, sizeof a, hist_quantile(&st->ack_rtt, 0.50));
	fmt_us(b, sizeof b, hist_quantile(&st->ack_rtt, 0.99));
	fmt_us(c, sizeof c, hist_quantile(&st->ack_rtt, 0.999));
	fmt_us(d, sizeof d, st->ack_rtt.max);
	fprintf(f, "  ack rtt        p50 %s  p99 %s  p99.9 %s  max %s  (%" PRIu64 " acks)\n", a, b, c,
		d, st->ack_rtt.n);
	fmt_us(a, sizeof a, hist_quantile(&st->connect_time, 0.50));
	fmt_us(b, sizeof b, hist_quantile(&st->connect_time, 0.99));
	fmt_us(c, sizeof c, hist_quantile(&st->session_time, 0.50));
	fmt_us(d, sizeof d, hist_quantile(&st->session_time, 0.99));
	fprintf(f, "  connect time   p50 %s  p99 %s     session time  p50 %s  p99 %s\n", a, b, c, d);
	fprintf(f, "  per worker pid ");
	int shown = 0, total = 0;
	for (unsigned i = 0; i < PIDMAP_SIZE; i++)
		if (st->pids.n[i]) {
			total++;
			if (shown++ < 16)
				fprintf(f, "%lld: %" PRIu64 "  ", st->pids.pid[i], st->pids.n[i]);
		}
	if (total > 16)
		fprintf(f, "... (%d pids)", total);
	if (!total)
		fprintf(f, "-");
	fprintf(f, "\n");
	double cpu = r->user + r->sys;
	fprintf(f, "  client cpu     user %.3f s  sys %.3f s  = %.1f µs/session  (%.0f%% of one core)\n",
		r->user, r->sys, st->started ? cpu * 1e6 / (double)st->started : 0,
		r->elapsed > 0 ? 100 * cpu / r->elapsed : 0);
	fprintf(f, "  traffic        %" PRIu64 " connections  %" PRIu64 " HTTP requests  %" PRIu64
		   " ws upgrades  %" PRIu64 " port retries  %" PRIu64 " keep-alive retries\n",
		st->connects, st->http_requests, st->ws_upgrades, st->port_retries,
		st->keepalive_retries);
	if (o->pool)
		fprintf(f, "  pool           size %u  %" PRIu64 " connections opened  %" PRIu64
			   " requests on reused connections  %" PRIu64 " waited  %" PRIu64 " resends\n",
			o->pool, st->pool_connections, st->pool_reused, st->pool_waits, st->resends);
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void print_json_pool(FILE *f, const struct opts *o, const struct stats *st);

static void print_json(FILE *f, const struct opts *o, const struct result *r)
{
	const struct stats *st = &r->st;
	double cpu = r->user + r->sys;
	fprintf(f, "{\"tool\":\"sioload\",\"mode\":\"%s\",\"new_conn\":%s,\"fast_upgrade\":%s,\"url\":",
		mode_names[o->mode], o->new_conn ? "true" : "false", o->fast_upgrade ? "true" : "false");
	json_str(f, o->url);
	fprintf(f, ",\"sessions\":%" PRIu64 ",\"concurrency\":%" PRIu64 ",\"acks\":%" PRIu64
		   ",\"threads\":%d,\"source_addrs\":%zu",
		o->sessions, o->concurrency, o->acks, o->threads, o->nsrc);
	fprintf(f, ",\"ok\":%" PRIu64 ",\"failed\":%" PRIu64 ",\"fail\":{", st->ok, st->failed);
	for (int i = 0; i < R_COUNT; i++)
		fprintf(f, "%s\"%s\":%" PRIu64, i ? "," : "", reason_names[i], st->fail[i]);
	fprintf(f, "},\"elapsed_s\":%.6f,\"sessions_per_s\":%.2f", r->elapsed,
		r->elapsed > 0 ? (double)st->ok / r->elapsed : 0.0);
	const struct hist *h = &st->ack_rtt;
	fprintf(f, ",\"ack_rtt_us\":{\"n\":%" PRIu64 ",\"p50\":%" PRIu64 ",\"p90\":%" PRIu64
		   ",\"p99\":%" PRIu64 ",\"p999\":%" PRIu64 ",\"max\":%" PRIu64 ",\"mean\":%.1f}",
		h->n, hist_quantile(h, .5), hist_quantile(h, .9), hist_quantile(h, .99),
		hist_quantile(h, .999), h->max, h->n ? (double)h->sum / (double)h->n : 0.0);
	h = &st->session_time;
	fprintf(f, ",\"session_us\":{\"p50\":%" PRIu64 ",\"p99\":%" PRIu64 ",\"max\":%" PRIu64 "}",
		hist_quantile(h, .5), hist_quantile(h, .99), h->max);
	h = &st->connect_time;
	fprintf(f, ",\"connect_us\":{\"p50\":%" PRIu64 ",\"p99\":%" PRIu64 ",\"max\":%" PRIu64 "}",
		hist_quantile(h, .5), hist_quantile(h, .99), h->max);
	fprintf(f, ",\"per_pid\":{");
	int k = 0;
	for (unsigned i = 0; i < PIDMAP_SIZE; i++)
		if (st->pids.n[i])
			fprintf(f, "%s\"%lld\":%" PRIu64, k++ ? "," : "", st->pids.pid[i], st->pids.n[i]);
	fprintf(f, "},\"pids\":%d", k);
	fprintf(f, ",\"cpu\":{\"user_s\":%.6f,\"sys_s\":%.6f,\"us_per_session\":%.2f}", r->user, r->sys,
		st->started ? cpu * 1e6 / (double)st->started : 0.0);
	fprintf(f, ",\"connections\":%" PRIu64 ",\"http_requests\":%" PRIu64 ",\"ws_upgrades\":%" PRIu64
		   ",\"port_retries\":%" PRIu64 ",\"keepalive_retries\":%" PRIu64 ",\"pings\":%" PRIu64
		   ",\"cut_by_deadline\":%" PRIu64 ",\"bytes_out\":%" PRIu64 ",\"bytes_in\":%" PRIu64,
		st->connects, st->http_requests, st->ws_upgrades, st->port_retries,
		st->keepalive_retries, st->pings, st->cut_by_deadline, st->bytes_out, st->bytes_in);
	if (o->pool)
		print_json_pool(f, o, st);
	fprintf(f, "}\n");
}

static void print_json_pool(FILE *f, const struct opts *o, const struct stats *st)
{
	fprintf(f, ",\"pool\":{\"size\":%u,\"max_resends\":%u,\"connections\":%" PRIu64
		   ",\"reused_requests\":%" PRIu64 ",\"waits\":%" PRIu64 ",\"resends\":%" PRIu64 "}",
		o->pool, o->max_resends, st->pool_connections, st->pool_reused, st->pool_waits,
		st->resends);
}

static double tv(struct timeval t) { return (double)t.tv_sec + (double)t.tv_usec / 1e6; }

int main(int argc, char **argv)
{
	static struct opts o = {
		.mode = MODE_UPGRADE,
		.sessions = 1000,
		.concurrency = 50,
		.acks = 3,
		.deadline_s = 60,
		.timeout_s = 10,
		.threads = 1,
		.progress = true,
		.show_errors = 3,
		.nsp = "/",
	};
	enum { O_URL = 256, O_MODE, O_NEWCONN, O_NSP, O_ECHO, O_THREADS, O_SRC, O_TIMEOUT,
	       O_DEADLINE, O_JSON, O_NOPROG, O_SHOWERR, O_FASTUP, O_POOL, O_MAXRESEND };
	static const struct option lo[] = {
		{"url", required_argument, 0, O_URL},
		{"mode", required_argument, 0, O_MODE},
		{"new-conn", no_argument, 0, O_NEWCONN},
		{"fast-upgrade", no_argument, 0, O_FASTUP},
		{"pool", required_argument, 0, O_POOL},
		{"max-resends", required_argument, 0, O_MAXRESEND},
		{"nsp", required_argument, 0, O_NSP},
		{"echo-bytes", required_argument, 0, O_ECHO},
		{"sessions", required_argument, 0, 'n'},
		{"concurrency", required_argument, 0, 'c'},
		{"acks", required_argument, 0, 'm'},
		{"threads", required_argument, 0, O_THREADS},
		{"source-addrs", required_argument, 0, O_SRC},
		{"timeout", required_argument, 0, O_TIMEOUT},
		{"deadline", required_argument, 0, O_DEADLINE},
		{"json", no_argument, 0, O_JSON},
		{"quiet", no_argument, 0, 'q'},
		{"no-progress", no_argument, 0, O_NOPROG},
		{"show-errors", required_argument, 0, O_SHOWERR},
		{"help", no_argument, 0, 'h'},
		{0, 0, 0, 0},
	};
	const char *url = NULL, *src = NULL;
	long max_resends = -1;
	double v;
	int ch;
	while ((ch = getopt_long(argc, argv, "n:c:m:qh", lo, NULL)) != -1) {
		switch (ch) {
		case O_URL: url = optarg; break;
		case O_MODE:
			if (!strcmp(optarg, "polling")) o.mode = MODE_POLLING;
			else if (!strcmp(optarg, "upgrade")) o.mode = MODE_UPGRADE;
			else if (!strcmp(optarg, "websocket")) o.mode = MODE_WEBSOCKET;
			else {
				fprintf(stderr, "sioload: --mode must be polling, upgrade or websocket\n");
				return 2;
			}
			break;
		case O_NEWCONN: o.new_conn = true; break;
		case O_FASTUP: o.fast_upgrade = true; break;
		case O_POOL: if (num(optarg, "--pool", 1, 65536, &v)) return 2; o.pool = (unsigned)v; break;
		case O_MAXRESEND: if (num(optarg, "--max-resends", 0, 1e6, &v)) return 2; max_resends = (long)v; break;
		case O_NSP:
			if (optarg[0] != '/' || strlen(optarg) >= sizeof o.nsp || strpbrk(optarg, ",\"\\ ")) {
				fprintf(stderr, "sioload: --nsp must look like /name\n");
				return 2;
			}
			strcpy(o.nsp, optarg);
			break;
		case O_ECHO: if (num(optarg, "--echo-bytes", 0, 1 << 20, &v)) return 2; o.echo_bytes = (size_t)v; break;
		case 'n': if (num(optarg, "--sessions", 1, 1e10, &v)) return 2; o.sessions = (uint64_t)v; break;
		case 'c': if (num(optarg, "--concurrency", 1, 1e6, &v)) return 2; o.concurrency = (uint64_t)v; break;
		case 'm': if (num(optarg, "--acks", 0, 1e6, &v)) return 2; o.acks = (uint64_t)v; break;
		case O_THREADS: if (num(optarg, "--threads", 1, 256, &v)) return 2; o.threads = (int)v; break;
		case O_SRC: src = optarg; break;
		case O_TIMEOUT: if (num(optarg, "--timeout", 0.001, 86400, &o.timeout_s)) return 2; break;
		case O_DEADLINE: if (num(optarg, "--deadline", 0.001, 86400 * 7, &o.deadline_s)) return 2; break;
		case O_JSON: o.json = true; break;
		case 'q': o.quiet = true; o.progress = false; break;
		case O_NOPROG: o.progress = false; break;
		case O_SHOWERR: if (num(optarg, "--show-errors", 0, 1e6, &v)) return 2; o.show_errors = (int)v; break;
		case 'h': usage(stdout); return 0;
		default: usage(stderr); return 2;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sioload: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (!url) {
		fprintf(stderr, "sioload: --url is required (see --help)\n");
		return 2;
	}
	if (parse_url(&o, url) || (src && parse_source_addrs(&o, src)))
		return 2;
	if (o.pool && (o.new_conn || o.mode == MODE_WEBSOCKET)) {
		fprintf(stderr, "sioload: --pool needs --mode polling or upgrade, without --new-conn\n");
		return 2;
	}
	if (max_resends >= 0 && !o.pool) {
		fprintf(stderr, "sioload: --max-resends needs --pool\n");
		return 2;
	}
	o.max_resends = max_resends >= 0 ? (unsigned)max_resends : o.pool;
	if (o.concurrency > o.sessions)
		o.concurrency = o.sessions;
	if ((uint64_t)o.threads > o.concurrency)
		o.threads = (int)o.concurrency;
	signal(SIGPIPE, SIG_IGN);

	/* Each session may hold a polling, a WebSocket and a few draining connections. */
	struct rlimit rl;
	if (!getrlimit(RLIMIT_NOFILE, &rl)) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
		getrlimit(RLIMIT_NOFILE, &rl);
		if (rl.rlim_cur != RLIM_INFINITY && o.concurrency * 3 + 64 > rl.rlim_cur)
			fprintf(stderr, "sioload: warning: open file limit %llu is low for concurrency %" PRIu64 "\n",
				(unsigned long long)rl.rlim_cur, o.concurrency);
	}

	char *echo = NULL;
	if (o.echo_bytes) {
		echo = malloc(o.echo_bytes);
		if (!echo)
			return 2;
		for (size_t i = 0; i < o.echo_bytes; i++)
			echo[i] = (char)('a' + i % 26);
	}

	static struct shared sh;
	struct worker *ws = calloc((size_t)o.threads, sizeof *ws);
	pthread_t *tids = calloc((size_t)o.threads, sizeof *tids);
	if (!ws || !tids)
		return 2;
	uint64_t seed = 0;
	if (getrandom(&seed, sizeof seed, 0) != sizeof seed)
		seed = (uint64_t)now_ns();
	struct rusage ru0, ru1;
	getrusage(RUSAGE_SELF, &ru0);
	sh.t0 = now_ns();
	uint64_t deadline = sh.t0 + (uint64_t)(o.deadline_s * 1e9);
	for (int t = 0; t < o.threads; t++) {
		struct worker *w = &ws[t];
		w->id = t;
		w->o = &o;
		w->sh = &sh;
		w->first = w->next = o.sessions * (uint64_t)t / (uint64_t)o.threads;
		w->end = o.sessions * (uint64_t)(t + 1) / (uint64_t)o.threads;
		w->conc = o.concurrency / (uint64_t)o.threads + ((uint64_t)t < o.concurrency % (uint64_t)o.threads);
		w->deadline = deadline;
		w->rng = (seed ^ (0x9E3779B97F4A7C15ULL * (uint64_t)(t + 1))) | 1;
		w->echo_str = echo;
	}
	for (int t = 1; t < o.threads; t++)
		if (pthread_create(&tids[t], NULL, worker_run, &ws[t])) {
			fprintf(stderr, "sioload: cannot start thread %d\n", t);
			return 2;
		}
	worker_run(&ws[0]);
	uint64_t t_end = now_ns();
	for (int t = 1; t < o.threads; t++)
		pthread_join(tids[t], NULL);
	if (o.threads > 1)
		t_end = now_ns();
	getrusage(RUSAGE_SELF, &ru1);

	static struct result r;
	uint64_t last_done = 0;
	for (int t = 0; t < o.threads; t++) {
		stats_merge(&r.st, &ws[t].st);
		if (ws[t].t_done > last_done)
			last_done = ws[t].t_done;
	}
	(void)t_end;
	r.elapsed = (double)((last_done ? last_done : t_end) - sh.t0) / 1e9;
	r.user = tv(ru1.ru_utime) - tv(ru0.ru_utime);
	r.sys = tv(ru1.ru_stime) - tv(ru0.ru_stime);
	if (o.json) {
		print_json(stdout, &o, &r);
		if (!o.quiet)
			print_table(stderr, &o, &r);
	} else {
		print_table(stdout, &o, &r);
	}
	fflush(stdout);
	for (int t = 0; t < o.threads; t++)
		sessions_free(&ws[t]);
	return r.st.ok == o.sessions && r.st.failed == 0 ? 0 : 1;
}
