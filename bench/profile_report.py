#!/usr/bin/env python3
"""Write the Markdown summary of one bench/profile.sh output folder to standard output.

Instruction counts (Ir) come from `callgrind_annotate` on each server's profile
and are divided by the number of requests wrk completed while the profile was
collected. System calls come from `strace -c` and are divided the same way.
"""

import re
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

# Functions whose inclusive cost is reported for mock-nova, with what they do.
# Names are those callgrind shows for the release build, which inlines small
# functions into their callers.
BREAKDOWN = [
    ("tracing_core::event::Event::dispatch", "request log line: format and write"),
    ("mock_nova::context::RequestId::generate", "request id: UUID v4 and its text"),
    ("mock_nova::auth::Authenticator::authenticate", "authentication: token to Identity"),
    ("core::ptr::drop_in_place<mock_nova::identity::Identity>", "dropping the Identity"),
    (
        "<mock_nova::context::JsonBody as axum_core::extract::FromRequest"
        "<mock_nova::state::AppState>>::from_request::{{closure}}",
        "request body: read and parse JSON",
    ),
    ("mock_nova::routes::extra_specs::echo", "PUT reply: write the echoed JSON"),
    ("mock_nova::pyjson::to_python_json_string", "GET reply: write JSON"),
    ("mock_nova::views::flavor_view", "flavor view: build links and fields"),
    ("mock_nova::microversion::negotiate", "microversion negotiation"),
    ("mock_nova::microversion::insert_version_headers", "microversion response headers"),
    ("mock_nova::middleware::link_root", "link root (format of the host URL)"),
    ("mock_nova::middleware::decode_params", "path parameter checks and copies"),
    ("core::ptr::drop_in_place<mock_nova::context::RequestContext>", "dropping the context"),
    ("mock_nova::store::Store::merge_extra_specs", "store write (lock and insert)"),
    ("mock_nova::store::Store::extra_spec", "store read of one spec"),
    ("mock_nova::store::Store::flavor", "store read of one flavor"),
    ("mock_nova::store::Store::list", "store read of a flavor page"),
    ("http::header::map::HeaderMap<T>::try_grow", "header map growth (rehash)"),
]

# Self cost of these files is counted as memory allocation: glibc's malloc,
# which the reference uses, and jemalloc, which mock-nova links in with
# prefixed symbols.
ALLOCATOR_FILES = ("malloc.c",)
ALLOCATOR_PREFIXES = ("_rjem_", "do_rallocx")
ALLOCATION_CALLS = (
    "malloc",
    "realloc",
    "calloc",
    "_rjem_malloc",
    "_rjem_mallocx",
    "_rjem_realloc",
    "_rjem_rallocx",
    "_rjem_calloc",
)

LINE = re.compile(r"^\s*([\d,]+) \(\s*[\d.]+%\)\s+(.*?):(.*) \[(.*)\]\s*$")
ORDER = ["reference", "mock-nova", "mock-nova-warn"]


def annotate(path: Path, inclusive: bool) -> dict[str, int]:
    """Return the cost of every function in a callgrind profile, by name."""
    args = ["callgrind_annotate", "--threshold=100", str(path)]
    if inclusive:
        args.insert(1, "--inclusive=yes")
    text = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    costs: dict[str, int] = defaultdict(int)
    for line in text.splitlines():
        match = LINE.match(line)
        if match:
            cost, file_name, function, _ = match.groups()
            costs[f"{file_name}:{function}"] += int(cost.replace(",", ""))
    return costs


def total_ir(path: Path) -> int:
    """Return the instructions a profile counted. With --instr-atstart=no the
    header's summary line is 0, so the totals line at the end is used."""
    for line in path.read_text().splitlines():
        if line.startswith("totals:"):
            return int(line.split()[1])
    raise ValueError(f"no totals line in {path}")


def call_counts(path: Path, names: tuple[str, ...]) -> int:
    """Count the calls to functions with the given names in a callgrind profile."""
    ids: dict[str, str] = {}
    callee = None
    calls = 0
    pattern = re.compile(r"^(c?fn)=\((\d+)\)(?: (.*))?$")
    for line in path.read_text().splitlines():
        match = pattern.match(line)
        if match:
            kind, identifier, name = match.groups()
            if name:
                ids[identifier] = name
            if kind == "cfn":
                callee = ids.get(identifier)
            continue
        if line.startswith("calls=") and callee in names:
            calls += int(line.split("=")[1].split()[0])
    return calls


def read_requests(path: Path) -> dict[tuple[str, str], int]:
    result = {}
    if path.exists():
        for line in path.read_text().splitlines():
            case, server, requests = line.split("\t")
            result[(case, server)] = int(requests)
    return result


def strace_calls(path: Path) -> dict[str, int]:
    calls = {}
    for line in path.read_text().splitlines():
        fields = line.split()
        if len(fields) >= 5 and fields[0][0].isdigit() and fields[-1] != "total":
            calls[fields[-1]] = int(fields[3])
    return calls


def read_schedule(path: Path) -> dict[tuple[str, str], list[int]]:
    """Reads schedule.tsv: case, server, requests, then the voluntary and
    involuntary context switches before and after the load."""
    result = {}
    if path.exists():
        for line in path.read_text().splitlines():
            fields = line.split("\t")
            if len(fields) == 7 and all(field.isdigit() for field in fields[2:]):
                result[(fields[0], fields[1])] = [int(field) for field in fields[2:]]
    return result


def schedule_section(case: str, schedule: dict) -> list[str]:
    rows = []
    for server in ("reference", "mock-nova"):
        counts = schedule.get((case, server))
        if not counts or counts[0] == 0:
            continue
        requests, voluntary_before, involuntary_before, voluntary, involuntary = counts
        rows.append(
            f"| {server} | {(voluntary - voluntary_before) / requests:.3f}"
            f" | {(involuntary - involuntary_before) / requests:.3f} |"
        )
    if not rows:
        return []
    return [
        "Context switches of the server's threads per request, in a run without valgrind or"
        " strace: voluntary ones when a thread waits for work, involuntary ones when the"
        " kernel preempts it, mostly for a wrk thread that a response woke.",
        "",
        "| server | voluntary | involuntary |",
        "|---|---|---|",
        *rows,
        "",
    ]


def function_cost(costs: dict[str, int], name: str) -> int:
    return sum(cost for key, cost in costs.items() if key.split(":", 1)[1] == name)


def case_section(
    folder: Path, case: str, requests: dict, syscall_requests: dict, schedule: dict
) -> list[str]:
    out = [f"## {case}", ""]
    per_request = {}
    allocations = {}
    for server in ORDER:
        profile = folder / f"{case}-{server}.callgrind"
        if (case, server) not in requests or not profile.exists():
            continue
        count = requests[(case, server)]
        per_request[server] = total_ir(profile) / count
        allocations[server] = call_counts(profile, ALLOCATION_CALLS) / count
    if "reference" not in per_request or "mock-nova" not in per_request:
        return out + ["No profile.", ""]
    reference = per_request["reference"]
    out += [
        "| server | Ir per request | × reference | allocations per request |",
        "|---|---|---|---|",
    ]
    for server, value in per_request.items():
        out.append(
            f"| {server} | {value:,.0f} | {value / reference:.2f} | {allocations[server]:.1f} |"
        )
    out.append("")

    mock = folder / f"{case}-mock-nova.callgrind"
    count = requests[(case, "mock-nova")]
    inclusive = annotate(mock, inclusive=True)
    exclusive = annotate(mock, inclusive=False)
    reference_inclusive = annotate(folder / f"{case}-reference.callgrind", inclusive=True)
    excess = per_request["mock-nova"] - reference
    out += [
        f"mock-nova executes {excess:,.0f} more instructions per request than the reference."
        " Inclusive cost of its parts (a part's cost contains its allocations; parts do not"
        " overlap unless noted):",
        "",
        "| function | what it is | Ir per request | share of the excess |",
        "|---|---|---|---|",
    ]
    for name, meaning in BREAKDOWN:
        cost = function_cost(inclusive, name) / count
        if cost < 50:
            continue
        if name.startswith("http::header"):
            reference_cost = function_cost(reference_inclusive, name) / requests[
                (case, "reference")
            ]
            cost -= reference_cost
            meaning += " beyond the reference's"
        out.append(f"| `{name}` | {meaning} | {cost:,.0f} | {cost / excess:.0%} |")
    allocator = sum(
        cost
        for key, cost in exclusive.items()
        if key.split(":", 1)[0].endswith(ALLOCATOR_FILES)
        or key.split(":", 1)[-1].startswith(ALLOCATOR_PREFIXES)
    )
    out.append(
        f"| malloc, realloc, free (self cost, overlaps the rows above) | allocator |"
        f" {allocator / count:,.0f} | {allocator / count / excess:.0%} |"
    )
    if "mock-nova-warn" in per_request:
        logging = per_request["mock-nova"] - per_request["mock-nova-warn"]
        out.append(
            f"| RUST_LOG=info minus RUST_LOG=warn | the whole request log |"
            f" {logging:,.0f} | {logging / excess:.0%} |"
        )
    out.append("")

    syscalls = {}
    for server in ("reference", "mock-nova"):
        path = folder / f"{case}-{server}.strace"
        if path.exists() and (case, server) in syscall_requests:
            calls = strace_calls(path)
            syscalls[server] = {
                name: value / syscall_requests[(case, server)] for name, value in calls.items()
            }
    if len(syscalls) == 2:
        names = sorted(
            {n for calls in syscalls.values() for n, v in calls.items() if v >= 0.01},
            key=lambda n: -syscalls["mock-nova"].get(n, 0),
        )
        out += [
            "System calls per request (strace -f -c, which slows the servers, so futex counts"
            " overstate contention):",
            "",
            "| system call | reference | mock-nova |",
            "|---|---|---|",
        ]
        for name in names:
            out.append(
                f"| {name} | {syscalls['reference'].get(name, 0):.2f}"
                f" | {syscalls['mock-nova'].get(name, 0):.2f} |"
            )
        out.append("")
    out += schedule_section(case, schedule)
    return out


def main() -> int:
    if len(sys.argv) != 2:
        print("usage: profile_report.py OUTPUT_FOLDER", file=sys.stderr)
        return 2
    folder = Path(sys.argv[1])
    requests = read_requests(folder / "callgrind-requests.tsv")
    syscall_requests = read_requests(folder / "strace-requests.tsv")
    schedule = read_schedule(folder / "schedule.tsv")
    lines = ["# mock-nova profile per request, 16 connections", ""]
    for case in ("put", "get_key", "get_list", "detail"):
        lines += case_section(folder, case, requests, syscall_requests, schedule)
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
