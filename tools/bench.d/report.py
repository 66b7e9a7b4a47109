#!/usr/bin/env python3
"""tools/bench's report: the tables, from the JSON records the runs left behind.

  report.py --progress LINE          one short line about one run (stderr progress)
  report.py --other LINE             cores busy with something else during that run
  report.py --results FILE [--gate JSON] [--gate-stats JSON] [--meta JSON] [--json OUT]
  report.py --from-json OUT [--json OUT2]     render an earlier run's --json output again

Each line of FILE is one run: {"setup", "addrs", "mode", "workers", "rep" (the round, or
the repetition of a WebSocket-only run), "srv_cpu_s", "srv_cpu" {"total", "by_comm"},
"wall_s", "host_busy_cores", "busy_before", "quiet_wait_s", "attempt",
"sioload": <sioload --json>, "cost": <siosteer cost --json> | null}.
A row of the tables is the median over the rounds of one setup x addresses x mode.
"""
import argparse
import json
import statistics
import sys

NAMES = {
    "single": "1 worker (reference)",
    "reuseport": "SO_REUSEPORT x4 (no stickiness)",
    "nginx": "nginx ip_hash x4",
    "sticky": "@socket.io/sticky x4",
    "steer-addr": "siosteer --key addr x4",
    "steer-sid": "siosteer --key sid x4 (cookies auto)",
    "steer-sid-sysctl": "siosteer --key sid --cookies sysctl x4",
    "steer-sid-tc": "siosteer --key sid --cookies sysctl --gate tc x4",
}
ORDER = list(NAMES)
MODE_NAMES = {"polling": "polling only", "upgrade": "polling -> WebSocket",
              "websocket": "WebSocket only"}
SHORT_REASON = {"session_id_unknown": "sid_unknown", "connect_error": "connect",
                "pid_changed": "pid_changed", "timeout": "timeout",
                "upgrade_failed": "upgrade", "http_error": "http", "protocol_error": "protocol",
                "not_started": "not_started"}
MEDIAN_KEYS = ("sessions_per_s", "ack_p50_us", "ack_p99_us", "ack_p999_us",
               "server_cpu_us_per_session", "client_cpu_us_per_session", "host_busy_cores",
               "other_cores", "host_cpu_us_per_session", "balance_dev_pts", "cpu_us_per_session")


def other_cores(r, s):
    """Cores busy during the run beyond our server processes and sioload: other jobs on
    the machine, and kernel threads (ksoftirqd) working for either."""
    wall = r.get("wall_s")
    busy = r.get("host_busy_cores")
    cpu = s.get("cpu", {})
    if not wall or busy is None:
        return None
    return round(busy - (r["srv_cpu_s"] + cpu.get("user_s", 0) + cpu.get("sys_s", 0)) / wall, 2)


def cost_figures(c, done):
    if not c:
        return None
    out = {}
    for p in c.get("programs", []):
        out[p["prog"]] = {"ns_per_run": p["ns_per_run"], "runs": p["runs"], "type": p["type"],
                          "name": p["name"], "id": p["id"],
                          "runs_per_session": p["runs"] / done if done else None}
    return {"seconds": c.get("seconds"), "programs": out}


def figures(r):
    """Derived figures of one run (dict), or None when sioload gave nothing."""
    s = r.get("sioload")
    if not s:
        return None
    n = s["sessions"]
    ok = s["ok"]
    per_pid = s.get("per_pid", {})
    w = r["workers"]
    counts = sorted(per_pid.values(), reverse=True)
    counts += [0] * max(0, w - len(counts))
    tot = sum(counts)
    shares = [100.0 * c / tot for c in counts] if tot else []
    dev = max(abs(x - 100.0 / w) for x in shares) if shares and w > 1 else None
    fails = {k: v for k, v in s.get("fail", {}).items() if v}
    done = ok + s.get("failed", 0)
    srv = 1e6 * r["srv_cpu_s"] / done if done else None
    cli = s.get("cpu", {}).get("us_per_session")
    return {
        "setup": r["setup"], "addrs": r["addrs"], "mode": r["mode"], "rep": r.get("rep", 1),
        "workers": w, "sessions": n, "ok": ok, "ok_pct": 100.0 * ok / n if n else 0.0,
        "sessions_per_s": s.get("sessions_per_s", 0.0),
        "ack_p50_us": s["ack_rtt_us"]["p50"], "ack_p99_us": s["ack_rtt_us"]["p99"],
        "ack_p999_us": s["ack_rtt_us"]["p999"],
        "shares_pct": [round(x, 1) for x in shares], "balance_dev_pts": dev,
        "workers_used": len(per_pid), "fail": fails, "elapsed_s": s.get("elapsed_s") or 0,
        "client_cpu_us_per_session": cli,
        "server_cpu_us_per_session": srv,
        "cpu_us_per_session": srv + cli if srv is not None and cli is not None else None,
        "server_cpu_by_comm_us": ({k: round(1e6 * v / done) for k, v in
                                   (r.get("srv_cpu") or {}).get("by_comm", {}).items()} if done else {}),
        "host_cpu_us_per_session": (1e6 * r["host_busy_cores"] * r["wall_s"] / done
                                    if done and r.get("wall_s") and r.get("host_busy_cores") is not None
                                    else None),
        "host_busy_cores": r.get("host_busy_cores"),
        "other_cores": other_cores(r, s),
        "busy_before": r.get("busy_before"), "quiet_wait_s": r.get("quiet_wait_s"),
        "attempt": r.get("attempt", 1),
        "connections": s.get("connections"), "ws_upgrades": s.get("ws_upgrades"),
        "cost": cost_figures(r.get("cost"), done),
    }


def med(vals):
    vals = [v for v in vals if v is not None]
    return statistics.median(vals) if vals else None


def combine(runs):
    """Runs of one setup x addresses x mode (rounds or repetitions) -> one row of medians."""
    runs = sorted(runs, key=lambda x: x["rep"])
    row = dict(runs[0])
    for k in MEDIAN_KEYS:
        row[k] = med([x[k] for x in runs])
    row["reps"] = [round(x["sessions_per_s"], 1) for x in runs]
    row["ok"] = sum(x["ok"] for x in runs)
    row["sessions"] = sum(x["sessions"] for x in runs)
    row["ok_pct"] = 100.0 * row["ok"] / row["sessions"] if row["sessions"] else 0.0
    row["workers_used"] = max(x["workers_used"] for x in runs)
    fails = {}
    for x in runs:
        for k, v in x["fail"].items():
            fails[k] = fails.get(k, 0) + v
    row["fail"] = fails
    # Shares as seen in the run with the median rate (worker pids differ between rounds).
    mid = sorted(runs, key=lambda x: x["sessions_per_s"])[len(runs) // 2]
    row["shares_pct"] = mid["shares_pct"]
    comms = {c for x in runs for c in x["server_cpu_by_comm_us"]}
    row["server_cpu_by_comm_us"] = {c: med([x["server_cpu_by_comm_us"].get(c, 0) for x in runs])
                                    for c in comms}
    costs = [x["cost"] for x in runs if x.get("cost")]
    if costs:
        progs = {p for c in costs for p in c["programs"]}
        row["cost"] = {"programs": {}}
        for p in progs:
            cs = [c["programs"][p] for c in costs if p in c["programs"]]
            row["cost"]["programs"][p] = {
                "ns_per_run": med([c["ns_per_run"] for c in cs]),
                "ns_per_run_range": [min((c["ns_per_run"] for c in cs if c["ns_per_run"] is not None),
                                         default=None),
                                     max((c["ns_per_run"] for c in cs if c["ns_per_run"] is not None),
                                         default=None)],
                "runs": sum(c["runs"] for c in cs),
                "runs_per_session": med([c["runs_per_session"] for c in cs]),
                "type": cs[0]["type"], "name": cs[0]["name"]}
    else:
        row["cost"] = None
    row["runs_detail"] = runs
    return row


def us(v):
    if v is None:
        return "-"
    v = round(v)
    return f"{v / 1000:.1f}ms" if v >= 10000 else (f"{v / 1000:.2f}ms" if v >= 1000 else f"{v}µs")


def fail_str(f):
    return ", ".join(f"{SHORT_REASON.get(k, k)} {v}" for k, v in
                     sorted(f.items(), key=lambda kv: -kv[1])[:2]) or "-"


def bal_str(x):
    if x["balance_dev_pts"] is None:
        return "-"
    return f"±{x['balance_dev_pts']:.1f} " + "/".join(f"{s:.0f}" for s in x["shares_pct"])


def rng(x):
    if len(x["reps"]) < 2:
        return ""
    return f"{min(x['reps']):.0f}-{max(x['reps']):.0f}"


def noisy_mark(x):
    o = x.get("other_cores")
    return f"  [other load {o:.2f} cores]" if o is not None and o > 0.3 else ""


def progress(line):
    r = json.loads(line)
    x = figures(r)
    tag = f"{r['setup']:<11} {r['addrs']:>2} addr {r['mode']:<9} #{r.get('rep', 1)}"
    if not x:
        return f"  {tag}: no result"
    return (f"  {tag}: {x['ok']}/{x['sessions']} ok, {x['sessions_per_s']:.0f} sessions/s, "
            f"ack p99 {us(x['ack_p99_us'])}, balance {bal_str(x)}, "
            f"{x['host_busy_cores']} cores busy ({x['other_cores']} other)"
            + (f", failed: {fail_str(x['fail'])}" if x["fail"] else ""))


def paired(a, b):
    """Round-by-round ratios a/b (runs with the same rep number), or []."""
    bb = {x["rep"]: x["sessions_per_s"] for x in b["runs_detail"]}
    return [x["sessions_per_s"] / bb[x["rep"]] for x in a["runs_detail"]
            if bb.get(x["rep"])]


def check_targets(rows, ws_rows, gate, floor):
    """The figures BENCHMARKS.md sets targets for ('Targets'), each with met/missed."""
    out = []
    by = {(r["setup"], r["addrs"], r["mode"]): r for r in rows}
    for (setup, addrs, mode), r in sorted(by.items(), key=lambda kv: (kv[0][2], -kv[0][1])):
        if setup != "steer-sid":
            continue
        for other, name in (("nginx", "nginx ip_hash"), ("sticky", "@socket.io/sticky")):
            o = by.get((other, addrs, mode))
            if not o or not o["sessions_per_s"]:
                continue
            ratio = r["sessions_per_s"] / o["sessions_per_s"]
            pr = paired(r, o)
            p99_ok = r["ack_p99_us"] <= o["ack_p99_us"]
            full = r["ok"] == r["sessions"]
            out.append({
                "target": f"--key sid >= 1.5x {name}, p99 no worse, 100% ok ({addrs} addr, {mode})",
                "met": ratio >= 1.5 and p99_ok and full,
                "ratio": round(ratio, 3),
                "measured": f"{ratio:.2f}x sessions/s ({r['sessions_per_s']:.0f} vs {o['sessions_per_s']:.0f}"
                            + (f"; round by round {' '.join(f'{v:.2f}' for v in pr)}" if len(pr) > 1 else "")
                            + f"), p99 {us(r['ack_p99_us'])} vs {us(o['ack_p99_us'])}, "
                            f"{r['ok_pct']:.1f}% ok (theirs {o['ok_pct']:.1f}%)"})
        if addrs == 1:
            dev = r["balance_dev_pts"]
            ng = by.get(("nginx", 1, mode))
            out.append({
                "target": f"one address: --key sid balances 4 workers within ±5% ({mode})",
                "met": dev is not None and dev <= 5 and r["workers_used"] == 4,
                "measured": f"shares {'/'.join(f'{v:.1f}' for v in r['shares_pct'])} % (±{dev:.1f} points)"
                            + (f"; ip_hash: {'/'.join(f'{v:.0f}' for v in ng['shares_pct'])} %" if ng else "")})
    # Server CPU per session: --key sid (either cookie route) against --key addr.
    for (setup, addrs, mode), r in sorted(by.items()):
        if setup not in ("steer-sid", "steer-sid-sysctl"):
            continue
        a = by.get(("steer-addr", addrs, mode))
        cs, ca = r.get("server_cpu_us_per_session"), a and a.get("server_cpu_us_per_session")
        if not cs or not ca:
            continue
        out.append({"target": f"{NAMES[setup]}: server CPU per session <= 1.1x --key addr "
                              f"({addrs} addr, {mode})",
                    "met": cs / ca <= 1.1,
                    "ratio": round(cs / ca, 3),
                    "measured": f"{cs / ca:.2f}x ({cs:.0f} vs {ca:.0f} us per session)"})
    for x in ws_rows:
        if x["setup"] == "steer-sid" and x.get("paired_ratio_median") is not None:
            pr = x["paired_ratio_median"]
            out.append({"target": "WebSocket only: --key sid within 3% of plain SO_REUSEPORT",
                        "met": pr >= 0.97,
                        "measured": f"{pr:.3f}x run by run (median; runs {min(x['paired_ratios']):.2f}"
                                    f"-{max(x['paired_ratios']):.2f}x)"})
    sel = [c["cost"]["programs"]["select"]["ns_per_run"] for c in rows + ws_rows
           if c["setup"] == "steer-sid" and c.get("cost")
           and c["cost"]["programs"].get("select", {}).get("ns_per_run")]
    if sel:
        f = f"; statistics floor {floor:.0f} ns" if floor is not None else ""
        out.append({"target": "sk_reuseport program <= 150 ns per run including the sid parse",
                    "met": max(sel) <= 150,
                    "measured": f"{min(sel):.0f}-{max(sel):.0f} ns per run with --key sid in live "
                                f"traffic (medians per row{f})"})
    if gate:
        g = [r for r in gate["results"] if r["packet"] == "other-port" and r["hook"] == "xdp"]
        if g:
            out.append({"target": "XDP gate <= 50 ns per packet for traffic to other ports",
                        "met": g[0]["ns_per_packet"] <= 50,
                        "measured": f"{g[0]['ns_per_packet']} ns (BPF_PROG_TEST_RUN; empty program "
                                    f"{gate.get('empty_xdp_ns', '?')} ns)"})
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--progress")
    ap.add_argument("--other")
    ap.add_argument("--results")
    ap.add_argument("--from-json", help="render again from an earlier --json output")
    ap.add_argument("--gate", default="null")
    ap.add_argument("--gate-stats", default="null")
    ap.add_argument("--meta", default="{}")
    ap.add_argument("--json")
    a = ap.parse_args()
    if a.other:
        r = json.loads(a.other)
        v = other_cores(r, r["sioload"]) if r.get("sioload") else None
        print("" if v is None else v)
        return 0
    if a.progress:
        print(progress(a.progress))
        return 0
    if a.from_json:
        old = json.load(open(a.from_json))
        raw = old["raw"]
        meta, gate, gstats = old["meta"], old.get("gate_bench"), old.get("gate_bench_stats")
    else:
        with open(a.results) as f:
            raw = [json.loads(line) for line in f if line.strip()]
        meta = json.loads(a.meta)
        gate = json.loads(a.gate) if a.gate and a.gate != "null" else None
        try:
            gstats = json.loads(a.gate_stats) if a.gate_stats and a.gate_stats != "null" else None
        except ValueError:
            gstats = None
    floor = gstats.get("empty_xdp_stats_ns") if gstats else None
    runs = [x for x in (figures(r) for r in raw) if x]

    groups = {}
    for x in runs:
        groups.setdefault((x["setup"], x["addrs"], x["mode"]), []).append(x)
    rows = {k: combine(v) for k, v in groups.items()}
    main_rows = [r for k, r in rows.items() if k[2] != "websocket"]
    ws_rows = [r for k, r in rows.items() if k[2] == "websocket"]
    for x in main_rows:
        for other, key in (("nginx", "vs_nginx"), ("sticky", "vs_sticky")):
            o = rows.get((other, x["addrs"], x["mode"]))
            x[key] = x["sessions_per_s"] / o["sessions_per_s"] if o and o["sessions_per_s"] else None
    main_rows.sort(key=lambda x: (["polling", "upgrade"].index(x["mode"]), -x["addrs"],
                                  ORDER.index(x["setup"])))
    ws_rows.sort(key=lambda x: ORDER.index(x["setup"]))
    nrounds = max((len(x["reps"]) for x in main_rows), default=0)

    print()
    print(f"siosteer benchmark: {meta.get('sessions', '?')} sessions per run, concurrency "
          f"{meta.get('concurrency', '?')}, {meta.get('acks', '?')} acks per session, "
          f"{meta.get('connections', '?')} HTTP connections, {meta.get('rounds', nrounds)} round(s); "
          f"{meta.get('cpus', '?')} CPUs ({meta.get('cpu', '?')}), kernel {meta.get('kernel', '?')}, "
          f"Node {meta.get('node', '?')}, socket.io {meta.get('socket.io', '?')}, "
          f"nginx {meta.get('nginx', '?')}, @socket.io/sticky {meta.get('sticky', '?')}, "
          f"{meta.get('siosteer', '?')}")
    if nrounds > 1:
        print(f"(each row: median of {nrounds} rounds; `rounds` gives the lowest and highest "
              f"sessions/s; ok% over all rounds)")
    hdr = (f"{'setup':<32} {'addrs':>5}  {'ok%':>6} {'sess/s':>7} {'rounds':>10} {'ack p50':>8} "
           f"{'ack p99':>8} {'balance (±pts, shares %)':<26} {'vs ip_hash':>10} {'vs sticky':>9} "
           f"{'cores':>5} {'srv µs':>6} {'cli µs':>6}  failures")
    last = None
    for x in main_rows:
        if x["mode"] != last:
            print()
            print(f"-- {MODE_NAMES[x['mode']]}")
            print(hdr)
        last = x["mode"]
        vs = f"{x['vs_nginx']:.2f}x" if x.get("vs_nginx") else "-"
        vst = f"{x['vs_sticky']:.2f}x" if x.get("vs_sticky") else "-"
        srv = f"{x['server_cpu_us_per_session']:.0f}" if x["server_cpu_us_per_session"] else "-"
        cli = f"{x['client_cpu_us_per_session']:.0f}" if x["client_cpu_us_per_session"] else "-"
        cores = f"{x['host_busy_cores']:.2f}" if x["host_busy_cores"] is not None else "-"
        print(f"{NAMES[x['setup']]:<32} {x['addrs']:>5}  {x['ok_pct']:>5.1f}% {x['sessions_per_s']:>7.0f} "
              f"{rng(x):>10} {us(x['ack_p50_us']):>8} {us(x['ack_p99_us']):>8} {bal_str(x):<26} "
              f"{vs:>10} {vst:>9} {cores:>5} {srv:>6} {cli:>6}  {fail_str(x['fail'])}{noisy_mark(x)}")

    if main_rows:
        print()
        print("-- where the CPU goes, µs per session (medians): server processes by name (workers "
              "and the sticky primary are `node`), sioload, and the rest of the machine's busy time "
              "(softirq in kernel threads, other jobs)")
        print(f"{'setup':<32} {'addrs':>5} {'mode':<8} {'node':>6} {'nginx':>6} {'other srv':>9} "
              f"{'sioload':>7} {'rest':>6} {'total':>6}")
        for x in main_rows:
            by = dict(x.get("server_cpu_by_comm_us") or {})
            node = by.pop("node", 0)
            ngx = by.pop("nginx", 0)
            oth = sum(by.values())
            cli = x["client_cpu_us_per_session"] or 0
            tot = x.get("host_cpu_us_per_session")
            rest = tot - node - ngx - oth - cli if tot is not None else None
            print(f"{NAMES[x['setup']]:<32} {x['addrs']:>5} {x['mode']:<8} {node:>6.0f} {ngx:>6.0f} "
                  f"{oth:>9.0f} {cli:>7.0f} {'-' if rest is None else round(rest):>6} "
                  f"{'-' if tot is None else round(tot):>6}")

    if ws_rows:
        base = next((r for r in ws_rows if r["setup"] == "reuseport"), None)
        print()
        print(f"-- WebSocket only (no stickiness needed), 64 addresses, "
              f"{ws_rows[0]['sessions'] // max(1, len(ws_rows[0]['reps']))} sessions per run, "
              f"{len(ws_rows[0]['reps'])} runs each, alternating; medians")
        print(f"{'setup':<32} {'addrs':>5}  {'ok%':>6} {'sess/s':>7} {'ack p50':>8} {'ack p99':>8} "
              f"{'vs SO_REUSEPORT':>15} {'CPU µs/session':>14} {'cores':>5}  runs (sess/s)")
        for x in ws_rows:
            x["vs_reuseport"] = x["sessions_per_s"] / base["sessions_per_s"] if base else None
            vs = f"{x['vs_reuseport']:.3f}x" if x["vs_reuseport"] else "-"
            cpu = x.get("cpu_us_per_session")
            print(f"{NAMES[x['setup']]:<32} {x['addrs']:>5}  {x['ok_pct']:>5.1f}% "
                  f"{x['sessions_per_s']:>7.0f} {us(x['ack_p50_us']):>8} {us(x['ack_p99_us']):>8} "
                  f"{vs:>15} {'-' if cpu is None else round(cpu):>14} "
                  f"{x['host_busy_cores'] if x['host_busy_cores'] is not None else '-':>5}  "
                  f"{' '.join(f'{v:.0f}' for v in x['reps'])}")
        for x in ws_rows:
            if base and x is not base:
                pr = paired(x, base)
                if pr:
                    x["paired_ratio_median"] = round(statistics.median(pr), 3)
                    x["paired_ratios"] = [round(v, 3) for v in pr]
                    print(f"  {NAMES[x['setup']]}: run by run against the SO_REUSEPORT run next to "
                          f"it: median {statistics.median(pr):.3f}x (runs: "
                          + " ".join(f"{v:.3f}" for v in pr) + ")")
        if base and len(base["reps"]) > 1:
            lo, hi = min(base["reps"]), max(base["reps"])
            print(f"  (SO_REUSEPORT alone: runs from {lo:.0f} to {hi:.0f} sessions/s, "
                  f"±{50 * (hi - lo) / statistics.median(base['reps']):.0f}% around its median: "
                  f"the resolution of this comparison)")

    cost_rows = [x for x in main_rows + ws_rows if x.get("cost")]
    if cost_rows:
        progs = ["select", "gate", "cookie", "learn", "tw_reset", "repair"]
        print()
        print("-- BPF cost during the siosteer runs (siosteer cost: kernel run-time statistics, "
              "BPF_ENABLE_STATS): ns per run (runs per session), medians")
        print(f"{'setup':<32} {'addrs':>5} {'mode':<10} " + " ".join(f"{p:>14}" for p in progs)
              + f" {'BPF µs/session':>15} {'of CPU':>7}")
        for x in cost_rows:
            cells = []
            tot = 0.0
            for p in progs:
                c = x["cost"]["programs"].get(p)
                if not c or c["ns_per_run"] is None:
                    cells.append("-" if not c else "0 runs")
                else:
                    cells.append(f"{c['ns_per_run']:.0f} ({c['runs_per_session']:.1f})")
                    tot += c["ns_per_run"] * (c["runs_per_session"] or 0) / 1000
            x["bpf_us_per_session"] = round(tot, 2)
            cpu = x.get("cpu_us_per_session")
            share = f"{100 * tot / cpu:.1f}%" if cpu else "-"
            print(f"{NAMES[x['setup']]:<32} {x['addrs']:>5} {x['mode']:<10} "
                  + " ".join(f"{c:>14}" for c in cells) + f" {tot:>15.1f} {share:>7}")
        types = {c["name"]: c["type"] for x in cost_rows for c in x["cost"]["programs"].values()}
        print("  program types: " + ", ".join(f"{k} {v}" for k, v in sorted(types.items())))
        if floor is not None:
            print(f"  (every figure includes the statistics' own clock reads: an empty XDP program "
                  f"reads {floor:.0f} ns/run in them on this machine)")

    if gate:
        print()
        print(f"-- XDP/tc gate, BPF_PROG_TEST_RUN ({gate['repeat']} runs per packet; an empty XDP "
              f"program costs {gate.get('empty_xdp_ns', '?')} ns here)")
        by = {}
        for g in gate["results"]:
            by.setdefault(g["packet"], {})[g["hook"]] = g
        print(f"{'packet':<14} {'xdp ns':>7} {'tc ns':>7}  verdict")
        for pkt, h in by.items():
            x, t = h.get("xdp"), h.get("tc")
            print(f"{pkt:<14} {x['ns_per_packet'] if x else '-':>7} {t['ns_per_packet'] if t else '-':>7}  "
                  f"{(x or t)['verdict']}{'' if all(v['expected'] for v in h.values()) else ' (UNEXPECTED)'}")

    targets = check_targets(main_rows, ws_rows, gate, floor)
    if targets:
        print()
        print("-- targets (BENCHMARKS.md; measured here, a benchmark, not a test)")
        for t in targets:
            print(f"  [{'met' if t['met'] else 'MISSED'}] {t['target']}: {t['measured']}")

    if a.json:
        strip = lambda rs: [{k: v for k, v in r.items() if k != "runs_detail"} for r in rs]
        with open(a.json, "w") as f:
            json.dump({"meta": meta, "rows": strip(main_rows), "websocket": strip(ws_rows),
                       "runs": runs, "gate_bench": gate, "gate_bench_stats": gstats,
                       "targets": targets, "raw": raw}, f, indent=1)
        print(f"\n(JSON written to {a.json})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
