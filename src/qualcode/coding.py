"""Coding: applying and removing codes, reviews, memos, undo and redo.

Every action is one short transaction that also appends one event to the log. The event's
payload lists the rows it changed as `changes`: for each, the table, the row's natural key
and the row's values before and after (None where the row did not exist). Undo puts the
`before` values back, redo the `after` values, so both are exact and need no per-action
code. Rows are found by natural key, not by id, so an undone and redone coding is the same
coding even if its id had to change.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qualcode.anonymize import Anonymizer
from qualcode.codebook import Codebook, project_codebook
from qualcode.errors import QualcodeError
from qualcode.store import Project, Segment, now

PROVENANCES = ("manual", "suggestion", "imported", "consensus")
# The actions undo and redo walk through; other events in the log are left alone.
UNDOABLE = frozenset({
    "coding.apply", "coding.remove", "coding.memo", "review.set", "segment.memo",
    "codings.import", "pack.merge",
})

# Natural key and value columns of each table an action changes.
_KEYS = {
    "codings": ("segment_id", "code_id", "coder", "span_start", "span_end"),
    "reviews": ("segment_id", "coder"),
    "memos": ("coder", "target", "target_id"),
}
_VALUES = {
    "codings": ("id", "memo", "provenance", "confidence", "codebook_version", "created_at"),
    "reviews": ("reviewed_at",),
    "memos": ("id", "text", "created_at", "updated_at"),
}

_CODING_SELECT = """
SELECT c.id, c.segment_id, s.transcript_id, s.ordinal, c.code_id, c.coder, c.span_start,
       c.span_end, c.memo, c.provenance, c.confidence, c.created_at
FROM codings c JOIN segments s ON s.id = c.segment_id
"""


@dataclass
class Coding:
    id: int
    segment_id: int
    transcript_id: str
    ordinal: int
    code_id: str
    coder: str
    span_start: int | None
    span_end: int | None
    memo: str | None
    provenance: str
    confidence: float | None
    created_at: str

    @property
    def span(self) -> tuple[int, int] | None:
        return None if self.span_start is None else (self.span_start, self.span_end)


@dataclass
class UndoResult:
    """What an undo or redo did: the coder app jumps to `transcript_id`/`ordinal`."""

    event_id: int  # the 'undo' or 'redo' event just logged
    target_event: int  # the event of the action undone or redone
    action: str  # that action, e.g. 'coding.apply'
    segment_ids: list[int]  # the segments it touched, in order
    transcript_id: str | None
    ordinal: int | None  # the first segment it touched

    def describe(self, verb: str) -> str:
        where = f" on {self.transcript_id} segment {self.ordinal}" if self.ordinal else ""
        return f"{verb} {self.action} (event {self.target_event}){where}"


# -- rows by natural key -----------------------------------------------------------------------

def _where(table: str) -> str:
    return " AND ".join(f"{column} IS ?" for column in _KEYS[table])


def _row(project: Project, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
    """The value columns of the row with this natural key, or None."""
    found = project.db.execute(
        f"SELECT {', '.join(_VALUES[table])} FROM {table} WHERE {_where(table)}",
        [key[c] for c in _KEYS[table]],
    ).fetchone()
    return dict(zip(_VALUES[table], found, strict=True)) if found else None


def _put(project: Project, table: str, key: dict[str, Any], values: dict[str, Any] | None) -> None:
    """Make the row with this natural key hold `values`, or not exist (None)."""
    params = [key[c] for c in _KEYS[table]]
    if values is None:
        project.db.execute(f"DELETE FROM {table} WHERE {_where(table)}", params)
        return
    if _row(project, table, key) is not None:
        columns = [c for c in _VALUES[table] if c != "id"]
        project.db.execute(
            f"UPDATE {table} SET {', '.join(f'{c} = ?' for c in columns)} WHERE {_where(table)}",
            [values[c] for c in columns] + params,
        )
        return
    row = {**key, **values}
    if row.get("id") is not None and project.db.execute(
        f"SELECT 1 FROM {table} WHERE id = ?", [row["id"]]
    ).fetchone():
        row["id"] = None  # taken meanwhile: the row comes back under a new id
    columns = [c for c in row if not (c == "id" and row[c] is None)]
    project.db.execute(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' * len(columns))})",
        [row[c] for c in columns],
    )


def _change(project: Project, table: str, key: dict[str, Any],
            values: dict[str, Any] | None) -> dict[str, Any] | None:
    """Apply one row change and return its record for the log (None when nothing changed)."""
    before = _row(project, table, key)
    if _same(before, values):
        return None
    _put(project, table, key, values)
    return {"table": table, "key": key, "before": before, "after": _row(project, table, key)}


def _same(a: dict[str, Any] | None, b: dict[str, Any] | None) -> bool:
    """Equal apart from the row id (a restored row may have a new one)."""
    if a is None or b is None:
        return a is b
    return {k: v for k, v in a.items() if k != "id"} == {k: v for k, v in b.items() if k != "id"}


def _record(project: Project, action: str, coder: str, changes: list[dict[str, Any] | None],
            **details: Any) -> int | None:
    """Log an action's changes as one event; nothing is logged when nothing changed."""
    real = [c for c in changes if c is not None]
    if not real:
        return None
    return project.log(action, {**details, "changes": real}, coder=coder)


# -- checks ------------------------------------------------------------------------------------

def _coder(coder: str) -> str:
    name = (coder or "").strip()
    if not name:
        raise QualcodeError("a coder name is needed (--coder NAME)")
    return name


def _segment(project: Project, segment_id: int) -> Segment:
    rows = list(project.db["segments"].rows_where("id = ?", [segment_id]))
    if not rows:
        raise QualcodeError(f"no segment with id {segment_id} in this project")
    return Segment.from_row(rows[0])


def _span(span: tuple[int, int] | None, segment: Segment) -> tuple[int | None, int | None]:
    """Check a span against the segment text; (None, None) for the whole segment."""
    if span is None:
        return None, None
    start, end = span
    if not 0 <= start < end <= len(segment.text):
        raise QualcodeError(
            f"span {start}:{end} is not inside segment {segment.ordinal} of "
            f"{segment.transcript_id} (0 <= start < end <= {len(segment.text)})"
        )
    if (start, end) == (0, len(segment.text)):
        return None, None  # the whole segment, stored as such
    return start, end


def _coding_key(segment_id: int, code_id: str, coder: str,
                span: tuple[int | None, int | None]) -> dict[str, Any]:
    return {"segment_id": segment_id, "code_id": code_id, "coder": coder,
            "span_start": span[0], "span_end": span[1]}


def _exclusive_rivals(project: Project, codebook: Codebook, segment_id: int, code_id: str,
                      coder: str) -> list[dict[str, Any]]:
    """Keys of the coder's codings on the segment that an exclusive code would replace."""
    group = codebook.group(codebook.code(code_id).group)
    if not group.exclusive:
        return []
    others = [c.id for c in group.codes if c.id != code_id]
    rows = project.db.execute(
        "SELECT segment_id, code_id, coder, span_start, span_end FROM codings "
        "WHERE segment_id = ? AND coder = ? AND code_id IN (SELECT value FROM json_each(?))",
        [segment_id, coder, json.dumps(others)],
    )
    return [dict(zip(_KEYS["codings"], row, strict=True)) for row in rows]


# -- reading -----------------------------------------------------------------------------------

def get_coding(project: Project, coding_id: int) -> Coding:
    found = project.db.execute(_CODING_SELECT + "WHERE c.id = ?", [coding_id]).fetchone()
    if found is None:
        raise QualcodeError(f"no coding with id {coding_id}")
    return Coding(*found)


def _find_coding(project: Project, key: dict[str, Any]) -> Coding | None:
    row = _row(project, "codings", key)
    return get_coding(project, row["id"]) if row else None


def segment_codings(project: Project, transcript_id: str,
                    coder: str | None) -> dict[int, list[Coding]]:
    """A transcript's codings by segment ordinal (only segments with codings), in codebook
    order; `coder` None means every coder's."""
    sql = _CODING_SELECT + "JOIN codes k ON k.id = c.code_id WHERE s.transcript_id = ?"
    params: list[Any] = [transcript_id]
    if coder is not None:
        sql += " AND c.coder = ?"
        params.append(coder)
    sql += " ORDER BY s.ordinal, k.position, c.coder, ifnull(c.span_start, -1), c.span_end"
    result: dict[int, list[Coding]] = {}
    for row in project.db.execute(sql, params):
        coding = Coding(*row)
        result.setdefault(coding.ordinal, []).append(coding)
    return result


def list_codings(project: Project, coder: str | None = None, transcript_id: str | None = None,
                 code: str | None = None) -> list[Coding]:
    """Codings, filtered; `code` is a code (its child codes included) or a group id."""
    sql = _CODING_SELECT + "JOIN codes k ON k.id = c.code_id WHERE 1"
    params: list[Any] = []
    if coder is not None:
        sql += " AND c.coder = ?"
        params.append(coder)
    if transcript_id is not None:
        sql += " AND s.transcript_id = ?"
        params.append(transcript_id)
    if code is not None:
        codebook = project_codebook(project)
        if code.strip().lower() in {g.id for g in codebook.groups}:
            sql += " AND k.group_id = ?"
            params.append(code.strip().lower())
        else:
            code_id = codebook.code(code).id
            sql += " AND (c.code_id = ? OR k.parent_id = ?)"
            params += [code_id, code_id]
    sql += " ORDER BY s.transcript_id, s.ordinal, k.position, c.coder, ifnull(c.span_start, -1)"
    return [Coding(*row) for row in project.db.execute(sql, params)]


def done_ordinals(project: Project, transcript_id: str, coder: str) -> set[int]:
    """Ordinals of the segments `coder` has marked reviewed in a transcript."""
    return {row[0] for row in project.db.execute(
        "SELECT s.ordinal FROM reviews r JOIN segments s ON s.id = r.segment_id "
        "WHERE s.transcript_id = ? AND r.coder = ?", [transcript_id, coder])}


def first_unfinished(project: Project, transcript_id: str, coder: str) -> int | None:
    """The first segment ordinal `coder` has not reviewed yet; None when all are."""
    found = project.db.execute(
        "SELECT min(s.ordinal) FROM segments s WHERE s.transcript_id = ? AND NOT EXISTS "
        "(SELECT 1 FROM reviews r WHERE r.segment_id = s.id AND r.coder = ?)",
        [transcript_id, coder],
    ).fetchone()
    return found[0]


def segment_memos(project: Project, transcript_id: str, coder: str) -> dict[int, str]:
    """`coder`'s memos on a transcript's segments, by ordinal."""
    return {row[0]: row[1] for row in project.db.execute(
        "SELECT s.ordinal, m.text FROM memos m JOIN segments s ON m.target_id = CAST(s.id AS TEXT) "
        "WHERE m.target = 'segment' AND m.coder = ? AND s.transcript_id = ?",
        [coder, transcript_id])}


# -- actions -----------------------------------------------------------------------------------

def apply_code(project: Project, segment_id: int, code: str, coder: str, *,
               span: tuple[int, int] | None = None, memo: str | None = None,
               provenance: str = "manual", confidence: float | None = None) -> Coding:
    """Apply a code to a segment (or to `span` inside its text) for `coder`.

    Idempotent: an existing coding with the same segment, code, coder and span comes back
    unchanged. In an exclusive group the coder's other code of that group on the segment is
    replaced, in the same action.
    """
    coder = _coder(coder)
    if provenance not in PROVENANCES:
        raise QualcodeError(f"provenance must be one of {', '.join(PROVENANCES)}")
    codebook = project_codebook(project)
    code_id = codebook.code(code).id
    segment = _segment(project, segment_id)
    key = _coding_key(segment_id, code_id, coder, _span(span, segment))
    with project.transaction():
        existing = _find_coding(project, key)
        if existing is not None:
            return existing
        changes = [_change(project, "codings", rival, None)
                   for rival in _exclusive_rivals(project, codebook, segment_id, code_id, coder)]
        changes.append(_change(project, "codings", key, {
            "id": None, "memo": _memo_text(memo), "provenance": provenance,
            "confidence": confidence, "codebook_version": project.codebook_version,
            "created_at": now(),
        }))
        _record(project, "coding.apply", coder, changes, segment_id=segment_id, code=code_id)
        return _find_coding(project, key)


def remove_code(project: Project, segment_id: int, code: str, coder: str, *,
                span: tuple[int, int] | None = None, every_span: bool = False) -> bool:
    """Remove `coder`'s coding of `code` on a segment (the whole-segment one, the one on
    `span`, or with `every_span` all of them); False when there was none."""
    coder = _coder(coder)
    code_id = project_codebook(project).code(code).id
    segment = _segment(project, segment_id)
    with project.transaction():
        if every_span:
            keys = [dict(zip(_KEYS["codings"], row, strict=True)) for row in project.db.execute(
                "SELECT segment_id, code_id, coder, span_start, span_end FROM codings "
                "WHERE segment_id = ? AND code_id = ? AND coder = ?", [segment_id, code_id, coder])]
        else:
            keys = [_coding_key(segment_id, code_id, coder, _span(span, segment))]
        changes = [_change(project, "codings", key, None) for key in keys]
        return _record(project, "coding.remove", coder, changes, segment_id=segment_id,
                       code=code_id) is not None


def set_done(project: Project, segment_id: int, coder: str, done: bool = True) -> None:
    """Mark a segment reviewed by `coder` (or not): "coded nothing" is then told apart from
    "not looked at yet"."""
    coder = _coder(coder)
    _segment(project, segment_id)
    with project.transaction():
        _record(project, "review.set", coder, [_review_change(project, segment_id, coder, done)],
                segment_id=segment_id, done=done)


def set_transcript_done(project: Project, transcript_id: str, coder: str,
                        done: bool = True) -> int:
    """Mark every segment of a transcript reviewed (or not) as one action; returns how many
    segments changed."""
    coder = _coder(coder)
    with project.transaction():
        changes = [_review_change(project, s.id, coder, done)
                   for s in project.segments(transcript_id)]
        _record(project, "review.set", coder, changes, transcript_id=transcript_id, done=done)
    return sum(c is not None for c in changes)


def _review_change(project: Project, segment_id: int, coder: str,
                   done: bool) -> dict[str, Any] | None:
    key = {"segment_id": segment_id, "coder": coder}
    if done:
        existing = _row(project, "reviews", key)
        return _change(project, "reviews", key, existing or {"reviewed_at": now()})
    return _change(project, "reviews", key, None)


def set_coding_memo(project: Project, coding_id: int, coder: str, text: str | None) -> None:
    """Set or clear (None or blank) the memo on one of `coder`'s codings."""
    coder = _coder(coder)
    with project.transaction():
        coding = get_coding(project, coding_id)
        if coding.coder != coder:
            raise QualcodeError(f"coding {coding_id} belongs to {coding.coder}, not {coder}")
        key = _coding_key(coding.segment_id, coding.code_id, coder,
                          (coding.span_start, coding.span_end))
        row = _row(project, "codings", key)
        _record(project, "coding.memo", coder,
                [_change(project, "codings", key, {**row, "memo": _memo_text(text)})],
                segment_id=coding.segment_id, coding_id=coding_id)


def set_segment_memo(project: Project, segment_id: int, coder: str, text: str | None) -> None:
    """Set or clear (None or blank) `coder`'s memo on a segment."""
    coder = _coder(coder)
    _segment(project, segment_id)
    key = {"coder": coder, "target": "segment", "target_id": str(segment_id)}
    text = _memo_text(text)
    with project.transaction():
        row = _row(project, "memos", key)
        values = None if text is None else {
            "id": row["id"] if row else None, "text": text,
            "created_at": row["created_at"] if row else now(),
            "updated_at": now() if row is None or row["text"] != text else row["updated_at"],
        }
        _record(project, "segment.memo", coder, [_change(project, "memos", key, values)],
                segment_id=segment_id)


def _memo_text(text: str | None) -> str | None:
    return text if text and text.strip() else None


# -- undo and redo -----------------------------------------------------------------------------

def _stacks(project: Project, coder: str) -> tuple[list[int], list[tuple[int, int]]]:
    """Replay `coder`'s log: the actions still in effect, and the undone ones that redo can
    bring back (as (undo event id, action event id)), both oldest first."""
    done: list[int] = []
    undone: list[tuple[int, int]] = []
    for event_id, action, undoes in project.db.execute(
        "SELECT id, action, undoes FROM events WHERE coder = ? ORDER BY id", [coder]
    ):
        if action == "undo" and undoes in done:
            done.remove(undoes)
            undone.append((event_id, undoes))
        elif action == "redo":
            target = next((t for u, t in undone if u == undoes), None)
            if target is not None:
                undone = [(u, t) for u, t in undone if u != undoes]
                done.append(target)
        elif action in UNDOABLE:
            done.append(event_id)
            undone.clear()
    return done, undone


def undo(project: Project, coder: str) -> UndoResult | None:
    """Undo `coder`'s last action that is still in effect; None when there is none."""
    coder = _coder(coder)
    with project.transaction():
        done, _ = _stacks(project, coder)
        if not done:
            return None
        target = done[-1]
        action, changes = _event(project, target)
        _replay(project, target, reversed(changes), "after", "before", "undo")
        event_id = project.log("undo", {"action": action}, coder=coder, undoes=target)
        return _result(project, event_id, target, action, changes)


def redo(project: Project, coder: str) -> UndoResult | None:
    """Redo `coder`'s last undone action, if nothing new was done since; None otherwise."""
    coder = _coder(coder)
    with project.transaction():
        _, undone = _stacks(project, coder)
        if not undone:
            return None
        undo_event, target = undone[-1]
        action, changes = _event(project, target)
        _replay(project, target, changes, "before", "after", "redo")
        event_id = project.log("redo", {"action": action, "redoes": target}, coder=coder,
                               undoes=undo_event)
        return _result(project, event_id, target, action, changes)


def _event(project: Project, event_id: int) -> tuple[str, list[dict[str, Any]]]:
    action, payload = project.db.execute(
        "SELECT action, payload FROM events WHERE id = ?", [event_id]).fetchone()
    return action, json.loads(payload)["changes"]


def _replay(project: Project, event_id: int, changes: Any, expected: str, wanted: str,
            verb: str) -> None:
    """Put each change's `wanted` state back, after checking its rows still hold `expected`."""
    for change in changes:
        table, key = change["table"], change["key"]
        if not _same(_row(project, table, key), change[expected]):
            raise QualcodeError(
                f"cannot {verb} event {event_id}: its {table} row changed since "
                "(another action, a merge, or a codebook rename)"
            )
        _put(project, table, key, change[wanted])


def _result(project: Project, event_id: int, target: int, action: str,
            changes: list[dict[str, Any]]) -> UndoResult:
    segment_ids = list(dict.fromkeys(
        int(c["key"]["segment_id"] if c["table"] != "memos" else c["key"]["target_id"])
        for c in changes
        if c["table"] != "memos" or c["key"]["target"] == "segment"
    ))
    first = project.db.execute("SELECT transcript_id, ordinal FROM segments WHERE id = ?",
                               segment_ids[:1]).fetchone() if segment_ids else None
    return UndoResult(event_id, target, action, segment_ids, *(first or (None, None)))


# -- codings import (CSV) ----------------------------------------------------------------------

IMPORT_COLUMNS = ("transcript", "segment", "coder", "code", "start", "end", "memo")
IMPORT_REQUIRED = ("transcript", "segment", "coder", "code")


@dataclass
class LineProblem:
    line: int
    message: str


class FileProblems(QualcodeError):
    """A file with problems; str() is one `file:line: message` line per problem."""

    def __init__(self, path: Path | str, problems: list[LineProblem]):
        self.path = path
        self.problems = problems
        super().__init__("\n".join(f"{path}:{p.line}: {p.message}" for p in problems))


@dataclass
class CodingsImport:
    rows: int  # data rows read
    duplicates: int  # rows that repeat an earlier row of the file
    codings_added: int
    memos_updated: int
    codings_replaced: int  # other codes of an exclusive group, replaced as `apply` does
    reviews_added: int
    ignored_columns: list[str]


@dataclass
class _Row:
    line: int
    segment_id: int
    coder: str
    code_id: str | None
    span: tuple[int | None, int | None]
    memo: str | None


def import_codings(project: Project, path: Path | str) -> CodingsImport:
    """Import codings made elsewhere from a CSV file with the columns
    transcript, segment, coder, code, start, end, memo (the last three optional).

    `segment` is the 1-based ordinal; an empty `code` means the coder reviewed the segment
    and applied nothing; every row marks its segment reviewed by its coder. Every row is
    checked first: any problem raises FileProblems listing them all, and nothing is
    imported. Importing a file twice changes nothing the second time.
    """
    path = Path(path)
    header_line, header, records = _read_csv(path)
    problems: list[LineProblem] = []
    columns = {name: i for i, name in reversed(list(enumerate(header)))}
    missing = [c for c in IMPORT_REQUIRED if c not in columns]
    if missing:
        raise FileProblems(path, [LineProblem(header_line, f"missing column(s) {', '.join(missing)}"
                                              f"; expected {', '.join(IMPORT_COLUMNS)}")])
    for name in sorted({n for n in header if header.count(n) > 1}):
        problems.append(LineProblem(header_line, f"column {name!r} appears more than once"))
    ignored = [h for h in header if h not in IMPORT_COLUMNS]
    checker = _RowChecker(project)
    rows: list[_Row] = []
    for line, cells in records:
        if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
            problems.append(LineProblem(line, f"{len(cells)} cells but {len(header)} columns "
                                        "(a comma inside a memo needs quotes)"))
            continue
        values = {name: (cells[i].strip() if i < len(cells) else "")
                  for name, i in columns.items()}
        row = checker.check(line, values, problems)
        if row is not None:
            rows.append(row)
    rows, duplicates = _deduplicate(rows, checker.codebook, problems)
    if problems:
        raise FileProblems(path, sorted(problems, key=lambda p: p.line))
    result = CodingsImport(rows=len(records), duplicates=duplicates, codings_added=0,
                           memos_updated=0, codings_replaced=0, reviews_added=0,
                           ignored_columns=ignored)
    anonymizer = _memo_anonymizer(project, rows)
    with project.transaction():
        if anonymizer is not None:
            anonymizer.save_pseudonyms()
        by_coder: dict[str, list[dict[str, Any] | None]] = {}
        for row in rows:
            by_coder.setdefault(row.coder, []).extend(
                _import_row(project, checker.codebook, row, result))
        for coder, changes in sorted(by_coder.items()):
            _record(project, "codings.import", coder, changes, file=path.name)
    return result


def _memo_anonymizer(project: Project, rows: list[_Row]) -> Anonymizer | None:
    """Memos written outside qualcode may name people the transcripts' anonymization
    replaced: pass them through the project's anonymizer before they are stored."""
    if not any(row.memo for row in rows):
        return None
    anonymizer = Anonymizer.for_project(project)
    for row in rows:
        if row.memo:
            row.memo = anonymizer.anonymize_text(row.memo)
    return anonymizer


def _read_csv(path: Path) -> tuple[int, list[str], list[tuple[int, list[str]]]]:
    """The header (lower-cased, trimmed) and data rows with the line each starts on."""
    try:
        raw = path.read_bytes()
        text = raw.decode("utf-16" if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else "utf-8-sig")
    except FileNotFoundError:
        raise QualcodeError(f"{path}: no such file") from None
    except UnicodeDecodeError as e:
        raise QualcodeError(f"{path}: not UTF-8 (byte {e.start}); save it as 'CSV UTF-8'") from e
    except OSError as e:
        raise QualcodeError(f"{path}: cannot read it ({e.__class__.__name__})") from e
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max(",;\t", key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[str]]] = []
    try:
        while True:
            line = reader.line_num + 1
            try:
                cells = next(reader)
            except StopIteration:
                break
            if any(cell.strip() for cell in cells):
                rows.append((line, cells))
    except csv.Error as e:
        raise FileProblems(path, [LineProblem(reader.line_num, f"not valid CSV: {e}")]) from e
    if not rows:
        raise QualcodeError(f"{path}: the file is empty")
    (header_line, header), *data = rows
    return header_line, [h.strip().lower() for h in header], data


class _RowChecker:
    """Checks one CSV row against the project: transcript, segment, code, span."""

    def __init__(self, project: Project):
        self.project = project
        self.codebook = project_codebook(project)
        self.transcripts = {t.lower(): t for t in project.transcript_ids()}
        self.segments: dict[str, dict[int, tuple[int, int]]] = {}

    def _segments(self, transcript_id: str) -> dict[int, tuple[int, int]]:
        if transcript_id not in self.segments:
            self.segments[transcript_id] = {
                ordinal: (sid, length) for sid, ordinal, length in self.project.db.execute(
                    "SELECT id, ordinal, length(text) FROM segments WHERE transcript_id = ?",
                    [transcript_id])
            }
        return self.segments[transcript_id]

    def check(self, line: int, v: dict[str, str], problems: list[LineProblem]) -> _Row | None:
        found: list[str] = []
        transcript = self.transcripts.get(v["transcript"].lower())
        if transcript is None:
            found.append(f"no transcript {v['transcript']!r} in this project"
                         if v["transcript"] else "transcript is empty")
        ordinal = _whole_number(v["segment"])
        if ordinal is None:
            found.append(f"segment must be a segment number from 1, not {v['segment']!r}")
        segment = None
        if transcript is not None and ordinal is not None:
            segment = self._segments(transcript).get(ordinal)
            if segment is None:
                found.append(f"transcript {transcript} has no segment {ordinal} "
                             f"(it has 1 to {len(self._segments(transcript))})")
        if not v["coder"]:
            found.append("coder is empty")
        code_id = None
        if v["code"]:
            try:
                code_id = self.codebook.code(v["code"]).id
            except QualcodeError as e:
                found.append(str(e))
        span = _csv_span(v.get("start", ""), v.get("end", ""), segment, v["code"], found)
        problems.extend(LineProblem(line, message) for message in found)
        if found:
            return None
        return _Row(line, segment[0], v["coder"], code_id, span, _memo_text(v.get("memo")))


def _csv_span(start: str, end: str, segment: tuple[int, int] | None, code: str,
              found: list[str]) -> tuple[int | None, int | None]:
    """A row's start and end as a span inside the segment (id, text length) it names."""
    if not start and not end:
        return None, None
    if not code:
        found.append("start/end given without a code")
    a, b = _whole_number(start, zero=True), _whole_number(end, zero=True)
    if a is None or b is None:
        found.append(f"start and end must both be whole numbers, not {start!r} and {end!r}")
        return None, None
    if segment is not None and not 0 <= a < b <= segment[1]:
        found.append(f"span {a}:{b} is not inside the segment "
                     f"(0 <= start < end <= {segment[1]})")
    if segment is not None and (a, b) == (0, segment[1]):
        return None, None
    return a, b


def _whole_number(text: str, zero: bool = False) -> int | None:
    """'3' or a spreadsheet's '3.0' as 3; None for anything else (or < 1 unless `zero`)."""
    if not re.fullmatch(r"\d+(\.0*)?", text):
        return None
    number = int(text.split(".")[0])
    return number if number >= (0 if zero else 1) else None


def _deduplicate(rows: list[_Row], codebook: Codebook,
                 problems: list[LineProblem]) -> tuple[list[_Row], int]:
    """Drop exact repeats; report rows that clash (same coding, other memo; two codes of an
    exclusive group on one segment by one coder)."""
    seen: dict[tuple[Any, ...], _Row] = {}
    exclusive: dict[tuple[int, str, str], _Row] = {}
    kept: list[_Row] = []
    duplicates = 0
    for row in rows:
        key = (row.segment_id, row.coder, row.code_id, row.span)
        if key in seen:
            if seen[key].memo != row.memo and row.code_id is not None:
                problems.append(LineProblem(row.line, f"same coding as line {seen[key].line} "
                                            "with another memo"))
            duplicates += 1
            continue
        seen[key] = row
        if row.code_id is not None:
            group = codebook.group(codebook.code(row.code_id).group)
            rival = exclusive.setdefault((row.segment_id, row.coder, group.id), row)
            if group.exclusive and rival.code_id != row.code_id:
                problems.append(LineProblem(row.line, f"{row.code_id} and {rival.code_id} (line "
                                            f"{rival.line}) are both in exclusive group "
                                            f"{group.id}, on the same segment and coder"))
        kept.append(row)
    return kept, duplicates


def _import_row(project: Project, codebook: Codebook, row: _Row,
                result: CodingsImport) -> list[dict[str, Any] | None]:
    changes = []
    if row.code_id is not None:
        key = _coding_key(row.segment_id, row.code_id, row.coder, row.span)
        existing = _row(project, "codings", key)
        if existing is None:
            for rival in _exclusive_rivals(project, codebook, row.segment_id, row.code_id,
                                           row.coder):
                changes.append(_change(project, "codings", rival, None))
                result.codings_replaced += 1
            changes.append(_change(project, "codings", key, {
                "id": None, "memo": row.memo, "provenance": "imported", "confidence": None,
                "codebook_version": project.codebook_version, "created_at": now()}))
            result.codings_added += 1
        elif row.memo is not None and existing["memo"] != row.memo:
            changes.append(_change(project, "codings", key, {**existing, "memo": row.memo}))
            result.memos_updated += 1
    review = _review_change(project, row.segment_id, row.coder, True)
    result.reviews_added += review is not None
    return [*changes, review]


# -- progress and assignments ------------------------------------------------------------------

@dataclass
class Progress:
    coder: str
    transcript_id: str
    assigned: bool
    overlap: bool  # in the blind double-coding sample
    done: int  # segments reviewed
    total: int  # segments in the transcript
    codings: int


def progress(project: Project) -> list[Progress]:
    """Per coder and transcript: every assignment, and any other transcript a coder has
    worked on, with reviewed segments and codings; sorted by coder, then transcript."""
    rows = project.db.execute("""
        WITH worked AS (
            SELECT coder, transcript_id, 1 AS assigned, overlap FROM assignments
            UNION ALL
            SELECT DISTINCT r.coder, s.transcript_id, 0, 0
            FROM reviews r JOIN segments s ON s.id = r.segment_id
            UNION ALL
            SELECT DISTINCT c.coder, s.transcript_id, 0, 0
            FROM codings c JOIN segments s ON s.id = c.segment_id
        ), pairs AS (
            SELECT coder, transcript_id, max(assigned) AS assigned, max(overlap) AS overlap
            FROM worked GROUP BY coder, transcript_id
        )
        SELECT p.coder, p.transcript_id, p.assigned, p.overlap,
            (SELECT count(*) FROM reviews r JOIN segments s ON s.id = r.segment_id
             WHERE r.coder = p.coder AND s.transcript_id = p.transcript_id),
            (SELECT count(*) FROM segments s WHERE s.transcript_id = p.transcript_id),
            (SELECT count(*) FROM codings c JOIN segments s ON s.id = c.segment_id
             WHERE c.coder = p.coder AND s.transcript_id = p.transcript_id)
        FROM pairs p ORDER BY p.coder, p.transcript_id
    """)
    return [Progress(coder, tid, bool(assigned), bool(overlap), done, total, codings)
            for coder, tid, assigned, overlap, done, total, codings in rows]


@dataclass
class Assignment:
    coder: str
    transcript_id: str
    overlap: bool


@dataclass
class AssignmentPlan:
    seed: int
    assignments: list[Assignment]


def parse_overlap(text: str) -> float:
    """'25%' or '0.25' as 0.25."""
    value = text.strip()
    try:
        share = float(value[:-1]) / 100 if value.endswith("%") else float(value)
    except ValueError:
        raise QualcodeError(f"overlap must look like 25% or 0.25, not {text!r}") from None
    if not 0 <= share <= 1:
        raise QualcodeError(f"overlap must be between 0% and 100%, not {text!r}")
    return share


def plan_assignments(transcript_ids: list[str], coders: list[str], overlap: float,
                     seed: int) -> list[Assignment]:
    """Who codes what: a seeded random sample of round(overlap * n) transcripts (at least
    one when overlap > 0) that every coder codes, the rest dealt out evenly."""
    shuffled = sorted(transcript_ids)
    random.Random(seed).shuffle(shuffled)
    shared = int(overlap * len(shuffled) + 0.5)
    if overlap > 0 and shuffled:
        shared = max(shared, 1)
    plan = [Assignment(coder, tid, True) for tid in shuffled[:shared] for coder in coders]
    plan += [Assignment(coders[i % len(coders)], tid, False)
             for i, tid in enumerate(shuffled[shared:])]
    return sorted(plan, key=lambda a: (a.coder, not a.overlap, a.transcript_id))


def assign(project: Project, coders: list[str], overlap: float, seed: int | None = None,
           replace: bool = False) -> AssignmentPlan:
    """Store a plan_assignments() plan for every transcript of the project. Without a seed
    one is drawn (and returned) so that the plan can be made again."""
    names = [_coder(c) for c in coders]
    if not names:
        raise QualcodeError("name at least one coder (--coders ana,ben)")
    if len(set(names)) != len(names):
        raise QualcodeError("a coder is named twice in --coders")
    transcripts = project.transcript_ids()
    if not transcripts:
        raise QualcodeError("the project has no transcripts to assign")
    seed = random.SystemRandom().randrange(1_000_000) if seed is None else seed
    plan = plan_assignments(transcripts, names, overlap, seed)
    with project.transaction():
        existing = project.db.execute("SELECT count(*) FROM assignments").fetchone()[0]
        if existing and not replace:
            raise QualcodeError(f"the project has {existing} assignments already; give "
                                "--replace to replace them")
        project.db.execute("DELETE FROM assignments")
        stamp = now()
        project.db["assignments"].insert_all(
            {"coder": a.coder, "transcript_id": a.transcript_id, "overlap": int(a.overlap),
             "assigned_at": stamp} for a in plan)
        project.log("assign", {"coders": names, "overlap": overlap, "seed": seed,
                               "replaced": existing})
    return AssignmentPlan(seed, plan)


def assigned_transcripts(project: Project, coder: str) -> list[str]:
    """The transcripts assigned to `coder`, the shared (overlap) ones first."""
    return [row[0] for row in project.db.execute(
        "SELECT transcript_id FROM assignments WHERE coder = ? "
        "ORDER BY overlap DESC, transcript_id", [coder])]


# -- coder packs -------------------------------------------------------------------------------
# A coder pack is UTF-8 JSON Lines, keys sorted, one record per line, in a stable order:
#   {"type": "header", "format": "qualcode-coder-pack", "format_version": 1, "coder",
#    "project_id", "codebook_id", "codebook_version", "codebook_hash"}
#   {"type": "transcript", "id", "segments", "text_sha256", "segments_sha256"}  one per
#       transcript the records name or the coder is assigned, by id
#   {"type": "coding", "transcript", "segment" (ordinal), "code", "span_start", "span_end",
#    "memo", "provenance", "confidence", "created_at"}
#   {"type": "review", "transcript", "segment", "reviewed_at"}
#   {"type": "memo", "target", "transcript", "segment", "code", "text", "created_at",
#    "updated_at"}
# Records are sorted by transcript, segment, type, then content.

PACK_FORMAT = "qualcode-coder-pack"
PACK_VERSION = 1
_CODING_FIELDS = ("memo", "provenance", "confidence", "created_at")


@dataclass
class PackSummary:
    coder: str
    transcripts: int
    codings: int
    reviews: int
    memos: int


@dataclass
class MergeResult:
    coder: str
    codings_added: int = 0
    codings_updated: int = 0
    reviews_added: int = 0
    memos_added: int = 0
    memos_updated: int = 0
    not_in_pack: int = 0  # the coder's codings on the pack's transcripts that it lacks (kept)
    notes: list[str] = field(default_factory=list)


def _codebook_state(project: Project) -> dict[str, Any]:
    codebook_id, version, content_hash = project.db.execute(
        "SELECT codebook_id, version, content_hash FROM codebook_versions "
        "ORDER BY version DESC LIMIT 1").fetchone()
    return {"codebook_id": codebook_id, "codebook_version": version,
            "codebook_hash": content_hash}


def _transcript_record(project: Project, transcript_id: str) -> dict[str, Any]:
    """What a pack says about a transcript, to detect one made against other text."""
    text = project.db.execute("SELECT text FROM transcripts WHERE id = ?",
                              [transcript_id]).fetchone()[0]
    bounds = [[s.ordinal, s.char_start, s.char_end] for s in project.segments(transcript_id)]
    return {"type": "transcript", "id": transcript_id, "segments": len(bounds),
            "text_sha256": hashlib.sha256(text.encode()).hexdigest(),
            "segments_sha256": hashlib.sha256(json.dumps(bounds).encode()).hexdigest()}


def coder_pack_records(project: Project, coder: str) -> list[dict[str, Any]]:
    """A coder's codings, reviews and memos as pack records, header first, in a stable order."""
    coder = _coder(coder)
    records: list[dict[str, Any]] = []
    for row in project.db.execute(
        "SELECT s.transcript_id, s.ordinal, c.code_id, c.span_start, c.span_end, c.memo, "
        "c.provenance, c.confidence, c.created_at FROM codings c "
        "JOIN segments s ON s.id = c.segment_id WHERE c.coder = ?", [coder]
    ):
        records.append(dict(zip(("transcript", "segment", "code", "span_start", "span_end",
                                 *_CODING_FIELDS), row, strict=True), type="coding"))
    for tid, ordinal, reviewed_at in project.db.execute(
        "SELECT s.transcript_id, s.ordinal, r.reviewed_at FROM reviews r "
        "JOIN segments s ON s.id = r.segment_id WHERE r.coder = ?", [coder]
    ):
        records.append({"type": "review", "transcript": tid, "segment": ordinal,
                        "reviewed_at": reviewed_at})
    for target, target_id, text, created_at, updated_at, tid, ordinal in project.db.execute(
        "SELECT m.target, m.target_id, m.text, m.created_at, m.updated_at, s.transcript_id, "
        "s.ordinal FROM memos m LEFT JOIN segments s "
        "ON m.target = 'segment' AND CAST(s.id AS TEXT) = m.target_id "
        "WHERE m.coder = ? AND NOT (m.target = 'segment' AND s.id IS NULL)", [coder]
    ):
        records.append({
            "type": "memo", "target": target, "text": text, "created_at": created_at,
            "updated_at": updated_at, "segment": ordinal,
            "transcript": tid if target == "segment" else
            (target_id if target == "transcript" else None),
            "code": target_id if target == "code" else None,
        })
    records.sort(key=lambda r: (r["transcript"] or "", r["segment"] or 0, r["type"],
                                json.dumps(r, sort_keys=True)))
    transcripts = sorted({r["transcript"] for r in records if r["transcript"]}
                         | set(assigned_transcripts(project, coder)))
    header = {"type": "header", "format": PACK_FORMAT, "format_version": PACK_VERSION,
              "project_id": project.project_id, "coder": coder, **_codebook_state(project)}
    return [header, *(_transcript_record(project, t) for t in transcripts), *records]


def write_coder_pack(project: Project, coder: str, out: Path | str) -> PackSummary:
    """Write a coder pack: JSON Lines with sorted keys, one record per line, deterministic,
    so that packs diff well under git."""
    records = coder_pack_records(project, coder)
    Path(out).write_text(
        "".join(json.dumps(r, sort_keys=True, ensure_ascii=False) + "\n" for r in records),
        encoding="utf-8")
    count = {kind: sum(r["type"] == kind for r in records)
             for kind in ("transcript", "coding", "review", "memo")}
    return PackSummary(records[0]["coder"], count["transcript"], count["coding"],
                       count["review"], count["memo"])


def merge_pack(project: Project, path: Path | str) -> MergeResult:
    """Bring a coder pack into this project, as one action of the pack's coder.

    Refused as a whole (FileProblems, every problem with its line) when the pack was made
    against another codebook, other transcript text or segmentation, or is malformed.
    Otherwise codings, reviews and memos it lacks are added and a coding's memo follows the
    pack; nothing is deleted, and merging the same pack again changes nothing.
    """
    path = Path(path)
    header, records = _read_pack(path)
    with project.transaction():
        plan = _PackPlan(project, path, header)
        for line, record in records:
            plan.check(line, record)
        if plan.problems:
            raise FileProblems(path, plan.problems)
        return plan.merge()


def _read_pack(path: Path) -> tuple[dict[str, Any], list[tuple[int, dict[str, Any]]]]:
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except FileNotFoundError:
        raise QualcodeError(f"{path}: no such file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise QualcodeError(f"{path}: cannot read it ({e.__class__.__name__})") from e
    records, problems = [], []
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            record = json.loads(text)
        except json.JSONDecodeError as e:
            problems.append(LineProblem(number, f"not valid JSON ({e.msg})"))
            continue
        if not isinstance(record, dict) or "type" not in record:
            problems.append(LineProblem(number, "not a pack record (no type)"))
            continue
        records.append((number, record))
    if problems:
        raise FileProblems(path, problems)
    if not records or records[0][1]["type"] != "header" or \
            records[0][1].get("format") != PACK_FORMAT:
        raise QualcodeError(f"{path}: not a qualcode coder pack (no {PACK_FORMAT} header)")
    header = records[0][1]
    if header.get("format_version") != PACK_VERSION:
        raise QualcodeError(f"{path}: coder pack format version {header.get('format_version')}"
                            f" is not one this qualcode reads ({PACK_VERSION})")
    return header, records[1:]


class _PackPlan:
    """Checks a pack's records against the project, then merges them."""

    def __init__(self, project: Project, path: Path, header: dict[str, Any]):
        self.project = project
        self.path = path
        self.coder = str(header.get("coder") or "").strip()
        self.header = header
        self.codebook = project_codebook(project)
        self.problems: list[LineProblem] = []
        self.known = set(project.transcript_ids())
        self.transcripts: set[str] = set()  # checked against this project's
        self.refused: set[str] = set()
        self.items: list[tuple[str, dict[str, Any], dict[str, Any]]] = []  # table, key, values
        self.notes: list[str] = []
        if not self.coder:
            self.problems.append(LineProblem(1, "the header names no coder"))
        ours = _codebook_state(project)
        if header.get("codebook_hash") != ours["codebook_hash"]:
            self.problems.append(LineProblem(1, (
                f"made against codebook {header.get('codebook_id')} version "
                f"{header.get('codebook_version')} (hash {str(header.get('codebook_hash'))[:12]}),"
                f" but this project's codebook {ours['codebook_id']} version "
                f"{ours['codebook_version']} has hash {ours['codebook_hash'][:12]}; make the "
                "codebooks the same, then export the pack again")))
        if header.get("project_id") != project.project_id:
            self.notes.append(f"the pack comes from another project ({header.get('project_id')})"
                              "; its transcripts match this one's")

    def check(self, line: int, record: dict[str, Any]) -> None:
        checks = {"transcript": self._check_transcript, "coding": self._check_coding,
                  "review": self._check_review, "memo": self._check_memo}
        if record["type"] not in checks:
            self.problems.append(LineProblem(line, f"unknown record type {record['type']!r}"))
            return
        try:
            checks[record["type"]](line, record)
        except (KeyError, TypeError, ValueError) as e:
            self.problems.append(LineProblem(line, f"malformed {record['type']} record ({e})"))

    def _check_transcript(self, line: int, record: dict[str, Any]) -> None:
        tid = record["id"]
        ours = _transcript_record(self.project, tid) if tid in self.known else None
        if ours is None:
            problem = f"transcript {tid} is not in this project"
        elif record["text_sha256"] != ours["text_sha256"]:
            problem = f"made against other text of transcript {tid} (the text hash differs)"
        elif record["segments_sha256"] != ours["segments_sha256"]:
            problem = f"made against another segmentation of transcript {tid}"
        else:
            self.transcripts.add(tid)
            return
        self.refused.add(tid)
        self.problems.append(LineProblem(line, problem))

    def _segment(self, line: int, record: dict[str, Any]) -> Segment | None:
        tid = record["transcript"]
        if tid in self.refused:
            return None  # reported at its transcript line
        if tid not in self.transcripts:
            self.problems.append(LineProblem(line, f"transcript {tid} has no transcript line "
                                             "before it in the pack"))
            return None
        try:
            return self.project.segment(tid, int(record["segment"]))
        except QualcodeError as e:
            self.problems.append(LineProblem(line, str(e)))
            return None

    def _check_coding(self, line: int, record: dict[str, Any]) -> None:
        segment = self._segment(line, record)
        try:
            code_id = self.codebook.code(record["code"]).id
        except QualcodeError as e:
            self.problems.append(LineProblem(line, str(e)))
            return
        if record["provenance"] not in PROVENANCES:
            self.problems.append(LineProblem(line, f"unknown provenance {record['provenance']!r}"))
            return
        if segment is None:
            return
        span = None if record["span_start"] is None else (record["span_start"],
                                                           record["span_end"])
        try:
            stored = _span(span, segment)
        except QualcodeError as e:
            self.problems.append(LineProblem(line, str(e)))
            return
        self.items.append(("codings", _coding_key(segment.id, code_id, self.coder, stored),
                           {f: record[f] for f in _CODING_FIELDS}))

    def _check_review(self, line: int, record: dict[str, Any]) -> None:
        segment = self._segment(line, record)
        if segment is not None:
            self.items.append(("reviews", {"segment_id": segment.id, "coder": self.coder},
                               {"reviewed_at": record["reviewed_at"]}))

    def _check_memo(self, line: int, record: dict[str, Any]) -> None:
        target = record["target"]
        if target == "segment":
            segment = self._segment(line, record)
            if segment is None:
                return
            target_id = str(segment.id)
        elif target == "transcript":
            target_id = record["transcript"]
            if target_id not in self.known:
                self.problems.append(LineProblem(line, f"transcript {target_id} is not in this "
                                                 "project"))
                return
        elif target == "code":
            target_id = record["code"]
        elif target == "project":
            target_id = None
        else:
            raise ValueError(f"unknown memo target {target!r}")
        self.items.append(("memos", {"coder": self.coder, "target": target,
                                     "target_id": target_id},
                           {"text": record["text"], "created_at": record["created_at"],
                            "updated_at": record["updated_at"]}))

    def merge(self) -> MergeResult:
        result = MergeResult(self.coder, notes=self.notes)
        merges = {"codings": self._merge_coding, "reviews": self._merge_review,
                  "memos": self._merge_memo}
        changes = [merges[table](key, values, result) for table, key, values in self.items]
        _record(self.project, "pack.merge", self.coder, changes, file=self.path.name,
                project_id=self.header.get("project_id"))
        in_pack = {tuple(key.values()) for table, key, _ in self.items if table == "codings"}
        result.not_in_pack = sum(
            tuple(row) not in in_pack for row in self.project.db.execute(
                "SELECT c.segment_id, c.code_id, c.coder, c.span_start, c.span_end "
                "FROM codings c JOIN segments s ON s.id = c.segment_id WHERE c.coder = ? "
                "AND s.transcript_id IN (SELECT value FROM json_each(?))",
                [self.coder, json.dumps(sorted(self.transcripts))]))
        return result

    def _merge_coding(self, key: dict[str, Any], values: dict[str, Any],
                       result: MergeResult) -> dict[str, Any] | None:
        existing = _row(self.project, "codings", key)
        if existing is None:
            result.codings_added += 1
            return _change(self.project, "codings", key, {
                **values, "id": None, "codebook_version": self.project.codebook_version})
        if any(existing[f] != values[f] for f in ("memo", "provenance", "confidence")):
            result.codings_updated += 1
            return _change(self.project, "codings", key, {
                **existing, **{f: values[f] for f in ("memo", "provenance", "confidence")}})
        return None

    def _merge_review(self, key: dict[str, Any], values: dict[str, Any],
                       result: MergeResult) -> dict[str, Any] | None:
        if _row(self.project, "reviews", key) is not None:
            return None
        result.reviews_added += 1
        return _change(self.project, "reviews", key, values)

    def _merge_memo(self, key: dict[str, Any], values: dict[str, Any],
                     result: MergeResult) -> dict[str, Any] | None:
        existing = _row(self.project, "memos", key)
        if existing is None:
            result.memos_added += 1
            return _change(self.project, "memos", key, {**values, "id": None})
        if existing["text"] == values["text"]:
            return None
        if existing["updated_at"] > values["updated_at"]:
            self.notes.append(f"kept the project's newer {key['target']} memo "
                              f"{key['target_id'] or ''}".rstrip())
            return None
        result.memos_updated += 1
        return _change(self.project, "memos", key, {**existing, **values})
