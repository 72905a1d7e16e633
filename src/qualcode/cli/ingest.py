"""qualcode CLI: importing transcripts, listing, showing and searching them."""

from __future__ import annotations

import re
from dataclasses import asdict
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import click
import typer
from rich.markup import escape
from rich.table import Table

from qualcode.cli.app import (
    JsonOption,
    ProjectOption,
    app,
    console,
    import_app,
    print_json,
    project_from,
)
from qualcode.ingest import (
    HIGHLIGHT,
    FileResult,
    ImportOptions,
    ImportReport,
    import_files,
    list_transcripts,
    parse_attributes,
    search_segments,
)
from qualcode.store import resolve_transcript_id

ROLE_STYLE = {"interviewer": "cyan", "participant": "bold"}


class SpeakerStyle(StrEnum):
    role = "role"
    pseudonym = "pseudonym"


@import_app.command("files")
def import_command(
    paths: Annotated[list[Path], typer.Argument(
        help="Transcript files (.txt, .md, .docx, .vtt, .srt) or folders of them.")],
    attr: Annotated[list[str] | None, typer.Option(
        "--attr", "-a", help="A transcript attribute KEY=VALUE for every file (repeatable); "
        "wins over attributes.csv next to the files.")] = None,
    interviewer: Annotated[list[str] | None, typer.Option(
        "--interviewer", "-i", help="A speaker label that names the interviewer (repeatable); "
        "common labels (Interviewer, Q, I, Moderator, Host) are recognised anyway.")] = None,
    replace: Annotated[bool, typer.Option(
        "--replace", help="Replace a transcript imported before (same content or same id).")
    ] = False,
    force: Annotated[bool, typer.Option(
        "--force", help="With --replace: replace even when codings, reviews or assignments "
        "would be deleted with the old transcript.")] = False,
    no_anonymize: Annotated[bool, typer.Option(
        "--no-anonymize", help="Store the text as it is (recorded on the transcript).")] = False,
    roster: Annotated[Path | None, typer.Option(
        "--roster", help="Known names (YAML or CSV) to pseudonymize, misspellings included.")
    ] = None,
    key: Annotated[Path | None, typer.Option(
        "--key", help="Keep the real-name key in this file (outside the project).")] = None,
    nlp_model: Annotated[str | None, typer.Option(
        "--nlp-model", help="spaCy model for finding names, e.g. en_core_web_sm.")] = None,
    speakers: Annotated[SpeakerStyle, typer.Option(
        "--speakers", help="How named speakers are labelled: `role` (Interviewer, P01, "
        "P02...: the same code for a person across the project) or `pseudonym` (the "
        "[PERSON_n] used in the text).")] = SpeakerStyle.role,
    dry_run: Annotated[bool, typer.Option(
        "--dry-run", help="Print the anonymized segments; store nothing.")] = False,
    project: ProjectOption = None,
    json: JsonOption = False,
) -> None:
    """Import transcripts: one transcript per file, one segment per speaker turn.

    Names are pseudonymized before anything is stored (unless --no-anonymize). Each file is
    imported whole or not at all; the others still import when one fails.
    """
    options = ImportOptions(
        attributes=parse_attributes(attr or []), interviewers=tuple(interviewer or ()),
        anonymize=not no_anonymize, roster=roster, key_path=key, nlp_model=nlp_model,
        speaker_style=speakers.value, replace=replace, force=force,
    )
    report = import_files(project_from(project), paths, options, dry_run=dry_run)
    if dry_run and not json:
        for result in report.imported:
            _print_segments(result)
    for result in report.failed:
        click.echo(f"error: {result.error}", err=True)
    if json:
        print_json({"dry_run": dry_run, "files": [_result_json(r) for r in report.results]})
    else:
        _print_summary(report, dry_run)
    if report.failed:
        raise typer.Exit(1)


def _print_segments(result: FileResult) -> None:
    prepared = result.prepared
    console.rule(f"{escape(prepared.id)}: {escape(prepared.title)}")
    for s in prepared.segmentation.segments:
        label = f"[{ROLE_STYLE[s.role]}]{escape(s.speaker)}:[/] " if s.speaker else ""
        console.print(f"[dim]{s.ordinal}[/] " + label + escape(s.text), highlight=False)
        console.print()


def _result_json(result: FileResult) -> dict:
    return {
        "file": str(result.path), "status": "ok" if result.ok else "failed",
        "id": result.transcript_id, "format": result.format, "speakers": result.speakers,
        "segments": result.segments, "words": result.words, "notes": result.notes,
        "error": result.error,
    }


def _print_summary(report: ImportReport, dry_run: bool) -> None:
    table = Table(title="Dry run: nothing stored" if dry_run else "Import")
    for column in ("file", "id", "format", "speakers", "segments", "words", "notes"):
        number = column in ("speakers", "segments", "words")
        table.add_column(column, justify="right" if number else "left",
                         overflow="fold" if column in ("file", "id") else "ellipsis")
    for r in report.results:
        if r.ok:
            table.add_row(escape(r.path.name), r.transcript_id, r.format, str(r.speakers),
                          str(r.segments), f"{r.words:,}", escape("; ".join(r.notes)))
        else:
            reason = r.error.removeprefix(f"{r.path}: ")
            table.add_row(escape(r.path.name), "[red]failed[/]", "", "", "", "",
                          f"[red]{escape(reason)}[/]")
    console.print(table)
    done = "checked" if dry_run else "imported"
    line = f"{len(report.imported)} {done}"
    if report.failed:
        line += f", [red]{len(report.failed)} failed[/]: " + escape(
            ", ".join(r.path.name for r in report.failed))
    console.print(line + ".")


@app.command("transcripts")
def transcripts(project: ProjectOption = None, json: JsonOption = False) -> None:
    """List the project's transcripts: speakers, segments, words and attributes."""
    summaries = list_transcripts(project_from(project))
    if json:
        print_json([asdict(s) for s in summaries])
        return
    if not summaries:
        console.print("No transcripts yet: qualcode import FILES...")
        return
    table = Table()
    for column in ("id", "title", "speakers", "segments", "words", "attributes"):
        table.add_column(column, justify="right" if column in ("segments", "words") else "left",
                         overflow="fold" if column == "id" else "ellipsis")
    for s in summaries:
        table.add_row(s.id, escape(s.title), escape(", ".join(s.speakers)), str(s.segments),
                      f"{s.words:,}",
                      escape("\n".join(f"{k}={v}" for k, v in s.attributes.items())))
    console.print(table)


@app.command("show")
def show(
    transcript: Annotated[str, typer.Argument(help="Transcript id (or a unique prefix).")],
    project: ProjectOption = None,
    json: JsonOption = False,
) -> None:
    """Print a transcript's segments, numbered, with their speakers."""
    p = project_from(project)
    t = p.transcript(transcript)
    segments = p.segments(t.id)
    if json:
        fields = ("ordinal", "turn", "part", "speaker", "role", "timestamp", "char_start",
                  "char_end", "text")
        print_json({
            "id": t.id, "title": t.title, "source_name": t.source_name, "format": t.format,
            "encoding": t.encoding, "attributes": t.attributes, "anonymized": t.anonymized,
            "imported_at": t.imported_at,
            "segments": [{f: getattr(s, f) for f in fields} for s in segments],
        })
        return
    attributes = ", ".join(f"{k}={v}" for k, v in t.attributes.items())
    console.print(f"[bold]{escape(t.id)}[/]: {escape(t.title)}"
                  + (f"  [dim]{escape(attributes)}[/]" if attributes else ""))
    timed = any(s.timestamp for s in segments)
    table = Table(show_lines=True)
    table.add_column("#", justify="right")
    if timed:
        table.add_column("time", style="dim")
    table.add_column("speaker")
    table.add_column("text", ratio=1)
    for s in segments:
        speaker = escape(s.speaker or "")
        cells = [str(s.ordinal), *([s.timestamp or ""] if timed else []),
                 f"[{ROLE_STYLE[s.role]}]{speaker}[/]", escape(s.text)]
        table.add_row(*cells)
    console.print(table)


@app.command("search")
def search(
    query: Annotated[list[str], typer.Argument(
        help='Words to find (all of them), "a phrase", prefix*, OR, NOT.')],
    transcript: Annotated[str | None, typer.Option(
        "--transcript", "-t", help="Search only this transcript.")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", help="At most this many hits.",
                                       min=1)] = 50,
    project: ProjectOption = None,
    json: JsonOption = False,
) -> None:
    """Full-text search over segment text, best match first."""
    p = project_from(project)
    transcript_id = resolve_transcript_id(p, transcript) if transcript else None
    hits = search_segments(p, " ".join(query), transcript_id, limit)
    if json:
        print_json([asdict(h) for h in hits])
        return
    if not hits:
        console.print("No segment matches.")
        return
    table = Table()
    for column in ("transcript", "#", "speaker", "match"):
        table.add_column(column, justify="right" if column == "#" else "left")
    for h in hits:
        table.add_row(h.transcript_id, str(h.ordinal),
                      f"[{ROLE_STYLE[h.role]}]{escape(h.speaker or '')}[/]",
                      _highlighted(h.snippet))
    console.print(table)


def _highlighted(snippet: str) -> str:
    """A snippet with its HIGHLIGHT markers turned into rich markup."""
    start, end = map(re.escape, HIGHLIGHT)
    parts = re.split(f"{start}(.*?){end}", snippet)
    return "".join(f"[reverse]{escape(p)}[/]" if i % 2 else escape(p)
                   for i, p in enumerate(parts))
