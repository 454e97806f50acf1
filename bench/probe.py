#!/usr/bin/env python3
"""Start a server and measure the time from launch to its first 200 response.

`start` launches the command given after `--`, then polls the URL with raw
HTTP/1.1 requests on fresh connections, waiting `--interval-ms` between
attempts, until one returns status 200. It prints one line:

    PROBE pid=<pid> startup_ms=<ms> attempts=<n> poll_interval_ms=<ms>

and exits 0, leaving the server running with its output in `--log` and
`--stderr`.
`poll_interval_ms` is the mean time from the start of one attempt to the start
of the next ("none" when the first attempt got the 200). It is the probe's
resolution: the server was ready at most that long before the attempt that got
the 200 began.

`latency` sends `--count` requests to a running server, one per connection, and
prints the median time of one probe request, which is the other part of the
probe's resolution.

Only loopback addresses are accepted, because the benchmark must not send
traffic anywhere else.
"""

import argparse
import socket
import statistics
import subprocess
import sys
import time


def probe_once(host: str, port: int, request: bytes) -> int | None:
    """Send one request on a fresh connection and return its status code, or
    None when the server does not accept connections yet."""
    try:
        with socket.create_connection((host, port), timeout=2.0) as connection:
            connection.sendall(request)
            status_line = connection.recv(64)
    except (ConnectionRefusedError, ConnectionResetError, socket.timeout):
        return None
    parts = status_line.split(b" ", 2)
    if len(parts) < 2 or not parts[1].isdigit():
        return None
    return int(parts[1])


def build_request(host: str, port: int, path: str, headers: list[str]) -> bytes:
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}:{port}", "Connection: close"]
    lines.extend(headers)
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def start(args: argparse.Namespace) -> int:
    request = build_request(args.host, args.port, args.path, args.header)
    interval = args.interval_ms / 1000.0
    if probe_once(args.host, args.port, request) is not None:
        print(
            f"probe: {args.host}:{args.port} already accepts connections; stop the "
            "process that listens there or choose another port",
            file=sys.stderr,
        )
        return 1
    stderr_path = args.stderr or args.log
    with open(args.log, "ab") as log, open(stderr_path, "ab") as errors:
        started = time.perf_counter()
        process = subprocess.Popen(args.command, stdout=log, stderr=errors)
    if args.pid_file:
        # Written at once, so that a caller interrupted while this probe runs
        # can still stop the server.
        with open(args.pid_file, "w") as pid_file:
            pid_file.write(f"{process.pid}\n")

    attempt_starts = []
    deadline = started + args.timeout
    while True:
        attempt_starts.append(time.perf_counter())
        status = probe_once(args.host, args.port, request)
        now = time.perf_counter()
        if status == 200:
            break
        if process.poll() is not None:
            print(
                f"probe: server exited with status {process.returncode} before "
                f"answering 200; see {stderr_path}",
                file=sys.stderr,
            )
            return 1
        if now > deadline:
            process.kill()
            print(
                f"probe: no 200 from {args.path} within {args.timeout} s "
                f"(last status {status}); server killed, see {stderr_path}",
                file=sys.stderr,
            )
            return 1
        time.sleep(interval)

    elapsed_ms = (now - started) * 1000.0
    attempts = len(attempt_starts)
    if attempts > 1:
        span = attempt_starts[-1] - attempt_starts[0]
        interval_text = f"{span * 1000.0 / (attempts - 1):.2f}"
    else:
        interval_text = "none"
    print(
        f"PROBE pid={process.pid} startup_ms={elapsed_ms:.1f} attempts={attempts} "
        f"poll_interval_ms={interval_text}"
    )
    return 0


def latency(args: argparse.Namespace) -> int:
    request = build_request(args.host, args.port, args.path, args.header)
    times = []
    for _ in range(args.count):
        before = time.perf_counter()
        status = probe_once(args.host, args.port, request)
        times.append((time.perf_counter() - before) * 1000.0)
        if status != 200:
            print(f"probe: expected 200 from {args.path}, got {status}", file=sys.stderr)
            return 1
    print(f"PROBE_LATENCY median_ms={statistics.median(times):.2f} count={args.count}")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=["start", "latency"])
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to probe")
    parser.add_argument("--port", type=int, required=True, help="port to probe")
    parser.add_argument("--path", required=True, help="path of the GET request")
    parser.add_argument(
        "--header", action="append", default=[], help="extra request header, repeatable"
    )
    parser.add_argument(
        "--log", default="/dev/null", help="file for the server's standard output"
    )
    parser.add_argument(
        "--stderr", help="file for the server's standard error (default: --log)"
    )
    parser.add_argument(
        "--pid-file", help="file to write the server's PID to as soon as it is launched"
    )
    parser.add_argument(
        "--interval-ms", type=float, default=0.5, help="pause between attempts in ms"
    )
    parser.add_argument(
        "--timeout", type=float, default=60.0, help="seconds to wait for a 200"
    )
    parser.add_argument("--count", type=int, default=200, help="requests for latency mode")
    argv = sys.argv[1:]
    command = []
    if "--" in argv:
        split = argv.index("--")
        argv, command = argv[:split], argv[split + 1 :]
    args = parser.parse_args(argv)
    args.command = command
    if not args.host.startswith("127."):
        parser.error(f"--host must be a loopback address (127.x.x.x), got {args.host}")
    if args.mode == "start":
        if not args.command:
            parser.error("start needs the server command after --")
        return start(args)
    return latency(args)


if __name__ == "__main__":
    sys.exit(main())
