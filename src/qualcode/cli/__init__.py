"""The `qualcode` command line."""

from __future__ import annotations

from qualcode.cli import (  # noqa: F401  (each module registers its commands)
    agree,
    anonymize,
    codebook,
    coding,
    export,
    ingest,
    project,
    report,
    suggest,
    tui,
)
from qualcode.cli.app import app


def main() -> None:
    app(prog_name="qualcode")
