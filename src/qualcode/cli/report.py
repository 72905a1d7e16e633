"""qualcode CLI: synthesis reports in the terminal, as JSON or CSV, and as one HTML file."""

from __future__ import annotations

import csv
import sys
from dataclasses import asdict, fields
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from qualcode.cli.app import (
    JsonOption,
    ProjectOption,
    console,
    print_json,
    project_from,
    report_app,
)
from qualcode.cli.export import (
    CoderOption,
    ConsensusOption,
    GroupOption,
    TranscriptOption,
    selection_from,
)
from qualcode.errors import QualcodeError
from qualcode.export import CodingFilter, output_stream
from qualcode.ingest import parse_attributes
from qualcode.reports import (
    ROW_TOTAL,
    Crosstab,
    Excerpt,
    cooccurrence,
    crosstab,
    excerpts,
    frequencies,
    html_report,
    plural,
    ranking_text,
)
from qualcode.store import now

CsvOption = Annotated[bool, typer.Option("--csv", help="Print CSV (for spreadsheets).")]
RULE = ("Which codings: --coder NAME (one coder), --consensus (reconciled codings), or by "
        "default every coder's, a segment counting once per code however many coders applied "
        "it. Counts: excerpts (segments) and transcripts (interviewees).")


def _format(json: bool, as_csv: bool) -> str:
    if json and as_csv:
        raise QualcodeError("give --json or --csv, not both")
    return "json" if json else "csv" if as_csv else "table"


def _print_csv(rows: list[dict[str, Any]], header: list[str]) -> None:
    writer = csv.DictWriter(sys.stdout, header, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)


def _caption(selection: CodingFilter) -> str:
    return f"counted: {selection.rule}"


@report_app.command("frequencies", epilog=RULE)
def frequencies_command(
    by: Annotated[str | None, typer.Option(
        "--by", help="Break the counts down by coder, transcript or attr:NAME.")] = None,
    coder: CoderOption = None, consensus: ConsensusOption = False, group: GroupOption = None,
    transcript: TranscriptOption = None, project: ProjectOption = None,
    json: JsonOption = False, as_csv: CsvOption = False,
) -> None:
    """How often each code was applied.

    Without --by every code appears, zeros included. --by coder counts each coder apart.
    """
    fmt = _format(json, as_csv)
    opened = project_from(project)
    selection = selection_from(opened, coder, consensus, group=group, transcript=transcript)
    rows = frequencies(opened, selection, by)
    data = [asdict(r) for r in rows]
    if fmt == "json":
        print_json({"by": by, "counted": selection.rule, "rows": data})
    elif fmt == "csv":
        _print_csv(data, ["code", "group", "label", "key", "excerpts", "transcripts", "codings"])
    elif by is None:
        table = Table(caption=_caption(selection))
        for column in ("code", "label", "excerpts", "transcripts", "codings"):
            table.add_column(column, justify="right" if column not in ("code", "label") else "left")
        for r in rows:
            table.add_row(r.code, escape(r.label), str(r.excerpts), str(r.transcripts),
                          str(r.codings))
        console.print(table)
    else:
        keys = list(dict.fromkeys(r.key for r in rows))
        table = Table(caption=f"cells: transcripts (excerpts); {_caption(selection)}")
        table.add_column("code")
        for key in keys:
            table.add_column(escape(str(key)), justify="right")
        cells = {(r.code, r.key): f"{r.transcripts} ({r.excerpts})" for r in rows}
        for code in dict.fromkeys(r.code for r in rows):
            table.add_row(code, *(cells.get((code, k), "") for k in keys))
        console.print(table)



def crosstab_json(table: Crosstab, rank: bool) -> dict[str, Any]:
    data: dict[str, Any] = {
        "rows": {"kind": table.rows.kind, "name": table.rows.name,
                 "values": list(table.rows.values)},
        "columns": {"kind": table.columns.kind, "name": table.columns.name,
                    "values": list(table.columns.values)},
        "cells": [asdict(c) for c in table.cells.values()],
        "row_totals": [asdict(c) for c in table.row_totals.values()],
    }
    if rank:
        data["ranking"] = [{"row": row, "ranked": [asdict(c) for c in cells]}
                           for row, cells in table.ranking()]
    return data


@report_app.command("crosstab", epilog=RULE)
def crosstab_command(
    rows: Annotated[str, typer.Argument(
        help="Rows: a code group, or a transcript attribute (attr:NAME, or a plain NAME that "
        "is no group id).")],
    columns: Annotated[str, typer.Argument(help="Columns: a code group.")],
    rank: Annotated[bool, typer.Option(
        "--rank", help="For each row, the columns ranked by transcripts, then excerpts "
        "(e.g. scaling_lab: iterators > amplifiers).")] = False,
    coder: CoderOption = None, consensus: ConsensusOption = False,
    transcript: TranscriptOption = None, project: ProjectOption = None,
    json: JsonOption = False, as_csv: CsvOption = False,
) -> None:
    """Cross-tabulate a code group or attribute against a code group.

    A cell counts the excerpts (segments) carrying both the row code and the column code,
    and the transcripts they come from; with an attribute, a transcript's segments all
    carry its value.
    """
    fmt = _format(json, as_csv)
    opened = project_from(project)
    selection = selection_from(opened, coder, consensus, transcript=transcript)
    table = crosstab(opened, selection, rows, columns)
    if fmt == "json":
        print_json({"counted": selection.rule, **crosstab_json(table, rank)})
        return
    if fmt == "csv":
        ranks = {(row, c.column): i for row, cells in table.ranking()
                 for i, c in enumerate(cells, 1)}
        data = [{**asdict(c), **({"rank": ranks.get((c.row, c.column), "")} if rank else {})}
                for c in table.cells.values()]
        _print_csv(data, ["row", "column", "transcripts", "excerpts", *(["rank"] * rank)])
        return
    if rank:
        for row, cells in table.ranking():
            text = ranking_text(table, cells) if cells else "-"
            console.print(f"[bold]{escape(table.rows.label(row))}[/]: {escape(text)}",
                          highlight=False)
        console.print(f"[dim]{escape(_caption(selection))}[/]")
        return
    grid = Table(caption=f"cells: transcripts (excerpts); {ROW_TOTAL}: transcripts with the "
                 f"row value (their coded excerpts); {_caption(selection)}")
    grid.add_column(escape(f"{table.rows.name} \\ {table.columns.name}"))
    for column in table.columns.values:
        grid.add_column(escape(table.columns.label(column)), justify="right")
    grid.add_column(ROW_TOTAL, justify="right")
    for row in table.rows.values:
        total = table.row_totals[row]
        grid.add_row(escape(table.rows.label(row)), *(
            f"{c.transcripts} ({c.excerpts})" if c.excerpts else "."
            for c in (table.cells[row, col] for col in table.columns.values)
        ), f"{total.transcripts} ({total.excerpts})")
    console.print(grid)



@report_app.command("cooccurrence", epilog=RULE)
def cooccurrence_command(
    group: GroupOption = None,
    overlap: Annotated[bool, typer.Option(
        "--overlap", help="Count only codes whose spans overlap (a whole-segment coding "
        "overlaps every span), not just the same segment.")] = False,
    coder: CoderOption = None, consensus: ConsensusOption = False,
    transcript: TranscriptOption = None, project: ProjectOption = None,
    json: JsonOption = False, as_csv: CsvOption = False,
) -> None:
    """Codes applied together to the same segment, with counts and Jaccard similarity.

    Jaccard = segments with both codes / segments with either.
    """
    fmt = _format(json, as_csv)
    opened = project_from(project)
    selection = selection_from(opened, coder, consensus, group=group, transcript=transcript)
    result = cooccurrence(opened, selection, overlap=overlap)
    pairs = [asdict(p) for p in result.pairs]
    if fmt == "json":
        print_json({"counted": selection.rule, "overlap": overlap,
                    "codes": [{"code": c, "excerpts": result.excerpts[c]} for c in result.codes],
                    "pairs": pairs})
    elif fmt == "csv":
        _print_csv([{**p, "jaccard": round(p["jaccard"], 4)} for p in pairs],
                   ["a", "b", "excerpts", "transcripts", "jaccard"])
    else:
        table = Table(caption=_caption(selection))
        for column in ("code", "code", "excerpts", "transcripts", "jaccard"):
            table.add_column(column, justify="left" if column == "code" else "right")
        for p in result.pairs:
            table.add_row(p.a, p.b, str(p.excerpts), str(p.transcripts), f"{p.jaccard:.2f}")
        console.print(table if result.pairs else "no codes occur together")



@report_app.command("excerpts", epilog=RULE)
def excerpts_command(
    code: Annotated[str, typer.Argument(help="The code: full id, unique suffix or label.")],
    also: Annotated[list[str] | None, typer.Option(
        "--and", help="Only segments that also carry this code (repeatable).")] = None,
    attr: Annotated[list[str] | None, typer.Option(
        "--attr", help="Only transcripts whose attribute NAME=VALUE (repeatable).")] = None,
    coder: CoderOption = None, consensus: ConsensusOption = False,
    transcript: TranscriptOption = None, project: ProjectOption = None,
    json: JsonOption = False, as_csv: CsvOption = False,
) -> None:
    """The quotes behind a claim: every excerpt coded CODE, with who coded it.

    One entry per distinct coded span.
    """
    fmt = _format(json, as_csv)
    opened = project_from(project)
    selection = selection_from(opened, coder, consensus, transcript=transcript)
    found = excerpts(opened, selection, code, also=tuple(also or ()),
                     attributes=parse_attributes(attr or []))
    data = [{**asdict(x), "coders": list(x.coders), "memos": list(x.memos)} for x in found]
    if fmt == "json":
        print_json({"counted": selection.rule, "excerpts": data})
    elif fmt == "csv":
        _print_csv([{**d, "coders": "; ".join(d["coders"]), "memos": "\n\n".join(d["memos"])}
                    for d in data], [f.name for f in fields(Excerpt)])
    else:
        for x in found:
            console.print(f"[bold]{escape(x.transcript)}[/] #{x.segment} "
                          f"{escape(x.speaker or '')} [dim]{escape(', '.join(x.coders))}[/]",
                          highlight=False)
            console.print(f"  {escape(x.text)}", highlight=False, soft_wrap=True)
            for memo in x.memos:
                console.print(f"  [italic]memo: {escape(memo)}[/]", highlight=False)
            console.print()
        console.print(f"[dim]{plural(len(found), 'excerpt')}; {escape(_caption(selection))}[/]")



@report_app.command("html", epilog=RULE)
def html_command(
    out: Annotated[Path, typer.Argument(help="The HTML file to write; - writes to stdout.")],
    crosstab_pairs: Annotated[list[str] | None, typer.Option(
        "--crosstab", help="ROWS:COLUMNS to cross-tabulate (repeatable), e.g. org_type:need. "
        "Default: every pair of code groups.")] = None,
    top: Annotated[int, typer.Option("--top", help="Excerpts shown per code.")] = 3,
    coder: CoderOption = None, consensus: ConsensusOption = False,
    project: ProjectOption = None,
) -> None:
    """Write a self-contained HTML report to e-mail: no server, no internet needed.

    Codebook with definitions, frequencies, cross-tabs and co-occurrence as heat maps, and
    the top excerpts per code.
    """
    pairs = None
    if crosstab_pairs:
        pairs = []
        for pair in crosstab_pairs:
            rows, sep, columns = pair.rpartition(":")
            if not sep or not rows or not columns:
                raise QualcodeError(f"--crosstab {pair!r}: expected ROWS:COLUMNS, e.g. "
                                    "org_type:need")
            pairs.append((rows, columns))
    opened = project_from(project)
    selection = selection_from(opened, coder, consensus)
    page = html_report(opened, selection, crosstabs=pairs, top=top,
                       generated=f"Generated {now()}.")
    with output_stream(out) as stream:
        stream.write(page)
    if str(out) != "-":
        console.print(f"report written to {escape(str(out))}")

