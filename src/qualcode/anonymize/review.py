"""Reviewing anonymization after import: what was replaced, what was kept for review, and
the researcher's decisions, applied to the stored text.

Every decision that changes text (a name added, a candidate replaced, a replacement
rejected) rewrites `transcripts.text` and shifts every later offset of that transcript
(segments, coded spans, replacements, candidates) in one transaction. Afterwards the
full-text index is merged and the write-ahead log checkpointed, with SQLite's secure delete
on, so that the removed text does not linger in free pages of the database file.

Nothing here stores or logs an original name: a name the researcher adds is used to find
its occurrences and to compute its keyed hashes, then forgotten (unless a key file is given).
"""

from __future__ import annotations

import json
import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from qualcode.anonymize.pseudonyms import PseudonymTable, read_key, write_key
from qualcode.anonymize.roster import Roster, RosterEntry, RosterMatcher, surfaces
from qualcode.anonymize.spans import NUMBERED_KINDS
from qualcode.anonymize.text import normalize
from qualcode.errors import QualcodeError
from qualcode.store import Project, resolve_transcript_id

_LABEL = re.compile(r"\[[A-Z]+(?:_\d+)?\]")
CONTEXT = 60  # characters of context shown either side of an item
ALLOW_META_KEY = "anonymize_allow"  # meta row: JSON list of words a reviewer said to keep


@dataclass
class ReviewItem:
    """A replaced span or a kept candidate, with the stored text around it."""

    item: str  # "replacement" or "candidate"
    id: int
    transcript_id: str
    start: int
    end: int
    kind: str
    status: str
    text: str  # the stored text of the span: a pseudonym, or the kept candidate
    before: str
    after: str
    detector: str | None = None  # replacements only
    confidence: float | None = None  # replacements only
    reason: str | None = None  # candidates only


def review_items(project: Project, transcript_ref: str, what: str = "all",
                 status: str | None = None) -> list[ReviewItem]:
    """The replacements and candidates of a transcript, in text order. `what`: "all",
    "replacements" or "candidates"; `status`: only items with that status."""
    transcript_id = resolve_transcript_id(project, transcript_ref)
    text = project.db.execute("SELECT text FROM transcripts WHERE id = ?",
                              [transcript_id]).fetchone()[0]
    items = []
    if what in ("all", "replacements"):
        for row in project.db.execute(
                "SELECT id, char_start, char_end, kind, status, detector, confidence "
                "FROM replacements WHERE transcript_id = ?", [transcript_id]):
            items.append(_item("replacement", row[0], transcript_id, text, row[1], row[2],
                               row[3], row[4], detector=row[5], confidence=row[6]))
    if what in ("all", "candidates"):
        for row in project.db.execute(
                "SELECT id, char_start, char_end, kind, status, reason "
                "FROM anonymization_candidates WHERE transcript_id = ?", [transcript_id]):
            items.append(_item("candidate", row[0], transcript_id, text, row[1], row[2],
                               row[3], row[4], reason=row[5]))
    if status is not None:
        items = [i for i in items if i.status == status]
    return sorted(items, key=lambda i: (i.start, i.item))


def _item(item: str, id: int, transcript_id: str, text: str, start: int, end: int, kind: str,
          status: str, **extra) -> ReviewItem:
    before = text[max(0, start - CONTEXT):start]
    after = text[end:end + CONTEXT]
    return ReviewItem(item, id, transcript_id, start, end, kind, status, text[start:end],
                      before[before.rfind("\n") + 1:], after.split("\n")[0], **extra)


@dataclass
class Report:
    """What anonymization did, counted: never the original strings."""

    transcripts: int
    not_anonymized: list[str]  # transcripts imported with --no-anonymize
    replaced: dict[tuple[str, str], int]  # (kind, detector) -> count
    by_status: dict[str, int]
    pseudonyms: dict[str, int]  # kind -> distinct pseudonyms used
    candidates: dict[tuple[str, str], int]  # (reason, status) -> count


def report(project: Project, transcript_ref: str | None = None) -> Report:
    """Counts of replacements by kind and detector, and of review candidates, for one
    transcript or the whole project."""
    db = project.db
    ids = [r[0] for r in db.execute("SELECT id FROM transcripts ORDER BY id")]
    if transcript_ref is not None:
        ids = [resolve_transcript_id(project, transcript_ref)]
    where = f"transcript_id IN ({_marks(ids)})"
    replaced = {(k, d): n for k, d, n in db.execute(
        f"SELECT kind, detector, count(*) FROM replacements WHERE {where} "
        "AND status != 'rejected' GROUP BY kind, detector ORDER BY kind, detector", ids)}
    by_status = dict(db.execute(
        f"SELECT status, count(*) FROM replacements WHERE {where} GROUP BY status", ids))
    pseudonyms = dict(db.execute(
        f"SELECT kind, count(DISTINCT label) FROM replacements WHERE {where} "
        "AND status != 'rejected' GROUP BY kind", ids))
    candidates = {(r, s): n for r, s, n in db.execute(
        f"SELECT reason, status, count(*) FROM anonymization_candidates WHERE {where} "
        "GROUP BY reason, status ORDER BY reason, status", ids)}
    clean = [r[0] for r in db.execute(
        f"SELECT id FROM transcripts WHERE id IN ({_marks(ids)}) AND anonymized = 0 "
        "ORDER BY id", ids)]
    return Report(len(ids), clean, replaced, by_status, pseudonyms, candidates)


def originals(key_path: Path) -> dict[str, list[str]]:
    """{pseudonym: originals} from a key file, for `--show-originals`."""
    return read_key(key_path)


# Decisions.

def confirm(project: Project, replacement_ids: Iterable[int]) -> int:
    """Mark replacements as confirmed by the reviewer; returns how many changed."""
    return _mark(project, "replacements", replacement_ids, "applied", "confirmed",
                 "anonymize.confirm", "replacements")


def keep(project: Project, candidate_ids: Iterable[int]) -> int:
    """Mark candidates as reviewed and kept (not names); returns how many changed."""
    return _mark(project, "anonymization_candidates", candidate_ids, "open", "kept",
                 "anonymize.keep", "candidates")


def _mark(project: Project, table: str, row_ids: Iterable[int], old: str, new: str,
          event: str, key: str) -> int:
    """Move rows of `table` from status `old` to `new` in one transaction, and log it."""
    ids = list(row_ids)
    with project.transaction() as db:
        _require(db, table, ids)
        changed = db.execute(
            f"UPDATE {table} SET status = ? WHERE id IN ({_marks(ids)}) AND status = ?",
            [new, *ids, old]).rowcount
        project.log(event, {key: ids})
    return changed


def add_name(project: Project, name: str, kind: str = "PERSON", key_path: Path | None = None
             ) -> dict[str, int]:
    """Pseudonymize `name` wherever it is still in the project's stored text (with its first
    name and surname alone, for a person), consistently with earlier imports, in one
    transaction. Returns {transcript id: replacements made}."""
    kind = kind.upper()
    if kind not in NUMBERED_KINDS:
        raise QualcodeError(f"kind must be one of {', '.join(NUMBERED_KINDS)}, not {kind!r}")
    if not normalize(name):
        raise QualcodeError("give the name to replace")
    entry = RosterEntry(" ".join(name.split()), kind)
    matcher = RosterMatcher(Roster([entry]))
    table = PseudonymTable.for_project(project)
    found = table.find(entry.entity)
    label = found[1] if found and found[0] == kind else table.new(kind)
    table.remember(label, [normalize(s.text) for s in surfaces(Roster([entry]))])
    counts: dict[str, int] = {}
    with _scrubbing(project):
        with project.transaction() as db:
            table.save()
            for transcript_id, text in list(db.execute("SELECT id, text FROM transcripts")):
                spans = [s for s in matcher.find(text) if not _inside_label(text, s.start)]
                if not spans:
                    continue
                placed = edit_transcript(project, transcript_id,
                                         [(s.start, s.end, label) for s in spans])
                db.conn.executemany(
                    "INSERT INTO replacements (transcript_id, char_start, char_end, label, kind, "
                    "detector, confidence, status) VALUES (?, ?, ?, ?, ?, 'manual', 1.0, "
                    "'confirmed')", [(transcript_id, a, b, label, kind) for a, b in placed])
                _close_candidates(db, transcript_id, placed)
                counts[transcript_id] = len(spans)
            _rename_elsewhere(db, matcher, label)
            project.log("anonymize.add", {"label": label, "kind": kind, "replaced": counts})
    if key_path is not None:
        write_key(key_path, {label: (kind, {entry.name})})
    return counts


def replace_candidate(project: Project, candidate_id: int, kind: str | None = None,
                      key_path: Path | None = None) -> dict[str, int]:
    """Treat a candidate's text as a name: pseudonymize it across the project."""
    row = project.db.execute(
        "SELECT c.kind, substr(t.text, c.char_start + 1, c.char_end - c.char_start) "
        "FROM anonymization_candidates c JOIN transcripts t ON t.id = c.transcript_id "
        "WHERE c.id = ?", [candidate_id]).fetchone()
    if row is None:
        raise QualcodeError(f"no review candidate {candidate_id}")
    return add_name(project, row[1], kind or row[0], key_path)


def reject(project: Project, replacement_id: int, original: str | None = None,
           key_path: Path | None = None, everywhere: bool = False) -> int:
    """Undo a wrong replacement: put the original text back where the pseudonym stands
    (`everywhere`: for every replacement with the same pseudonym), forget the hashes that
    point the word to the pseudonym, and keep the word from now on. The original comes from
    `original`, else from the key file when it holds exactly one for that pseudonym.
    Returns how many replacements were undone."""
    row = project.db.execute("SELECT label, status FROM replacements WHERE id = ?",
                             [replacement_id]).fetchone()
    if row is None:
        raise QualcodeError(f"no replacement {replacement_id}")
    label = row[0]
    if original is None:
        known = read_key(key_path).get(label, []) if key_path else []
        if len(set(known)) != 1:
            raise QualcodeError(
                f"give the text that {label} replaced (--text): "
                + ("the key file holds several originals for it" if known else
                   "there is no key file entry for it"))
        original = known[0]
    where = "label = ? AND status != 'rejected'" if everywhere else "id = ?"
    rows = list(project.db.execute(
        f"SELECT id, transcript_id, char_start, char_end FROM replacements WHERE {where}",
        [label] if everywhere else [replacement_id]))
    table = PseudonymTable.for_project(project)
    with _scrubbing(project):
        with project.transaction() as db:
            for transcript_id in dict.fromkeys(r[1] for r in rows):
                mine = [r for r in rows if r[1] == transcript_id]
                placed = edit_transcript(project, transcript_id,
                                         [(r[2], r[3], original) for r in mine])
                for (rid, *_), (a, b) in zip(mine, placed, strict=True):
                    db.execute("UPDATE replacements SET status = 'rejected', char_start = ?, "
                               "char_end = ? WHERE id = ?", [a, b, rid])
            db.execute("DELETE FROM pseudonym_digests WHERE digest = ?",
                       [table.digest(normalize(original))])
            _allow(project, original)
            project.log("anonymize.reject", {"label": label, "replacements": [r[0] for r in rows]})
    return len(rows)


# Rewriting stored text.

def edit_transcript(project: Project, transcript_id: str,
                    edits: Sequence[tuple[int, int, str]]) -> list[tuple[int, int]]:
    """Replace [start, end) ranges of a stored transcript's text, and shift every offset that
    points into it: segments, coded spans, replacements, review candidates. Edits must not
    overlap. Returns where each edit's new text lies. Call inside a transaction."""
    db = project.db
    order = sorted(range(len(edits)), key=lambda i: edits[i][0])
    edits = [edits[i] for i in order]
    for (_, end, _), (start, _, _) in zip(edits, edits[1:], strict=False):
        if start < end:
            raise QualcodeError("overlapping edits to one transcript")
    text = db.execute("SELECT text FROM transcripts WHERE id = ?", [transcript_id]).fetchone()[0]
    shifts = _Shifts(edits)
    pieces, cursor = [], 0
    for start, end, new in edits:
        pieces += [text[cursor:start], new]
        cursor = end
    pieces.append(text[cursor:])
    new_text = "".join(pieces)
    db.execute("UPDATE transcripts SET text = ? WHERE id = ?", [new_text, transcript_id])

    segments = list(db.execute("SELECT id, char_start, char_end FROM segments "
                               "WHERE transcript_id = ?", [transcript_id]))
    moved = {}
    for sid, start, end in segments:
        a, b = shifts.start(start), shifts.end(end)
        moved[sid] = (start, a)
        if (a, b) != (start, end) or any(start <= e_start < end for e_start, _, _ in edits):
            db.execute("UPDATE segments SET char_start = ?, char_end = ?, text = ? WHERE id = ?",
                       [a, b, new_text[a:b], sid])
    for cid, sid, span_start, span_end in list(db.execute(
            "SELECT c.id, c.segment_id, c.span_start, c.span_end FROM codings c JOIN segments s "
            "ON s.id = c.segment_id WHERE s.transcript_id = ? AND c.span_start IS NOT NULL",
            [transcript_id])):
        old_base, new_base = moved[sid]
        a = shifts.start(old_base + span_start) - new_base
        b = shifts.end(old_base + span_end) - new_base
        if (a, b) != (span_start, span_end):
            db.execute("UPDATE codings SET span_start = ?, span_end = ? WHERE id = ?", [a, b, cid])
    for table in ("replacements", "anonymization_candidates"):
        for rid, start, end in list(db.execute(
                f"SELECT id, char_start, char_end FROM {table} WHERE transcript_id = ?",
                [transcript_id])):
            a, b = shifts.start(start), shifts.end(end)
            if (a, b) != (start, end):
                db.execute(f"UPDATE {table} SET char_start = ?, char_end = ? WHERE id = ?",
                           [a, b, rid])
    return shifts.placed


class _Shifts:
    """Maps positions of the old text to the new one, given sorted, disjoint edits. A
    position inside an edit moves to the edit's new start (for a span's start) or end (for
    its end)."""

    def __init__(self, edits: Sequence[tuple[int, int, str]]):
        self.starts = [s for s, _, _ in edits]
        self.ends = [e for _, e, _ in edits]
        self.placed, self._before = [], [0]
        shift = 0
        for start, end, new in edits:
            self.placed.append((start + shift, start + shift + len(new)))
            shift += len(new) - (end - start)
            self._before.append(shift)

    def start(self, position: int) -> int:
        i = bisect_right(self.starts, position) - 1  # the last edit starting at or before
        if i >= 0 and self.starts[i] < position < self.ends[i]:
            return self.placed[i][0]
        return position + self._before[bisect_right(self.ends, position)]

    def end(self, position: int) -> int:
        i = bisect_right(self.starts, position - 1) - 1  # the last edit starting before
        if i >= 0 and position < self.ends[i]:
            return self.placed[i][1]
        return position + self._before[bisect_right(self.ends, position)]


def _inside_label(text: str, position: int) -> bool:
    """Whether `position` falls inside a pseudonym already in the text ([PERSON_3])."""
    return any(m.start() <= position < m.end()
               for m in _LABEL.finditer(text, max(0, position - 20), position + 20))


def _close_candidates(db, transcript_id: str, placed: list[tuple[int, int]]) -> None:
    """Candidates now covered by a pseudonym are settled as replaced."""
    for a, b in placed:
        db.execute("UPDATE anonymization_candidates SET status = 'replaced' "
                   "WHERE transcript_id = ? AND char_start < ? AND char_end > ?",
                   [transcript_id, b, a])


def _rename_elsewhere(db, matcher: RosterMatcher, label: str) -> None:
    """The name in transcript titles and file names, speaker labels and memos too."""
    for table, column in (("transcripts", "title"), ("transcripts", "source_name"),
                          ("segments", "speaker"), ("memos", "text"), ("codings", "memo")):
        for rowid, value in list(db.execute(
                f"SELECT rowid, {column} FROM {table} WHERE {column} IS NOT NULL")):
            spans = matcher.find(value)
            if spans:
                for s in reversed(spans):
                    value = value[:s.start] + label + value[s.end:]
                db.execute(f"UPDATE {table} SET {column} = ? WHERE rowid = ?", [value, rowid])


def project_allow_list(project: Project) -> list[str]:
    """Words a reviewer said are not names: kept by every later import."""
    value = project.meta(ALLOW_META_KEY)
    return json.loads(value) if value else []


def _allow(project: Project, word: str) -> None:
    words = sorted({*project_allow_list(project), " ".join(word.lower().split())})
    project.db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)",
                       [ALLOW_META_KEY, json.dumps(words, ensure_ascii=False)])


class _scrubbing:
    """Around a change that removes text: secure delete on, and afterwards the full-text
    index merged and the write-ahead log checkpointed, so the old text leaves the files."""

    def __init__(self, project: Project):
        self.project = project

    def __enter__(self) -> None:
        self.project.db.execute("PRAGMA secure_delete = ON")

    def __exit__(self, exc_type, *_) -> None:
        db = self.project.db
        if exc_type is None:
            with self.project.transaction():
                db.execute("INSERT INTO segments_fts (segments_fts) VALUES ('optimize')")
            db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute("PRAGMA secure_delete = OFF")


def _require(db, table: str, ids: list[int]) -> None:
    found = {r[0] for r in db.execute(f"SELECT id FROM {table} WHERE id IN ({_marks(ids)})", ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        what = "replacement" if table == "replacements" else "review candidate"
        raise QualcodeError(f"no {what} {missing[0]}")


def _marks(ids: Sequence) -> str:
    return ", ".join("?" for _ in ids) or "NULL"
