"""qualcode CLI: exporting coded excerpts (CSV, JSON Lines) and REFI-QDA files, and
importing REFI-QDA projects and codebooks."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import click
import typer
from rich.markup import escape

from qualcode.cli.app import (
    JsonOption,
    ProjectOption,
    codebook_app,
    console,
    export_app,
    import_app,
    print_json,
    project_from,
)
from qualcode.codebook import install_codebook, project_codebook
from qualcode.errors import QualcodeError
from qualcode.export import CodingFilter, make_filter, output_stream, write_csv, write_jsonl
from qualcode.refi import codebook_from_qdc, codebook_yaml, export_qdc, export_qdpx, import_qdpx
from qualcode.store import Project

CoderOption = Annotated[str | None, typer.Option(
    "--coder", help="Only this coder's codings.")]
ConsensusOption = Annotated[bool, typer.Option(
    "--consensus", help="Only consensus codings (reconciled from several coders).")]
CodeOption = Annotated[list[str] | None, typer.Option(
    "--code", help="Only this code (repeatable): full id, unique id suffix or label.")]
GroupOption = Annotated[str | None, typer.Option("--group", help="Only codes of this group.")]
TranscriptOption = Annotated[str | None, typer.Option(
    "--transcript", help="Only this transcript (id or unique prefix).")]
CODER_RULE = ("Which codings: --coder NAME (one coder), --consensus (reconciled codings), or "
              "by default every coder's.")
OutArgument = Annotated[str, typer.Argument(help="Output file; - writes to stdout.")]


def selection_from(project: Project, coder: str | None, consensus: bool,
                   code: list[str] | None = None, group: str | None = None,
                   transcript: str | None = None) -> CodingFilter:
    """The CodingFilter a command's options describe."""
    return make_filter(project, coder=coder, consensus=consensus, codes=code or (),
                       group=group, transcript=transcript)


def _done(out: str, message: str) -> None:
    """Say what was written: on stderr when the data itself went to stdout."""
    click.echo(message, err=out == "-")


@export_app.command("csv", epilog=CODER_RULE)
def export_csv(out: OutArgument, coder: CoderOption = None, consensus: ConsensusOption = False,
               code: CodeOption = None, group: GroupOption = None,
               transcript: TranscriptOption = None,
               wide: Annotated[bool, typer.Option(
                   "--wide", help="One row per segment with a 0/1 column per code (a "
                   "segment has a code when any selected coder applied it).")] = False,
               excel: Annotated[bool, typer.Option(
                   "--excel", help="UTF-8 with a BOM, so that Excel shows accents right.")
               ] = False,
               project: ProjectOption = None) -> None:
    """Export coded excerpts as CSV: one row per coding (or per segment with --wide).

    Columns: transcript, segment, speaker, role, coder, code, group, code_label, excerpt
    (the coded text), start and end (offsets into the transcript text), memo, provenance,
    then attr_NAME for every transcript attribute. Cells a spreadsheet would run as a
    formula (starting with = + - @, tab or CR) get a leading apostrophe.
    """
    opened = project_from(project)
    selection = selection_from(opened, coder, consensus, code, group, transcript)
    with output_stream(out, bom=excel) as stream:
        rows = write_csv(opened, stream, selection, wide=wide)
    _done(out, f"{rows} {'segments' if wide else 'codings'} written to {out} ({selection.rule})")


@export_app.command("jsonl", epilog=CODER_RULE)
def export_jsonl(out: OutArgument, coder: CoderOption = None,
                 consensus: ConsensusOption = False, code: CodeOption = None,
                 group: GroupOption = None, transcript: TranscriptOption = None,
                 project: ProjectOption = None) -> None:
    """Export coded excerpts as JSON Lines, one object per coding.

    The keys are the CSV columns; text is as stored (no formula protection, which is for
    spreadsheets).
    """
    opened = project_from(project)
    selection = selection_from(opened, coder, consensus, code, group, transcript)
    with output_stream(out) as stream:
        rows = write_jsonl(opened, stream, selection)
    _done(out, f"{rows} codings written to {out} ({selection.rule})")


@export_app.command("qdc")
def export_qdc_command(
    out: Annotated[Path, typer.Argument(help="The .qdc file to write.")],
    project: ProjectOption = None,
) -> None:
    """Export the codebook as a REFI-QDA .qdc file.

    Groups become categories; definitions, examples, keywords and ids travel in each code's
    description.
    """
    summary = export_qdc(project_from(project), out)
    console.print(f"{summary.codes} codes written to {escape(str(out))}")


@export_app.command("qdpx")
def export_qdpx_command(
    out: Annotated[Path, typer.Argument(help="The .qdpx file to write.")],
    project: ProjectOption = None,
) -> None:
    """Export the whole project as a REFI-QDA .qdpx file.

    For NVivo, ATLAS.ti, MAXQDA or QualCoder: transcripts (their stored, anonymized text),
    codebook, coders, every coding with exact positions, memos, and transcript attributes as
    case variables.
    """
    s = export_qdpx(project_from(project), out)
    console.print(f"{escape(str(out))}: {s.sources} transcripts, {s.codes} codes, "
                  f"{s.codings} codings in {s.selections} selections, {s.notes} memos, "
                  f"{s.users} coders, {s.variables} attributes")
    for warning in s.warnings:
        console.print(f"[yellow]note:[/] {escape(warning)}")


@import_app.command("qdpx")
def import_qdpx_command(
    file: Annotated[Path, typer.Argument(help="A .qdpx project from a QDA tool.")],
    project: ProjectOption = None, json: JsonOption = False,
    no_anonymize: Annotated[bool, typer.Option(
        "--no-anonymize", help="Store new text as the file has it (only for text that is "
        "already anonymized).")] = False,
) -> None:
    """Import a REFI-QDA project (.qdpx) made in another tool.

    Its text sources become transcripts, anonymized like any import (codings move with the
    text), its codes join the codebook, its codings and memos are attributed to its users.
    All or nothing: one transaction. A source with the same text as a transcript adds its
    codings to that transcript.
    """
    summary = import_qdpx(project_from(project), file, anonymize=not no_anonymize)
    if json:
        print_json({**asdict(summary), "path": str(summary.path)})
        return
    console.print(
        f"{escape(file.name)}: {len(summary.transcripts)} new transcripts "
        f"({escape(', '.join(summary.transcripts)) or '-'}), {len(summary.matched)} matched, "
        f"{len(summary.codes_added)} new codes, {summary.codings} codings "
        f"({summary.duplicates} already there), {summary.memos} memos, "
        f"{summary.attributes} attribute values; coders: "
        f"{escape(', '.join(summary.coders)) or '-'}")
    for problem in summary.problems:
        console.print(f"[yellow]note:[/] {escape(problem)}")


@codebook_app.command("import")
def import_codebook(
    file: Annotated[Path, typer.Argument(help="A .qdc codebook from a QDA tool.")],
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write the codebook as YAML to this file instead of "
        "installing it in the project.")] = None,
    merge: Annotated[bool, typer.Option(
        "--merge", help="Add the file's codes to the project's codebook instead of replacing "
        "it (codes with the same id are the same code).")] = False,
    project: ProjectOption = None,
) -> None:
    """Bring in a REFI-QDA codebook (.qdc) made in another tool.

    Installs it in the project (replacing the codebook; codes that have codings cannot
    disappear), merges it (--merge), or writes it as a YAML codebook to review first
    (--output).
    """
    if output is not None and merge:
        raise QualcodeError("give --output or --merge, not both")
    opened = project_from(project) if output is None else None
    mapping = codebook_from_qdc(file, project_codebook(opened) if merge else None)
    if output is not None:
        output.write_text(codebook_yaml(mapping.codebook), encoding="utf-8")
        console.print(f"{len(mapping.codebook.codes)} codes written to {escape(str(output))}")
    else:
        version = install_codebook(opened, mapping.codebook, change=f"import {file.name}",
                                   source_name=file.name)
        console.print(f"codebook version {version}: {len(mapping.added)} codes from "
                      f"{escape(file.name)} ({len(mapping.codebook.codes)} in all)")
    for problem in mapping.problems:
        console.print(f"[yellow]note:[/] {escape(problem)}")
