"""The `qualcode` command line.

Each module here adds its commands to the application in `app.py`; this module imports
them all and lays `qualcode --help` out along the four user journeys.
"""

from __future__ import annotations

from qualcode.cli import (  # noqa: F401  (each module registers its commands)
    agree,
    anonymize,
    codebook,
    coding,
    demo,
    export,
    ingest,
    project,
    report,
    suggest,
    tui,
)
from qualcode.cli.app import RootGroup, app

JOURNEYS = {
    "Set up": ["init", "demo", "codebook"],
    "Import and anonymize": ["import", "transcripts", "show", "search", "anonymize"],
    "Code": ["code", "suggest", "apply", "unapply", "done", "undo", "redo", "codings",
             "progress", "assign", "merge"],
    "Check reliability": ["agree", "disagreements", "reconcile"],
    "Synthesize and export": ["report", "export"],
}


def _lay_out_help() -> None:
    panel = {name: title for title, names in JOURNEYS.items() for name in names}
    for info in [*app.registered_commands, *app.registered_groups]:
        name = info.name or info.callback.__name__.replace("_", "-")
        info.rich_help_panel = panel.get(name, "Other")
    RootGroup.order = [name for names in JOURNEYS.values() for name in names]


_lay_out_help()


def main() -> None:
    app(prog_name="qualcode")
