"""qualcode CLI: `qualcode demo`, the main job end to end on the bundled sample.

The demo runs the real commands, in-process, and prints each one before its output, so
that what it shows is exactly what a researcher would type.
"""

from __future__ import annotations

import shlex
import tempfile
import time
from pathlib import Path
from typing import Annotated

import click
import typer
from rich.rule import Rule

from qualcode.cli.app import app, console
from qualcode.errors import QualcodeError
from qualcode.resources import data_path
from qualcode.store import DB_NAME

SAMPLE_TRANSCRIPT = "p02-small-org"


def _steps(folder: Path, sample: Path) -> list[tuple[str, list[str]]]:
    """(what the step shows, the command) for each step of the demo."""
    exports = folder / "exports"
    return [
        ("Create a project with the default talent-needs codebook",
         ["init", str(folder)]),
        ("Import the eight sample interviews (five formats), anonymized with the team's "
         "roster; attributes.csv beside them gives each transcript its org type",
         ["import", str(sample), "--roster", str(sample / "roster.yaml")]),
        ("What was replaced, by kind and detector (originals are never stored)",
         ["anonymize", "review", "--report"]),
        ("The transcripts in the project", ["transcripts"]),
        ("Full-text search over the anonymized segments", ["search", "research taste"]),
        ("Suggestions from the codebook alone, before anyone has coded",
         ["suggest", SAMPLE_TRANSCRIPT, "--segment", "4", "--top", "3"]),
        ("Two coders, ana and ben, coded every interview independently (as if with "
         "`qualcode code`); bring their work in",
         ["codings", "import", str(sample / "codings.csv")]),
        ("Progress per coder and transcript", ["progress"]),
        ("Suggestions now learn from the coded segments",
         ["suggest", SAMPLE_TRANSCRIPT, "--segment", "4", "--top", "3"]),
        ("Inter-coder agreement before synthesis",
         ["agree", "--coders", "ana,ben", "--group", "need"]),
        ("The disagreements behind the weakest code, with the coders' memos",
         ["disagreements", "--coders", "ana,ben", "--code", "need.ml_engineering"]),
        ("Reconcile into a consensus coding: agreed segments are copied; here ana's codes "
         "settle each disagreement (in real work, walk them in `qualcode reconcile`'s screen)",
         ["reconcile", "--coders", "ana,ben", "--take", "ana"]),
        ("Which needs each kind of organization raises, ranked, from the consensus coding",
         ["report", "crosstab", "attr:org_type", "need", "--rank", "--consensus"]),
        ("Coded excerpts for spreadsheets and pandas",
         ["export", "csv", str(exports / "excerpts.csv")]),
        ("The whole project for NVivo, ATLAS.ti, MAXQDA or QualCoder",
         ["export", "qdpx", str(exports / "study.qdpx")]),
        ("One HTML report to e-mail",
         ["report", "html", str(exports / "report.html"), "--crosstab", "org_type:need"]),
    ]


def run_demo(folder: Path) -> None:
    """Run every step against `folder`; stop at the first failing step."""
    sample = data_path("interviews")
    command = typer.main.get_command(app)
    started = time.perf_counter()
    for number, (title, args) in enumerate(_steps(folder, sample), start=1):
        if args[0] != "init":
            args = [*args, "--project", str(folder)]
            (folder / "exports").mkdir(exist_ok=True)
        console.print(Rule(f"[bold]{number}. {title}", align="left"))
        console.print(f"[dim]$ qualcode {shlex.join(args)}[/]")
        step_started = time.perf_counter()
        code = command.main(args, prog_name="qualcode", standalone_mode=False)
        if code:
            raise QualcodeError(f"the demo stopped at step {number} ({args[0]})")
        console.print(f"[dim]({time.perf_counter() - step_started:.1f} s)[/]")
    elapsed = time.perf_counter() - started
    console.print(Rule("[bold]Done", align="left"))
    console.print(
        f"Demo finished in {elapsed:.1f} s. The project is [bold]{folder}[/], its exports "
        f"are in [bold]{folder / 'exports'}[/].\n"
        f"Try the coder yourself:  qualcode code --coder you --project {shlex.quote(str(folder))}"
    )


@app.command()
def demo(
    folder: Annotated[Path | None, typer.Argument(
        help="Where to build the demo project (must not be a project yet). Default: a new "
        "temporary folder.")] = None,
) -> None:
    """Run the main job on the bundled sample interviews: import and anonymize, suggest,
    check agreement between two coders, reconcile, cross-tabulate and export."""
    if folder is None:
        folder = Path(tempfile.mkdtemp(prefix="qualcode-demo-")) / "study"
    elif (folder / DB_NAME).exists():
        raise QualcodeError(f"{folder} is a project already: give the demo a new folder")
    try:
        run_demo(folder)
    except click.ClickException as e:
        raise QualcodeError(f"the demo stopped: {e.format_message()}") from e
