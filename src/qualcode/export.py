"""Coded excerpts as CSV or JSON Lines, streamed straight from the SQL cursor.

Which codings: `CodingFilter` (one coder, the consensus, or every coder; some codes, one
group, one transcript). Long form has one row per coding; `--wide` one row per segment with a
0/1 column per code. `start`/`end` are offsets into the transcript text (code points,
half-open), so `transcript_text[start:end] == excerpt`. Only stored, anonymized text is ever
written: exports read the database and nothing else.
"""

from __future__ import annotations

import csv
import io
import itertools
import json
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from qualcode.codebook import project_codebook
from qualcode.errors import QualcodeError
from qualcode.store import Project, resolve_transcript_id

LONG_FIELDS = ("transcript", "segment", "speaker", "role", "coder", "code", "group",
               "code_label", "excerpt", "start", "end", "memo", "provenance")
WIDE_FIELDS = ("transcript", "segment", "speaker", "role", "excerpt")
# A cell starting with one of these runs as a formula in a spreadsheet (CSV injection).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CONSENSUS = "consensus"  # the provenance of reconciled codings


@dataclass(frozen=True)
class CodingFilter:
    """Which codings an export or report reads.

    coder: only that coder's codings; consensus: only reconciled codings (provenance
    'consensus'); neither: every coder. codes: full code ids; group: a group id;
    transcript: a transcript id.
    """

    coder: str | None = None
    consensus: bool = False
    codes: tuple[str, ...] = ()
    group: str | None = None
    transcript: str | None = None

    def sql(self, coding: str = "c", segment: str = "s") -> tuple[str, list[Any]]:
        """A WHERE condition (never empty) over a codings and a segments alias."""
        terms, params = ["1"], []
        if self.coder is not None:
            terms.append(f"{coding}.coder = ?")
            params.append(self.coder)
        if self.consensus:
            terms.append(f"{coding}.provenance = ?")
            params.append(CONSENSUS)
        if self.codes:
            terms.append(f"{coding}.code_id IN ({', '.join('?' * len(self.codes))})")
            params.extend(self.codes)
        if self.group is not None:
            terms.append(f"{coding}.code_id IN (SELECT id FROM codes WHERE group_id = ?)")
            params.append(self.group)
        if self.transcript is not None:
            terms.append(f"{segment}.transcript_id = ?")
            params.append(self.transcript)
        return " AND ".join(terms), params

    @property
    def rule(self) -> str:
        """The coder rule in words, for report headers."""
        if self.consensus:
            return "consensus codings only"
        if self.coder is not None:
            return f"codings by {self.coder} only"
        return "all coders; a segment counts once per code"


ALL_CODINGS = CodingFilter()


def make_filter(project: Project, *, coder: str | None = None, consensus: bool = False,
                codes: list[str] | tuple[str, ...] = (), group: str | None = None,
                transcript: str | None = None) -> CodingFilter:
    """Check what a user typed and turn it into a `CodingFilter` of full ids."""
    if coder is not None and consensus:
        raise QualcodeError("give --coder or --consensus, not both")
    if coder is not None and coder not in coders(project):
        known = ", ".join(coders(project)) or "none yet"
        raise QualcodeError(f"no codings by coder {coder!r} (coders: {known})")
    codebook = project_codebook(project)
    return CodingFilter(
        coder=coder, consensus=consensus,
        codes=tuple(codebook.code(ref).id for ref in codes),
        group=codebook.group(group).id if group is not None else None,
        transcript=resolve_transcript_id(project, transcript) if transcript else None,
    )


def coders(project: Project) -> list[str]:
    """Everyone who has codings in the project, sorted."""
    return [r[0] for r in project.db.execute("SELECT DISTINCT coder FROM codings ORDER BY 1")]


def attribute_names(project: Project, transcript: str | None = None) -> list[str]:
    """Every transcript attribute name, sorted (one transcript's when `transcript` is set)."""
    sql = "SELECT DISTINCT j.key FROM transcripts t, json_each(t.attributes) j"
    params: list[Any] = []
    if transcript is not None:
        sql += " WHERE t.id = ?"
        params.append(transcript)
    return sorted(r[0] for r in project.db.execute(sql, params))


def neutralize(value: Any) -> Any:
    """A cell a spreadsheet will show as text: formula-like text gets a leading quote."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def _attribute_cells(project: Project, names: list[str], safe: bool) -> dict[str, tuple]:
    cells = {}
    for tid, attributes in project.db.execute("SELECT id, attributes FROM transcripts"):
        values = json.loads(attributes)
        row = tuple(_cell(values.get(name)) for name in names)
        cells[tid] = tuple(neutralize(v) for v in row) if safe else row
    return cells


def _cell(value: Any) -> Any:
    if isinstance(value, (dict, list)):
        return json.dumps(value, ensure_ascii=False)
    return value


def _code_cells(project: Project, safe: bool) -> dict[str, tuple[str, str]]:
    """Each code's group and label, added from a dict: cheaper than a join per row."""
    return {c.id: (c.group, neutralize(c.label) if safe else c.label)
            for c in project_codebook(project).codes}


# The long form from SQL: the columns before the code, the code id, the columns after it,
# then the transcript id (the key of the attribute cells). True marks free text, which CSV
# quotes and neutralizes; False marks numbers and fixed words.
_EXCERPT = ("CASE WHEN c.span_start IS NULL THEN s.text "
            "ELSE substr(s.text, c.span_start + 1, c.span_end - c.span_start) END")
_BEFORE = (("s.transcript_id", True), ("s.ordinal", False), ("s.speaker", True),
           ("s.role", False), ("c.coder", True))
_AFTER = ((_EXCERPT, True), ("s.char_start + ifnull(c.span_start, 0)", False),
          ("ifnull(s.char_start + c.span_end, s.char_end)", False), ("c.memo", True),
          ("c.provenance", False))
LONG_COLUMNS = ", ".join([*(e for e, _ in _BEFORE), "c.code_id", *(e for e, _ in _AFTER),
                          "s.transcript_id"])


def long_query(select: str, where: str) -> str:
    """Segments drive the join in their stored order and codings follow through their
    unique index, so rows stream out sorted without a sort step: by transcript, segment,
    code id, coder, span."""
    return (f"SELECT {select} FROM segments s CROSS JOIN codings c ON c.segment_id = s.id "
            f"WHERE {where} ORDER BY s.transcript_id, s.ordinal, c.code_id, c.coder, "
            "ifnull(c.span_start, -1), ifnull(c.span_end, -1)")


def long_rows(project: Project, selection: CodingFilter) -> tuple[list[str], Iterator[tuple]]:
    """Header and rows of the long form, values as stored; rows come lazily from the cursor."""
    names = attribute_names(project, selection.transcript)
    attributes = _attribute_cells(project, names, safe=False)
    codes = _code_cells(project, safe=False)
    where, params = selection.sql()
    cursor = project.db.conn.execute(long_query(LONG_COLUMNS, where), params)
    header = [*LONG_FIELDS, *(f"attr_{n}" for n in names)]
    return header, (row[:6] + codes[row[5]] + row[6:-1] + attributes[row[-1]]
                    for row in cursor)


def _csv_sql(cells: tuple[tuple[str, bool], ...]) -> str:
    """One SQL `printf()` writing cells as a piece of a CSV line: free text neutralized and
    quoted, its quotes doubled by `%w` (NULL as ""); numbers and fixed words as they are."""
    starts = ", ".join(str(ord(c)) for c in FORMULA_STARTS)
    spec = ",".join('"%w"' if text else "%s" for _, text in cells)
    values = [f"ifnull(CASE WHEN unicode({e}) IN ({starts}) THEN '''' || {e} ELSE {e} END, '')"
              if text else e for e, text in cells]
    return f"printf('{spec}', {', '.join(values)})"


def _csv_text(values: tuple) -> str:
    """Cells as the csv module writes them, without the line end (which must stay the
    default: the writer quotes cells holding its characters)."""
    buffer = io.StringIO()
    csv.writer(buffer).writerow(values)
    return buffer.getvalue().removesuffix("\r\n")


def csv_lines(project: Project, selection: CodingFilter) -> tuple[list[str], Iterator[str]]:
    """Header and lines of the long-form CSV. SQLite neutralizes, quotes and joins the cells
    (at C speed, with no row tuples); Python adds the code and attribute cells, which are few
    and prepared once."""
    names = attribute_names(project, selection.transcript)
    ends = {tid: ("," + _csv_text(cells) if names else "") + "\r\n"
            for tid, cells in _attribute_cells(project, names, safe=True).items()}
    codes = {code: f",{_csv_text(cells)},"
             for code, cells in _code_cells(project, safe=True).items()}
    before, after = _csv_sql((*_BEFORE, ("c.code_id", False))), _csv_sql(_AFTER)
    where, params = selection.sql()
    cursor = project.db.conn.execute(
        long_query(f"{before}, c.code_id, {after}, s.transcript_id", where), params)
    header = [*LONG_FIELDS, *(f"attr_{n}" for n in names)]
    return header, (head + codes[code] + tail + ends[tid] for head, code, tail, tid in cursor)


def wide_rows(project: Project, selection: CodingFilter) -> tuple[list[str], Iterator[tuple]]:
    """Header and rows of the wide form: every segment, one 0/1 column per code; text cells
    neutralized for spreadsheets."""
    codebook = project_codebook(project)
    code_ids = [c.id for c in codebook.codes
                if (not selection.codes or c.id in selection.codes)
                and (selection.group is None or c.group == selection.group)]
    names = attribute_names(project, selection.transcript)
    attributes = _attribute_cells(project, names, safe=True)
    where, params = selection.sql()
    segment_where = "s.transcript_id = ?" if selection.transcript else "1"
    sql = ("SELECT s.transcript_id, s.ordinal, s.speaker, s.role, s.text, "
           "(SELECT group_concat(DISTINCT c.code_id) FROM codings c "
           f"WHERE c.segment_id = s.id AND {where}) "
           f"FROM segments s WHERE {segment_where} ORDER BY s.transcript_id, s.ordinal")
    segment_params = [selection.transcript] if selection.transcript else []
    cursor = project.db.conn.execute(sql, params + segment_params)
    header = [*WIDE_FIELDS, *(f"attr_{n}" for n in names), *code_ids]

    def rows() -> Iterator[tuple]:
        for tid, ordinal, speaker, role, text, applied in cursor:
            present = set(applied.split(",")) if applied else set()
            yield (neutralize(tid), ordinal, neutralize(speaker), role, neutralize(text),
                   *attributes[tid], *(int(c in present) for c in code_ids))

    return header, rows()


def _counted(items: Iterator[Any], counter: itertools.count) -> Iterator[Any]:
    return (item for item, _ in zip(items, counter))  # noqa: B905  (counter never ends)


def write_csv(project: Project, out: TextIO, selection: CodingFilter = ALL_CODINGS, *,
              wide: bool = False) -> int:
    """Write the CSV to an open text stream (opened with newline=''); returns the data rows."""
    counter = itertools.count()
    if wide:
        header, rows = wide_rows(project, selection)
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(_counted(rows, counter))
    else:
        header, lines = csv_lines(project, selection)
        csv.writer(out).writerow(header)
        out.writelines(_counted(lines, counter))
    return next(counter)


def write_jsonl(project: Project, out: TextIO, selection: CodingFilter = ALL_CODINGS) -> int:
    """Write one JSON object per coding, with the long-form CSV's keys; returns the lines."""
    header, rows = long_rows(project, selection)
    counter = itertools.count()
    out.writelines(json.dumps(dict(zip(header, row, strict=True)), ensure_ascii=False) + "\n"
                   for row in _counted(rows, counter))
    return next(counter)


@contextmanager
def output_stream(target: str | Path, *, bom: bool = False) -> Iterator[TextIO]:
    """A text stream for `target` ('-' is stdout). A file appears only when complete:
    it is written beside the target and renamed over it at the end."""
    if str(target) == "-":
        stream = sys.stdout
        if bom:
            stream.write("\ufeff")
        yield stream
        stream.flush()
        return
    path = Path(target)
    if not path.parent.is_dir():
        raise QualcodeError(f"{path.parent} is not a folder")
    partial = path.with_name(path.name + ".part")
    try:
        with partial.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as stream:
            yield stream
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)
