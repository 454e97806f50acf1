"""Checks of a tempest run against mock-nova, used by scripts/tempest-tests.sh.

    verify.py results MODULE...    < subunit stream of the run
    verify.py snapshot URL         > flavors.json
    verify.py compare URL FILE

`results` reads the subunit v2 stream of a run (`stestr last --subunit`),
prints the outcome of every test module and fails unless every test passed
and every MODULE ran at least one test. `snapshot` prints the flavors that mock-nova at
URL lists to its admin, with their extra specs and access lists, and `compare`
fails when they differ from a snapshot taken earlier, for example because
tempest created a flavor and did not delete it.
"""

import json
import re
import sys
import urllib.request
from collections import defaultdict

import subunit
import testtools

# The default admin account of mock-nova (config.example.toml).
ADMIN_USER = "admin"
ADMIN_PASSWORD = "secret"
ADMIN_PROJECT = "admin"

# Seconds one HTTP request to mock-nova may take, and the maximum number of
# pages of a flavor list to follow.
HTTP_TIMEOUT = 10
MAX_PAGES = 100

# 2.61 is the first microversion whose flavor bodies carry extra_specs.
MICROVERSION = "2.61"


def read_outcomes(stream) -> dict:
    """Return the final status and the duration in seconds of each test in a
    subunit v2 stream, keyed by the test id without its tempest attributes
    (the "[id-...]" suffix)."""
    outcomes = {}

    def record(test: dict) -> None:
        test_id = re.sub(r"\[.*\]$", "", test["id"])
        timestamps = [stamp for stamp in test["timestamps"] if stamp is not None]
        seconds = (timestamps[-1] - timestamps[0]).total_seconds() if timestamps else 0.0
        outcomes[test_id] = (test["status"], seconds)

    result = testtools.StreamToDict(record)
    result.startTestRun()
    subunit.ByteStreamToStreamResult(stream, non_subunit_name="stdout").run(result)
    result.stopTestRun()
    return outcomes


def module_of(test_id: str) -> str:
    """Return the module of a test id. A class fixture failure, reported as
    "setUpClass (module.Class)", counts for the class's module."""
    fixture = re.fullmatch(r"\w+ \((.+)\)", test_id)
    if fixture:
        return fixture.group(1).rsplit(".", 1)[0]
    return test_id.rsplit(".", 2)[0]


def check_results(expected_modules: list) -> int:
    outcomes = read_outcomes(sys.stdin.buffer)
    counts = defaultdict(lambda: defaultdict(int))
    seconds = defaultdict(float)
    problems = []
    for test_id, (status, duration) in sorted(outcomes.items()):
        module = module_of(test_id)
        counts[module][status] += 1
        seconds[module] += duration
        if status != "success":
            problems.append(f"{status}: {test_id}")

    for module in sorted(counts):
        summary = ", ".join(f"{n} {status}" for status, n in sorted(counts[module].items()))
        print(f"{module}: {summary} in {seconds[module]:.2f} s")
    if not outcomes:
        problems.append("the stream has no test results")
    for module in expected_modules:
        if counts[module]["success"] == 0:
            problems.append(f"no test passed in {module}")
    for problem in problems:
        print(problem, file=sys.stderr)

    statuses = [status for status, _ in outcomes.values()]
    passed = statuses.count("success")
    skipped = statuses.count("skip")
    failed = len(statuses) - passed - skipped
    print(f"tempest: {passed} passed, {failed} failed, {skipped} skipped")
    return 1 if problems else 0


def request_json(request: urllib.request.Request):
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
        return response.headers, json.load(response)


def admin_token(url: str) -> str:
    scope = {"project": {"name": ADMIN_PROJECT, "domain": {"name": "Default"}}}
    user = {"name": ADMIN_USER, "password": ADMIN_PASSWORD, "domain": {"name": "Default"}}
    body = {"auth": {"identity": {"methods": ["password"], "password": {"user": user}}, "scope": scope}}
    request = urllib.request.Request(
        f"{url}/identity/v3/auth/tokens",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    headers, _ = request_json(request)
    return headers["X-Subject-Token"]


def flavor_snapshot(url: str) -> dict:
    """Return every flavor the admin sees, keyed by id, with its access list
    when it is private."""
    headers = {"X-Auth-Token": admin_token(url), "OpenStack-API-Version": f"compute {MICROVERSION}"}
    flavors = {}
    page_url = f"{url}/v2.1/flavors/detail?is_public=None"
    for _ in range(MAX_PAGES):
        _, body = request_json(urllib.request.Request(page_url, headers=headers))
        for flavor in body["flavors"]:
            flavor.pop("links")
            flavors[flavor["id"]] = flavor
        next_links = [link["href"] for link in body.get("flavors_links", []) if link["rel"] == "next"]
        if not next_links:
            break
        page_url = next_links[0]
    else:
        raise RuntimeError(f"the flavor list of {url} has more than {MAX_PAGES} pages")

    for flavor_id, flavor in flavors.items():
        if not flavor["os-flavor-access:is_public"]:
            access_url = f"{url}/v2.1/flavors/{flavor_id}/os-flavor-access"
            _, body = request_json(urllib.request.Request(access_url, headers=headers))
            flavor["flavor_access"] = sorted(entry["tenant_id"] for entry in body["flavor_access"])
    return flavors


def compare_snapshot(url: str, snapshot_path: str) -> int:
    with open(snapshot_path, encoding="utf-8") as snapshot_file:
        before = json.load(snapshot_file)
    after = flavor_snapshot(url)
    problems = [f"flavor {i} was created and not deleted: {after[i]}" for i in sorted(after.keys() - before.keys())]
    problems += [f"flavor {i} was deleted: {before[i]}" for i in sorted(before.keys() - after.keys())]
    for flavor_id in sorted(before.keys() & after.keys()):
        if before[flavor_id] != after[flavor_id]:
            problems.append(f"flavor {flavor_id} changed from {before[flavor_id]} to {after[flavor_id]}")
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        print(f"the {len(after)} flavors are as before the run")
    return 1 if problems else 0


def main(arguments: list) -> int:
    usage = __doc__.split("\n\n")[1]
    if arguments[:1] == ["results"]:
        return check_results(arguments[1:])
    if arguments[:1] == ["snapshot"] and len(arguments) == 2:
        json.dump(flavor_snapshot(arguments[1]), sys.stdout, indent=1, sort_keys=True)
        return 0
    if arguments[:1] == ["compare"] and len(arguments) == 3:
        return compare_snapshot(arguments[1], arguments[2])
    print(f"usage:\n{usage}", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
