"""qualcode CLI: reviewing anonymization (`qualcode anonymize ...`)."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import click
import typer
from rich.markup import escape
from rich.table import Table

from qualcode.anonymize.review import (
    ReviewItem,
    add_name,
    confirm,
    keep,
    originals,
    reject,
    replace_candidate,
    report,
    review_items,
)
from qualcode.anonymize.spans import NUMBERED_KINDS
from qualcode.cli.app import (
    JsonOption,
    ProjectOption,
    anonymize_app,
    console,
    print_json,
    project_from,
)
from qualcode.errors import QualcodeError
from qualcode.store import Project

KindOption = Annotated[str, typer.Option(
    "--kind", "-k", help="PERSON, ORG, PLACE or PROJECT.", case_sensitive=False)]
KeyOption = Annotated[Path | None, typer.Option(
    "--key", help="The key file kept at import (pseudonym -> original), outside the project.")]


@anonymize_app.command("review")
def review_command(
    transcript: Annotated[str | None, typer.Argument(
        help="Transcript id (or a unique prefix); with --report it may be left out for the "
        "whole project.")] = None,
    show_report: Annotated[bool, typer.Option(
        "--report", help="Print what was replaced, by kind and detector, with counts; no "
        "questions asked.")] = False,
    show_originals: Annotated[bool, typer.Option(
        "--show-originals", help="With --report and --key: list the original of each "
        "pseudonym too (only to a terminal).")] = False,
    key: KeyOption = None,
    project: ProjectOption = None,
    json: JsonOption = False,
) -> None:
    """Review anonymization: each replaced span and each kept candidate, with its context;
    confirm, reject or add names (applied across the project)."""
    p = project_from(project)
    if show_report:
        _report(p, transcript, show_originals, key, json)
        return
    if transcript is None:
        raise QualcodeError("name the transcript to review (or give --report)")
    if json:
        print_json([asdict(i) for i in review_items(p, transcript)])
        return
    _interactive(p, transcript, key)


def _report(project: Project, transcript: str | None, show_originals: bool, key: Path | None,
            json: bool) -> None:
    if show_originals and (key is None or json or not console.is_terminal):
        raise QualcodeError("--show-originals prints real names, so it needs --key FILE and "
                            "a terminal (not a pipe, a file or --json)")
    r = report(project, transcript)
    if json:
        print_json({
            "transcripts": r.transcripts, "not_anonymized": r.not_anonymized,
            "replaced": [{"kind": k, "detector": d, "count": n}
                         for (k, d), n in r.replaced.items()],
            "by_status": r.by_status, "pseudonyms": r.pseudonyms,
            "candidates": [{"reason": k, "status": s, "count": n}
                           for (k, s), n in r.candidates.items()],
        })
        return
    scope = f"transcript {transcript}" if transcript else f"{r.transcripts} transcripts"
    table = Table(title=f"Replaced in {scope}")
    for column in ("kind", "detector", "replacements"):
        table.add_column(column, justify="right" if column == "replacements" else "left")
    for (kind, detector), n in r.replaced.items():
        table.add_row(kind, detector, str(n))
    console.print(table)
    console.print("Distinct pseudonyms: " + (", ".join(
        f"{kind} {n}" for kind, n in sorted(r.pseudonyms.items())) or "none"))
    console.print("Replacements by status: " + (", ".join(
        f"{status} {n}" for status, n in sorted(r.by_status.items())) or "none"))
    if r.candidates:
        candidates = Table(title="Kept for review")
        for column in ("reason", "status", "count"):
            candidates.add_column(column, justify="right" if column == "count" else "left")
        for (reason, status), n in r.candidates.items():
            candidates.add_row(reason, status, str(n))
        console.print(candidates)
    if r.not_anonymized:
        console.print("[yellow]Imported with --no-anonymize:[/] " + ", ".join(r.not_anonymized))
    if show_originals:
        key_table = Table(title=f"Originals (from {escape(str(key))})")
        key_table.add_column("pseudonym")
        key_table.add_column("originals")
        for label, names in originals(key).items():
            key_table.add_row(escape(label), escape("; ".join(sorted(set(names)))))
        console.print(key_table)


def _interactive(project: Project, transcript: str, key: Path | None) -> None:
    """Walk through the open items; text-changing decisions reload the list (offsets move)."""
    done: set[tuple[str, int]] = set()
    while True:
        items = [i for i in review_items(project, transcript)
                 if (i.item, i.id) not in done
                 and i.status in (("applied",) if i.item == "replacement" else ("open",))]
        if not items:
            console.print("Nothing left to review.")
            return
        item = items[0]
        _show(item, len(items))
        if item.item == "replacement":
            choice = click.prompt("[y] confirm  [n] reject  [a] add a name  [s] skip  [q] quit",
                                  type=click.Choice(list("ynasq")), default="y",
                                  show_choices=False)
        else:
            choice = click.prompt("[k] keep  [r] replace  [a] add a name  [s] skip  [q] quit",
                                  type=click.Choice(list("krasq")), default="k",
                                  show_choices=False)
        if choice == "q":
            return
        done.add((item.item, item.id))
        if choice == "y":
            confirm(project, [item.id])
        elif choice == "k":
            keep(project, [item.id])
        elif choice == "n":
            text = click.prompt("The text it replaced", default="", show_default=False)
            count = reject(project, item.id, text or None, key)
            console.print(f"Restored {count}.")
        elif choice == "r":
            kind = click.prompt("Kind", type=click.Choice(NUMBERED_KINDS, case_sensitive=False),
                                default=item.kind)
            _print_added(replace_candidate(project, item.id, kind, key))
        elif choice == "a":
            done.discard((item.item, item.id))
            name = click.prompt("Name to replace everywhere", hide_input=True)
            kind = click.prompt("Kind", type=click.Choice(NUMBERED_KINDS, case_sensitive=False),
                                default="PERSON")
            _print_added(add_name(project, name, kind, key))


def _show(item: ReviewItem, left: int) -> None:
    what = (f"replacement {item.id}: {item.kind} by {item.detector} ({item.confidence:.2f})"
            if item.item == "replacement" else
            f"candidate {item.id}: {item.reason}, would be {item.kind}")
    console.rule(f"{escape(what)}  [dim]({left} left)[/]")
    console.print(f"{escape(item.before)}[reverse]{escape(item.text)}[/]{escape(item.after)}",
                  highlight=False)


def _print_added(counts: dict[str, int]) -> None:
    total = sum(counts.values())
    console.print(f"Replaced {total} mention{'s' * (total != 1)} in {len(counts)} "
                  f"transcript{'s' * (len(counts) != 1)}.")


@anonymize_app.command("add")
def add_command(
    name: Annotated[str, typer.Argument(help="The name, as it is written in the transcripts.")],
    kind: KindOption = "PERSON",
    key: KeyOption = None,
    project: ProjectOption = None,
) -> None:
    """Pseudonymize a name everywhere in the project (first name and surname alone too, for
    a person), consistently with earlier imports, in one transaction."""
    _print_added(add_name(project_from(project), name, kind, key))


@anonymize_app.command("confirm")
def confirm_command(
    ids: Annotated[list[int], typer.Argument(help="Replacement ids (from review --json).")],
    project: ProjectOption = None,
) -> None:
    """Mark replacements as checked and right."""
    console.print(f"Confirmed {confirm(project_from(project), ids)}.")


@anonymize_app.command("keep")
def keep_command(
    ids: Annotated[list[int], typer.Argument(help="Candidate ids (from review --json).")],
    project: ProjectOption = None,
) -> None:
    """Mark review candidates as not names: they stay as they are."""
    console.print(f"Kept {keep(project_from(project), ids)}.")


@anonymize_app.command("replace")
def replace_command(
    candidate: Annotated[int, typer.Argument(help="Candidate id (from review --json).")],
    kind: Annotated[str | None, typer.Option(
        "--kind", "-k", help="PERSON, ORG, PLACE or PROJECT (default: the candidate's).")] = None,
    key: KeyOption = None,
    project: ProjectOption = None,
) -> None:
    """Treat a review candidate as a name: pseudonymize it across the project."""
    _print_added(replace_candidate(project_from(project), candidate, kind, key))


@anonymize_app.command("reject")
def reject_command(
    replacement: Annotated[int, typer.Argument(help="Replacement id (from review --json).")],
    text: Annotated[str | None, typer.Option(
        "--text", help="The word the pseudonym replaced (else read from --key).")] = None,
    everywhere: Annotated[bool, typer.Option(
        "--all", help="Restore every replacement with the same pseudonym.")] = False,
    key: KeyOption = None,
    project: ProjectOption = None,
) -> None:
    """Undo a wrong replacement: put the word back, and keep it in later imports."""
    count = reject(project_from(project), replacement, text, key, everywhere)
    console.print(f"Restored {count}.")
