"""qualcode CLI: applying codes, reviews, undo, codings import, progress, assignments and
coder packs."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from qualcode.cli.app import (
    JsonOption,
    ProjectOption,
    app,
    codings_app,
    console,
    export_app,
    print_json,
    project_from,
)
from qualcode.codebook import project_codebook
from qualcode.coding import (
    FileProblems,
    apply_code,
    assign,
    import_codings,
    list_codings,
    merge_pack,
    parse_overlap,
    progress,
    redo,
    remove_code,
    set_done,
    set_transcript_done,
    undo,
    write_coder_pack,
)
from qualcode.errors import QualcodeError
from qualcode.store import Project

CoderOption = Annotated[str, typer.Option(
    "--coder", "-c", envvar="QUALCODE_CODER", show_envvar=True, help="Who is coding.")]
TranscriptArgument = Annotated[str, typer.Argument(help="Transcript id (or a unique prefix).")]
SegmentArgument = Annotated[int, typer.Argument(help="Segment number, from 1.", min=1)]
SpanOption = Annotated[str | None, typer.Option(
    "--span", help="Code only part of the segment text: START:END, offsets in the segment "
    "text (end excluded).")]


def _span(text: str | None) -> tuple[int, int] | None:
    if text is None:
        return None
    start, sep, end = text.partition(":")
    if not sep or not start.strip().isdigit() or not end.strip().isdigit():
        raise QualcodeError(f"--span must look like 10:42, not {text!r}")
    return int(start), int(end)


def _segment_id(project: Project, transcript: str, segment: int) -> int:
    return project.segment(project.transcript(transcript).id, segment).id


@app.command("apply")
def apply_command(
    transcript: TranscriptArgument, segment: SegmentArgument,
    codes: Annotated[list[str], typer.Argument(help="Codes: full id, unique suffix or label.")],
    coder: CoderOption, span: SpanOption = None,
    memo: Annotated[str | None, typer.Option("--memo", help="A memo on the coding.")] = None,
    project: ProjectOption = None,
) -> None:
    """Apply codes to a segment (all or nothing)."""
    p = project_from(project)
    segment_id = _segment_id(p, transcript, segment)
    codebook = project_codebook(p)
    found = [codebook.code(c) for c in codes]
    for group in codebook.groups:
        ours = sorted({c.id for c in found if c.group == group.id})
        if group.exclusive and len(ours) > 1:
            raise QualcodeError(f"group {group.id} is exclusive: give one of {', '.join(ours)}")
    with p.transaction():
        applied = [apply_code(p, segment_id, c.id, coder, span=_span(span), memo=memo)
                   for c in found]
    for coding in applied:
        console.print(f"{coding.transcript_id} #{coding.ordinal}: {coding.code_id} ({coder})")


@app.command("unapply")
def unapply_command(
    transcript: TranscriptArgument, segment: SegmentArgument,
    code: Annotated[str, typer.Argument(help="The code to remove.")],
    coder: CoderOption,
    span: Annotated[str | None, typer.Option(
        "--span", help="Remove only the coding on START:END. Default: every coding of the "
        "code on the segment.")] = None,
    project: ProjectOption = None,
) -> None:
    """Remove a code from a segment."""
    p = project_from(project)
    segment_id = _segment_id(p, transcript, segment)
    if not remove_code(p, segment_id, code, coder, span=_span(span), every_span=span is None):
        raise QualcodeError(f"{coder} has no such coding on segment {segment}")
    console.print(f"Removed {project_codebook(p).code(code).id} from segment {segment}.")


@app.command("done")
def done_command(
    transcript: TranscriptArgument, coder: CoderOption,
    segment: Annotated[int | None, typer.Argument(help="Segment number, from 1.", min=1)] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every segment of the transcript.")] = False,
    project: ProjectOption = None,
) -> None:
    """Mark a segment (or --all) reviewed: coded, or looked at and left without a code."""
    if (segment is None) == (not all_):
        raise QualcodeError("give a segment number or --all (not both)")
    p = project_from(project)
    tid = p.transcript(transcript).id
    if all_:
        changed = set_transcript_done(p, tid, coder)
        console.print(f"Marked {changed} more segments of {tid} reviewed.")
    else:
        set_done(p, p.segment(tid, segment).id, coder)
        console.print(f"Marked {tid} #{segment} reviewed.")


@app.command("undo")
def undo_command(coder: CoderOption, project: ProjectOption = None) -> None:
    """Undo your last action (apply, remove, done, memo, import, merge)."""
    result = undo(project_from(project), coder)
    console.print(result.describe("Undid") + "." if result else "Nothing to undo.")


@app.command("redo")
def redo_command(coder: CoderOption, project: ProjectOption = None) -> None:
    """Redo the action you last undid, if you did nothing since."""
    result = redo(project_from(project), coder)
    console.print(result.describe("Redid") + "." if result else "Nothing to redo.")


@codings_app.command("list")
def list_command(
    coder: Annotated[str | None, typer.Option("--coder", "-c", help="Only this coder's.")] = None,
    transcript: Annotated[str | None, typer.Option(
        "--transcript", "-t", help="Only this transcript's.")] = None,
    code: Annotated[str | None, typer.Option(
        "--code", help="Only this code (and its child codes), or a group id.")] = None,
    project: ProjectOption = None, json: JsonOption = False,
) -> None:
    """List codings."""
    p = project_from(project)
    tid = p.transcript(transcript).id if transcript else None
    codings = list_codings(p, coder=coder, transcript_id=tid, code=code)
    if json:
        print_json([asdict(c) for c in codings])
        return
    table = Table("transcript", "segment", "coder", "code", "span", "provenance", "memo")
    for c in codings:
        table.add_row(c.transcript_id, str(c.ordinal), escape(c.coder), c.code_id,
                      f"{c.span_start}:{c.span_end}" if c.span else "",
                      c.provenance, escape(c.memo or ""))
    console.print(table)
    console.print(f"{len(codings)} codings")


@codings_app.command("import")
def import_command(
    file: Annotated[Path, typer.Argument(help="CSV with columns transcript, segment, coder, "
                                         "code, start, end, memo.")],
    project: ProjectOption = None,
) -> None:
    """Import codings from a CSV file (a spreadsheet, another tool): all rows or none."""
    try:
        result = import_codings(project_from(project), file)
    except FileProblems as e:
        typer.echo(str(e), err=True)
        typer.echo(f"error: {len(e.problems)} problem(s); nothing was imported", err=True)
        raise typer.Exit(1) from None
    if result.ignored_columns:
        console.print(f"Ignored column(s): {escape(', '.join(result.ignored_columns))}.")
    console.print(
        f"Read {result.rows} rows ({result.duplicates} duplicates): "
        f"{result.codings_added} codings added, {result.memos_updated} memos updated, "
        f"{result.codings_replaced} replaced in exclusive groups, "
        f"{result.reviews_added} segments marked reviewed.")


@app.command("progress")
def progress_command(project: ProjectOption = None, json: JsonOption = False) -> None:
    """Show per coder and transcript how many segments are reviewed, and codings.

    Every assignment is listed, started or not, and any other transcript a coder worked on.
    """
    rows = progress(project_from(project))
    if json:
        print_json([asdict(r) for r in rows])
        return
    table = Table("coder", "transcript", "assigned", "reviewed", "", "codings")
    for r in rows:
        assigned = "overlap" if r.overlap else ("yes" if r.assigned else "no")
        share = f"{100 * r.done / r.total:.0f}%" if r.total else "-"
        table.add_row(escape(r.coder), r.transcript_id, assigned, f"{r.done}/{r.total}", share,
                      str(r.codings))
    console.print(table)


@app.command("assign")
def assign_command(
    coders: Annotated[str, typer.Option("--coders", help="Comma-separated coder names.")],
    overlap: Annotated[str, typer.Option(
        "--overlap", help="Share of transcripts every coder codes blind, for reliability: "
        "25% or 0.25.")] = "0%",
    seed: Annotated[int | None, typer.Option(
        "--seed", help="Random seed; the same seed gives the same plan.")] = None,
    replace: Annotated[bool, typer.Option(
        "--replace", help="Replace the project's existing assignments.")] = False,
    project: ProjectOption = None, json: JsonOption = False,
) -> None:
    """Decide who codes which transcripts, with a shared sample for reliability.

    A seeded random overlap sample is coded blind by every coder; the rest is split evenly.
    """
    names = [c.strip() for c in coders.split(",") if c.strip()]
    plan = assign(project_from(project), names, parse_overlap(overlap), seed=seed,
                  replace=replace)
    if json:
        print_json({"seed": plan.seed, "assignments": [asdict(a) for a in plan.assignments]})
        return
    for name in names:
        mine = [a for a in plan.assignments if a.coder == name]
        shared = sum(a.overlap for a in mine)
        console.print(f"{escape(name)}: {len(mine)} transcripts ({shared} shared)")
    console.print(f"Seed {plan.seed} (give --seed {plan.seed} to make the same plan again).")


@export_app.command("coder-pack")
def coder_pack_command(
    coder: CoderOption,
    out: Annotated[Path, typer.Argument(help="The pack file to write (.jsonl).")],
    project: ProjectOption = None,
) -> None:
    """Write one coder's codings, reviews and memos as a git-friendly text file.

    Bring it into the lead's project with `qualcode merge`.
    """
    summary = write_coder_pack(project_from(project), coder, out)
    console.print(f"Wrote {escape(str(out))}: {summary.codings} codings, {summary.reviews} "
                  f"reviews, {summary.memos} memos on {summary.transcripts} transcripts.",
                  soft_wrap=True)


@app.command("merge")
def merge_command(
    packs: Annotated[list[Path], typer.Argument(help="Coder packs to bring in.")],
    project: ProjectOption = None,
) -> None:
    """Bring coder packs from other machines into this project.

    Merging a pack twice changes nothing. A pack made against another codebook or other
    transcript text is refused whole. Nothing is deleted.
    """
    p = project_from(project)
    refused = 0
    for pack in packs:
        try:
            r = merge_pack(p, pack)
        except QualcodeError as e:
            typer.echo(str(e), err=True)
            typer.echo(f"error: {pack}: refused, nothing merged from it", err=True)
            refused += 1
            continue
        for note in r.notes:
            console.print(f"{escape(str(pack))}: note: {escape(note)}", soft_wrap=True)
        console.print(
            f"{escape(str(pack))} ({escape(r.coder)}): {r.codings_added} codings added, "
            f"{r.codings_updated} updated, {r.reviews_added} reviews and {r.memos_added} memos "
            f"added, {r.memos_updated} memos updated.", soft_wrap=True)
        if r.not_in_pack:
            console.print(f"  {r.not_in_pack} of {escape(r.coder)}'s codings on these "
                          "transcripts are not in the pack (kept).")
    if refused:
        raise typer.Exit(1)
