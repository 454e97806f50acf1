#!/usr/bin/env python3
"""Write the Markdown report of one bench/run.sh output folder to standard output.

Reads meta.txt, throughput.tsv, startup.tsv, memory.tsv and probe_latency.txt.
Throughput and latency figures are medians over rounds. Ratios are medians of
per-round paired ratios: mock-nova's figure divided by the reference's figure
measured in the same round, for the same case and connection count.
"""

import statistics
import sys
from collections import defaultdict
from pathlib import Path

# Targets, as ratios to the reference measured in the same run.
MIN_THROUGHPUT_RATIO = 0.8
MAX_P50_RATIO = 2.0
MAX_P99_RATIO = 1.5
# At one connection only the median latency is judged, because a one-connection
# ping-pong mostly measures cross-core wake-ups: p50 at most the reference's
# p50 plus this many microseconds.
MAX_P50_EXCESS_C1_US = 100
MAX_IDLE_RSS_MIB = 10
MAX_RSS_AFTER_PUTS_MIB = 16
MAX_LEAK_MIB = 1
MAX_STARTUP_MS = 100

CASE_TITLES = {
    "put": "PUT one spec (10 000 keys, 10 flavors)",
    "get_key": "GET one spec (10 keys, 12 flavors)",
    "get_list": "GET list of 100 specs",
    "detail": "GET /flavors/detail, 2.61",
}
CASE_ORDER = ["put", "get_key", "get_list", "detail"]


def read_tsv(path: Path) -> list[list[str]]:
    if not path.exists():
        return []
    return [line.split("\t") for line in path.read_text().splitlines() if line.strip()]


def read_meta(folder: Path) -> dict[str, str]:
    meta = {}
    for line in (folder / "meta.txt").read_text().splitlines():
        key, _, value = line.partition("=")
        meta[key] = value
    return meta


def span(values: list[float], digits: int = 2) -> str:
    """Format the median and range of values as `median [min–max]`."""
    if not values:
        return "–"
    median = statistics.median(values)
    if len(values) == 1:
        return f"{median:.{digits}f}"
    return f"{median:.{digits}f} [{min(values):.{digits}f}–{max(values):.{digits}f}]"


def ms(microseconds: float) -> str:
    return f"{microseconds / 1000:.2f}"


def verdict(passed: bool) -> str:
    return "pass" if passed else "**FAIL**"


class Runs:
    """Throughput rows of one section, keyed by (case, connections, server, round)."""

    def __init__(self, rows: list[list[str]], section: str):
        self.data: dict[tuple[str, int, str, int], dict[str, float]] = {}
        self.rounds: set[int] = set()
        self.keys: set[tuple[str, int]] = set()
        for row in rows:
            if row[0] != section:
                continue
            round_number, case, connections, server = int(row[1]), row[2], int(row[3]), row[4]
            rps, p50, p99, requests, status_errors, socket_errors = map(float, row[5:11])
            values = {
                "rps": rps,
                "p50": p50,
                "p99": p99,
                "requests": requests,
                "errors": status_errors + socket_errors,
            }
            # CPU time per request, in rows written since run.sh records it.
            if len(row) >= 14:
                user, system, wrk = map(float, row[11:14])
                values |= {"user": user, "sys": system, "wrk": wrk, "cpu": user + system + wrk}
            self.data[(case, connections, server, round_number)] = values
            self.rounds.add(round_number)
            self.keys.add((case, connections))

    def values(self, case: str, connections: int, server: str, metric: str) -> list[float]:
        return [
            self.data[(case, connections, server, r)][metric]
            for r in sorted(self.rounds)
            if (case, connections, server, r) in self.data
        ]

    def median(self, case: str, connections: int, server: str, metric: str) -> float:
        values = self.values(case, connections, server, metric)
        return statistics.median(values) if values else float("nan")

    def ratios(
        self, case: str, connections: int, server: str, base: str, metric: str
    ) -> list[float]:
        result = []
        for r in sorted(self.rounds):
            top = self.data.get((case, connections, server, r))
            bottom = self.data.get((case, connections, base, r))
            if top and bottom and metric in top and bottom.get(metric, 0) > 0:
                result.append(top[metric] / bottom[metric])
        return result

    def differences(
        self, case: str, connections: int, server: str, base: str, metric: str
    ) -> list[float]:
        result = []
        for r in sorted(self.rounds):
            top = self.data.get((case, connections, server, r))
            bottom = self.data.get((case, connections, base, r))
            if top and bottom:
                result.append(top[metric] - bottom[metric])
        return result

    def errors(self, server: str) -> float:
        return sum(v["errors"] for k, v in self.data.items() if k[2] == server)


def throughput_section(rows: list[list[str]], failures: list[str]) -> list[str]:
    runs = Runs(rows, "throughput")
    if not runs.data:
        return []
    out = [
        "## Throughput and latency",
        "",
        f"Medians over {len(runs.rounds)} rounds. Latencies in ms. `mock-nova` logs every"
        " request at info (its default) to /dev/null; `warn` is the same binary with"
        " RUST_LOG=warn. Ratios are medians [min–max] of per-round paired ratios to the"
        " reference.",
        "",
        "| case | conn | reference req/s, p50 / p99 | mock-nova req/s, p50 / p99"
        " | req/s ratio | p50 ratio | p99 ratio | warn req/s, p50 / p99 | warn req/s ratio"
        " | targets |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for case in CASE_ORDER:
        for connections in sorted(c for k, c in runs.keys if k == case):
            cells = []
            for server in ("reference", "info", "warn"):
                rps = runs.median(case, connections, server, "rps")
                p50 = runs.median(case, connections, server, "p50")
                p99 = runs.median(case, connections, server, "p99")
                cells.append(f"{rps:,.0f}, {ms(p50)} / {ms(p99)}")
            rps_ratios = runs.ratios(case, connections, "info", "reference", "rps")
            p50_ratios = runs.ratios(case, connections, "info", "reference", "p50")
            p99_ratios = runs.ratios(case, connections, "info", "reference", "p99")
            warn_ratios = runs.ratios(case, connections, "warn", "reference", "rps")
            label = f"{CASE_TITLES[case]}, c={connections}"
            if connections == 1:
                excess = runs.differences(case, connections, "info", "reference", "p50")
                passed = bool(excess) and statistics.median(excess) <= MAX_P50_EXCESS_C1_US
                target = f"p50 +{statistics.median(excess) / 1000:.2f} ms: {verdict(passed)}"
                if not passed:
                    failures.append(f"{label}: p50 more than 0.1 ms above the reference")
            else:
                checks = [
                    ("req/s", statistics.median(rps_ratios) >= MIN_THROUGHPUT_RATIO),
                    ("p50", statistics.median(p50_ratios) <= MAX_P50_RATIO),
                    ("p99", statistics.median(p99_ratios) <= MAX_P99_RATIO),
                ]
                target = ", ".join(f"{name} {verdict(ok)}" for name, ok in checks)
                failures.extend(f"{label}: {name}" for name, ok in checks if not ok)
            out.append(
                f"| {CASE_TITLES[case]} | {connections} | {cells[0]} | {cells[1]}"
                f" | {span(rps_ratios)} | {span(p50_ratios)} | {span(p99_ratios)}"
                f" | {cells[2]} | {span(warn_ratios)} | {target} |"
            )
    out.append("")
    for server, name in (("reference", "reference"), ("info", "mock-nova"), ("warn", "warn")):
        errors = runs.errors(server)
        out.append(f"- Non-2xx responses and socket errors, {name}: {errors:.0f}")
        if errors:
            failures.append(f"{name}: {errors:.0f} failed requests")
    out.append("")
    return out


def cpu_section(rows: list[list[str]]) -> list[str]:
    runs = Runs(rows, "throughput")
    if not any("cpu" in values for values in runs.data.values()):
        return []
    out = [
        "## CPU time per request",
        "",
        "Microseconds of CPU time per request, medians over the rounds: the server's"
        " user and system time from /proc/PID/stat, and wrk's user plus system time."
        " wrk and the server share the two CPUs, so the throughput ratio follows the"
        " ratio of the totals, not of the server's time alone. The total ratio is"
        " mock-nova's total over the reference's, median of per-round pairs.",
        "",
        "| case | conn | reference user / sys / wrk | mock-nova user / sys / wrk"
        " | warn user / sys / wrk | total ratio | warn total ratio |",
        "|---|---|---|---|---|---|---|",
    ]
    for case in CASE_ORDER:
        for connections in sorted(c for k, c in runs.keys if k == case and c > 1):
            cells = []
            for server in ("reference", "info", "warn"):
                user, system, wrk = (
                    runs.median(case, connections, server, metric)
                    for metric in ("user", "sys", "wrk")
                )
                cells.append(f"{user:.2f} / {system:.2f} / {wrk:.2f}")
            ratio = runs.ratios(case, connections, "info", "reference", "cpu")
            warn_ratio = runs.ratios(case, connections, "warn", "reference", "cpu")
            out.append(
                f"| {CASE_TITLES[case]} | {connections} | {cells[0]} | {cells[1]}"
                f" | {cells[2]} | {span(ratio)} | {span(warn_ratio)} |"
            )
    out.append("")
    return out


def scaling_section(rows: list[list[str]]) -> list[str]:
    runs = Runs(rows, "scaling")
    if not runs.data:
        return []
    out = [
        "## Cost per request against stored flavors",
        "",
        "mock-nova with 12 flavors (10 specs each, 100 on flavor-0) against mock-nova with"
        " 100 000 flavors of 10 specs each, both logging at info. PUT spreads 10 000 keys"
        " over all flavors and GET reads 10 keys of all flavors. Ratio: 100 000 flavors"
        " over 12 flavors, median [min–max] of per-round pairs.",
        "",
        "| case | conn | 12 flavors req/s, p50 / p99 | 100 000 flavors req/s, p50 / p99"
        " | req/s ratio | p50 ratio |",
        "|---|---|---|---|---|---|",
    ]
    for case in ("put", "get_key"):
        for connections in sorted(c for k, c in runs.keys if k == case):
            cells = []
            for server in ("12", "100000"):
                rps = runs.median(case, connections, server, "rps")
                p50 = runs.median(case, connections, server, "p50")
                p99 = runs.median(case, connections, server, "p99")
                cells.append(f"{rps:,.0f}, {ms(p50)} / {ms(p99)}")
            out.append(
                f"| {case.replace('_', ' ')} | {connections} | {cells[0]} | {cells[1]}"
                f" | {span(runs.ratios(case, connections, '100000', '12', 'rps'))}"
                f" | {span(runs.ratios(case, connections, '100000', '12', 'p50'))} |"
            )
    out.append("")
    return out


def startup_section(folder: Path, failures: list[str]) -> list[str]:
    rows = read_tsv(folder / "startup.tsv")
    if not rows:
        return []
    by_label: dict[str, list[float]] = defaultdict(list)
    intervals: list[float] = []
    for label, startup, interval in rows:
        by_label[label].append(float(startup))
        if interval != "none":
            intervals.append(float(interval))
    probe_latency = (folder / "probe_latency.txt").read_text().strip()
    out = [
        "## Start to first 200",
        "",
        "Time from launching the process to the first 200 of a GET of one extra spec,"
        " polled on fresh connections with a pause of 0.5 ms between attempts"
        f" (bench/probe.py). Mean time between attempts: {span(intervals)} ms, which is"
        f" the probe's resolution. One probe request against a running server:"
        f" `{probe_latency}`.",
        "",
        "| server | starts | ms, median [min–max] |",
        "|---|---|---|",
    ]
    for label, values in by_label.items():
        out.append(f"| {label} | {len(values)} | {span(values, 1)} |")
        small_config = label in ("mock-nova", "mock-nova-warn", "mock-nova-default")
        if small_config and statistics.median(values) >= MAX_STARTUP_MS:
            failures.append(f"{label}: start to first 200 is {MAX_STARTUP_MS} ms or more")
    out.append("")
    return out


def memory_section(folder: Path, failures: list[str]) -> list[str]:
    rows = read_tsv(folder / "memory.tsv")
    if not rows:
        return []
    out = [
        "## Resident memory",
        "",
        "VmRSS and VmHWM from /proc/PID/status. 1M PUTs are 1 000 000 PUTs over 10 000"
        " keys of the 10 default flavors (one wrk thread, 16 connections); the second"
        " million writes the same keys again, as a leak check.",
        "",
        "| server | stage | VmRSS MiB | VmHWM MiB |",
        "|---|---|---|---|",
    ]
    rss: dict[tuple[str, str], float] = {}
    for label, stage, rss_kib, hwm_kib in rows:
        rss[(label, stage)] = int(rss_kib) / 1024
        out.append(f"| {label} | {stage} | {int(rss_kib) / 1024:.1f} | {int(hwm_kib) / 1024:.1f} |")
    out.append("")
    idle = rss.get(("mock-nova", "idle"))
    after = rss.get(("mock-nova", "after 1M PUTs"))
    again = rss.get(("mock-nova", "after 2M PUTs"))
    if idle is not None:
        out.append(f"- Idle RSS < {MAX_IDLE_RSS_MIB} MiB: {verdict(idle < MAX_IDLE_RSS_MIB)}")
        if idle >= MAX_IDLE_RSS_MIB:
            failures.append("idle RSS")
    if after is not None:
        passed = after < MAX_RSS_AFTER_PUTS_MIB
        out.append(f"- RSS after 1M PUTs < {MAX_RSS_AFTER_PUTS_MIB} MiB: {verdict(passed)}")
        if not passed:
            failures.append("RSS after 1M PUTs")
    if after is not None and again is not None:
        growth = again - after
        passed = growth < MAX_LEAK_MIB
        out.append(
            f"- Second million adds {growth:+.2f} MiB (< {MAX_LEAK_MIB} MiB): {verdict(passed)}"
        )
        if not passed:
            failures.append("RSS growth over the second 1M PUTs")
    out.append("")
    return out


def steal_share(meta: dict[str, str]) -> str:
    """Returns the share of CPU time stolen between the start and the end of
    the run, from the tick counts run.sh recorded, or `?` without them."""
    try:
        steal_start, total_start = map(int, meta["cpu_ticks_start"].split())
        steal_end, total_end = map(int, meta["cpu_ticks_end"].split())
    except (KeyError, ValueError):
        return "?"
    if total_end <= total_start:
        return "?"
    return f"{100 * (steal_end - steal_start) / (total_end - total_start):.1f}%"


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: report.py OUTPUT_FOLDER", file=sys.stderr)
        return 2
    folder = Path(sys.argv[1])
    meta = read_meta(folder)
    rows = read_tsv(folder / "throughput.tsv")
    failures: list[str] = []
    lines = [
        f"# mock-nova benchmark, {meta.get('date', '?')}",
        "",
        f"- Command: `{meta.get('command', '?')}` at commit {meta.get('commit', '?')}",
        f"- Machine: {meta.get('nproc', '?')} CPUs ({meta.get('cpu', '?')}),"
        f" {meta.get('memory', '?')}, {meta.get('kernel', '?')}; {meta.get('rustc', '?')};"
        f" wrk {meta.get('wrk', '?')}",
        f"- {meta.get('rounds', '?')} rounds, {meta.get('duration_s', '?')} s per wrk run;"
        " wrk -t1 at one connection and -t2 otherwise, sharing the CPUs with the servers"
        " (no pinning)",
        f"- Load average (1, 5, 15 min) at the start: {meta.get('loadavg_start', '?')};"
        f" at the end: {meta.get('loadavg_end', '?')}",
        f"- CPU time stolen by the hypervisor during the run: {steal_share(meta)}"
        " (from /proc/stat; more than a few percent means other guests of the host"
        " slowed the run, and widens the ratio ranges)",
        "",
    ]
    lines += throughput_section(rows, failures)
    lines += cpu_section(rows)
    lines += scaling_section(rows)
    lines += startup_section(folder, failures)
    lines += memory_section(folder, failures)
    lines.append("## Targets")
    lines.append("")
    if failures:
        lines.append(f"{len(failures)} target checks failed:")
        lines.append("")
        lines += [f"- {failure}" for failure in failures]
    else:
        lines.append("Every target check passed.")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
