"""Fixtures of the real-client tests: a mock-nova process per test and the
environment the clients run in."""

import pytest

from support import VENV_BIN, MockNova


@pytest.fixture
def start_server(tmp_path):
    """Return a function that starts a mock-nova with extra configuration
    and flags; every server started is stopped at the end of the test."""
    servers = []

    def start(config: str = "", args=()) -> MockNova:
        work_dir = tmp_path / f"server-{len(servers)}"
        work_dir.mkdir()
        server = MockNova(work_dir, config, list(args))
        servers.append(server)
        server.start()
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def server(start_server) -> MockNova:
    """A mock-nova with the embedded default configuration in keystone mode."""
    return start_server()


@pytest.fixture
def client_env(tmp_path):
    """Return a function that builds a clean environment for a client command:
    no OS_* variables from outside and a private HOME, so that no user
    clouds.yaml interferes."""
    home = tmp_path / "home"
    home.mkdir()

    def build(**variables) -> dict:
        environment = {
            "PATH": f"{VENV_BIN}:/usr/bin:/bin",
            "HOME": str(home),
            "LANG": "C.UTF-8",
            "NO_PROXY": "127.0.0.1",
        }
        environment.update({name: str(value) for name, value in variables.items()})
        return environment

    return build
