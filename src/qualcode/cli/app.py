"""The typer application object, its command groups, and what every command shares.

Command modules in this package add their commands to these objects; `qualcode.cli`
imports them all. Commands stay thin: they parse options, call the library functions the
tests call, and print.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path
from typing import Annotated, Any

import click
import typer
from rich.console import Console
from typer.core import TyperGroup

from qualcode.errors import QualcodeError
from qualcode.store import Project, open_project

console = Console()


class RootGroup(TyperGroup):
    """Prints a user mistake as one `error: ...` line and exits 1, never a traceback, and
    lists its commands in journey order (set by `qualcode.cli`)."""

    order: list[str] = []

    def list_commands(self, ctx: click.Context) -> list[str]:
        names = super().list_commands(ctx)
        rank = {name: i for i, name in enumerate(self.order)}
        return sorted(names, key=lambda name: rank.get(name, len(rank)))

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except QualcodeError as e:
            click.echo(f"error: {e}", err=True)
            raise typer.Exit(1) from None
        except sqlite3.OperationalError as e:
            if "locked" not in str(e) and "busy" not in str(e):
                raise
            click.echo("error: the project database stayed busy (another qualcode is writing); "
                       "try again", err=True)
            raise typer.Exit(1) from None


def default_command_group(default: str) -> type[TyperGroup]:
    """A group whose subcommand `default` runs when the first word names no subcommand,
    so that `qualcode codings --coder ana` and `qualcode codings import F` both work."""

    class DefaultCommandGroup(TyperGroup):
        def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
            if not args or (args[0] not in self.commands and args[0] not in ("--help", "-h")):
                args = [default, *args]
            return super().parse_args(ctx, args)

    return DefaultCommandGroup


app = typer.Typer(
    cls=RootGroup,
    name="qualcode",
    help="Qualitative interview coding: import and anonymize transcripts, code them in the "
    "terminal, check inter-coder agreement, and export coded excerpts.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    rich_markup_mode="markdown",
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _group(name: str, help: str, default: str | None = None) -> typer.Typer:
    group = typer.Typer(
        name=name, help=help, no_args_is_help=default is None, rich_markup_mode="markdown",
        cls=default_command_group(default) if default else None,
    )
    app.add_typer(group, name=name)
    return group


codebook_app = _group("codebook", "Show, check and change the codebook.")
import_app = _group(
    "import", "Import transcripts (default) or a REFI-QDA project (`import qdpx FILE`).",
    default="files")
codings_app = _group(
    "codings", "List codings (default) or import them from a CSV file (`codings import FILE`).",
    default="list")
suggest_app = _group(
    "suggest", "Suggest codes for segments (default) or evaluate the suggestions "
    "(`suggest evaluate`).", default="show")
export_app = _group("export", "Export coded excerpts, the codebook, or the whole project.")
report_app = _group("report", "Reports for synthesis: frequencies, cross-tabs, co-occurrence, "
                    "excerpts.")
anonymize_app = _group("anonymize", "Review what anonymization replaced or left for review.")

ProjectOption = Annotated[
    Path | None,
    typer.Option(
        "--project", "-p", envvar="QUALCODE_PROJECT", show_envvar=True,
        help="Project folder. Default: the nearest folder upwards holding qualcode.db.",
    ),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Print machine-readable JSON with stable keys.")
]


def project_from(option: Path | None) -> Project:
    """Open the project a command was pointed at."""
    return open_project(option)


def print_json(data: Any) -> None:
    """Print JSON to stdout without rich markup or wrapping."""
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))
