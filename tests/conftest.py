"""Fixtures shared by the whole suite: a tiny codebook, a fresh project, a CLI runner.

Every test runs with its own config folder (the anonymization secret lives there) and
no QUALCODE_PROJECT, so nothing leaks between tests or from the developer's machine.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from qualcode.cli import app
from qualcode.project import init_project
from qualcode.store import Project

DATA = Path(__file__).parent / "data"


@pytest.fixture(autouse=True)
def _isolated_environment(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config")))
    monkeypatch.delenv("QUALCODE_PROJECT", raising=False)


@pytest.fixture
def tiny_codebook() -> Path:
    return DATA / "tiny_codebook.yaml"


@pytest.fixture
def project(tmp_path, tiny_codebook) -> Project:
    """An empty project with the tiny codebook."""
    created = init_project(tmp_path / "study", tiny_codebook).project
    yield created
    created.close()


@pytest.fixture
def cli():
    """Run `qualcode ARGS...` in-process; returns click's Result (exit_code, stdout, stderr)."""
    runner = CliRunner()

    def run(*args: str, input: str | None = None):
        return runner.invoke(app, [str(a) for a in args], input=input, catch_exceptions=False)

    return run
