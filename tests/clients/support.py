"""Helpers of the real-client tests: a mock-nova process, direct HTTP reads of
what it stored, and running client commands.

Each server is the release binary, started on 127.0.0.1 with port 0. The
chosen port comes from the "listening" event of its JSON log, and the process
is stopped by its PID.
"""

import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import openstack

REPO = Path(__file__).resolve().parents[2]
BINARY = Path(os.environ.get("MOCK_NOVA_BIN", REPO / "target" / "release" / "mock-nova"))
VENV_BIN = Path(sys.executable).parent

ADMIN_PROJECT_ID = "6cf3812b427b4a74a872ed207de2845c"
DEMO_PROJECT_ID = "11dfbd86d5b5416d8ae068cebcb7b4a4"
PASSWORD = "secret"

# Static admin token of the test configuration, used to read back what the
# server stored without going through Keystone.
STORE_TOKEN = "client-tests-store-token"
TEST_CONFIG = f"""
[[static_tokens]]
token = "{STORE_TOKEN}"
user = "store-reader"
project = "{ADMIN_PROJECT_ID}"
roles = ["admin"]
"""

# Seconds a client command or server start may take before the test fails,
# and seconds one direct HTTP request or one HTTP request of the SDK may take.
CLI_TIMEOUT = 90
START_TIMEOUT = 15
HTTP_TIMEOUT = 10
SDK_TIMEOUT = 30


class MockNova:
    """A mock-nova process on a free loopback port."""

    def __init__(self, work_dir: Path, config: str, args: list[str]):
        self.work_dir = work_dir
        self.config_path = work_dir / "mock-nova.toml"
        # The test's own keys come first, so that top-level keys in them stay
        # outside the [[static_tokens]] table.
        self.config_path.write_text(config + "\n" + TEST_CONFIG)
        self.log_path = work_dir / "mock-nova.log"
        self.args = args
        self.process = None
        self.address = None

    @property
    def url(self) -> str:
        return f"http://{self.address}"

    def start(self) -> None:
        command = [
            str(BINARY),
            "--config",
            str(self.config_path),
            "--bind",
            "127.0.0.1:0",
            "--log-format",
            "json",
            *self.args,
        ]
        environment = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "RUST_LOG": "info"}
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen(
                command, stdout=log, stderr=subprocess.STDOUT, env=environment
            )
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            self.address = self._listening_address()
            if self.address:
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"mock-nova did not start; its log:\n{self.log_text()}")

    def _listening_address(self):
        for line in self.log_text().splitlines():
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                continue
            if event.get("message", "").startswith("mock-nova listening"):
                return event["address"]
        return None

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=10)

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def request(self, method: str, path: str, token=STORE_TOKEN, headers=None, body=None):
        """Send a request and return (status, headers, parsed JSON body or None)."""
        request = urllib.request.Request(self.url + path, method=method, data=body)
        if token is not None:
            request.add_header("X-Auth-Token", token)
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT) as response:
                status, response_headers, raw = response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            status, response_headers, raw = error.code, error.headers, error.read()
        parsed = json.loads(raw) if raw else None
        return status, response_headers, parsed

    def extra_specs(self, flavor_id: str) -> dict:
        """Return the extra specs the server stored for a flavor."""
        status, _, body = self.request("GET", f"/v2.1/flavors/{flavor_id}/os-extra_specs")
        assert status == 200, body
        return body["extra_specs"]

    def set_extra_specs(self, flavor_id: str, specs: dict) -> None:
        """Store extra specs directly, bypassing the clients under test."""
        status, _, body = self.request(
            "POST",
            f"/v2.1/flavors/{flavor_id}/os-extra_specs",
            headers={"Content-Type": "application/json"},
            body=json.dumps({"extra_specs": specs}).encode(),
        )
        assert status == 200, body


def password_variables(server: MockNova, user: str, project: str, password: str = PASSWORD):
    """Return the OS_* variables of a password login to the server."""
    return {
        "OS_AUTH_URL": f"{server.url}/identity/v3",
        "OS_USERNAME": user,
        "OS_PASSWORD": password,
        "OS_PROJECT_NAME": project,
        "OS_USER_DOMAIN_NAME": "Default",
        "OS_PROJECT_DOMAIN_NAME": "Default",
    }


def connect_sdk(auth_type: str, auth: dict, **options):
    """Return an openstacksdk connection that reads no clouds.yaml and no OS_*
    variables."""
    return openstack.connect(
        load_yaml_config=False,
        load_envvars=False,
        auth_type=auth_type,
        auth=auth,
        api_timeout=SDK_TIMEOUT,
        **options,
    )


def connect_password(server: MockNova, user: str, project: str):
    """Return an openstacksdk connection that logs in to the server's Keystone
    with the password of the default accounts."""
    auth = {
        "auth_url": f"{server.url}/identity/v3",
        "username": user,
        "password": PASSWORD,
        "project_name": project,
        "user_domain_name": "Default",
        "project_domain_name": "Default",
    }
    return connect_sdk("password", auth, region_name="RegionOne")


def run_client(command: list[str], environment: dict) -> subprocess.CompletedProcess:
    """Run a client command from the virtual environment and return the
    completed process, with stdout and stderr as text."""
    executable = VENV_BIN / command[0]
    return subprocess.run(
        [str(executable), *command[1:]],
        env=environment,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT,
        check=False,
    )


def output_of(result: subprocess.CompletedProcess) -> str:
    """Return everything a command printed, for asserts and failure messages."""
    return result.stdout + result.stderr
