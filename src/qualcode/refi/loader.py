"""Importing a `.qdpx` project into a qualcode project, in one transaction.

Sources become transcripts (a source whose text equals a transcript's stored text is that
transcript), segmented by `segment_source`; selections become codings on the segments they
cover (split at segment boundaries, and reported, when they straddle some); notes, selection
descriptions and source descriptions become memos; variables of the source or of its cases
become transcript attributes; users become coders. New codes join the project codebook.
Text that is not already one of this project's transcripts is anonymized before it is
stored, like an ordinary import, and every selection is moved with it; note texts and
source names too. `anonymize=False` stores it as the file has it, and the summary says so.
"""

from __future__ import annotations

import hashlib
import json
from bisect import bisect_right
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace
from pathlib import Path

from qualcode.anonymize import Anonymizer
from qualcode.anonymize.anonymizer import Rewritten
from qualcode.codebook import install_codebook, project_codebook
from qualcode.ingest import SegmentDraft, slugify
from qualcode.refi.codes import CodeMapping, RefiCode, merge_codes
from qualcode.refi.reader import RefiProject, RefiSelection, RefiSource, read_qdpx
from qualcode.refi.text import SourceText, segment_source
from qualcode.store import Project, now

FALLBACK_CODER = "imported"
CONVENTIONS = {
    "crlf-as-one": "selection positions: CRLF counted as one character (read that way)",
    "utf-16": "selection positions: UTF-16 units (read that way)",
    "unmatched": "selection whose name is not its text under any convention (positions "
                 "used as given)",
}


@dataclass
class ImportSummary:
    path: Path
    transcripts: list[str] = field(default_factory=list)  # new transcripts
    matched: list[str] = field(default_factory=list)  # sources that were existing transcripts
    codes_added: list[str] = field(default_factory=list)
    codings: int = 0
    duplicates: int = 0  # codings the project had already
    memos: int = 0
    coders: list[str] = field(default_factory=list)
    attributes: int = 0
    problems: list[str] = field(default_factory=list)


def _all_codes(codes: list[RefiCode]) -> list[RefiCode]:
    return [c for code in codes for c in (code, *_all_codes(code.children))]


class _Loader:
    def __init__(self, project: Project, refi: RefiProject, mapping: CodeMapping, path: Path,
                 anonymizer: Anonymizer | None):
        self.project = project
        self.anonymizer = anonymizer
        self.refi = refi
        self.mapping = mapping
        self.summary = ImportSummary(path, codes_added=list(mapping.added),
                                     problems=[*refi.problems, *mapping.problems])
        self.counts: Counter[str] = Counter()
        self.memos: dict[tuple[str, str, str | None], list[str]] = defaultdict(list)
        self.note_targets = self._note_targets()
        self.coders: set[str] = set()
        self.version = 0

    # -- people and notes ----------------------------------------------------------------------

    def coder(self, *guids: str | None) -> str:
        """The first of `guids` that names a user; else the only user; else 'imported'."""
        for guid in guids:
            if guid in self.refi.users:
                return self.refi.users[guid]
            if guid:
                self.counts["reference to an unknown user"] += 1
        if len(self.refi.users) == 1:
            return next(iter(self.refi.users.values()))
        self.counts[f"memo or coding without a user (attributed to {FALLBACK_CODER!r})"] += 1
        return FALLBACK_CODER

    def _note_targets(self) -> dict[str, list[str]]:
        """Note GUIDs attached to each element through `Link`s (NVivo ties notes this way)."""
        attached: dict[str, list[str]] = defaultdict(list)
        for origin, target, refs in self.refi.links:
            if origin in self.refi.notes and target:
                attached[target].append(origin)
            elif target in self.refi.notes and origin:
                attached[origin].append(target)
            if origin:
                attached[origin].extend(refs)
        return attached

    def notes(self, guid: str, refs: list[str], *extra: str) -> list[tuple[str | None, str]]:
        """An element's notes (NoteRefs and Links), each used once, and `extra` texts (its
        descriptions), as (user GUID, text)."""
        found: list[tuple[str | None, str]] = [(None, t.strip()) for t in extra if t.strip()]
        for ref in [*refs, *self.note_targets.get(guid, [])]:
            note = self.refi.notes.get(ref)
            if note is None:
                self.counts["reference to a missing note"] += 1
            elif not note.used:
                note.used = True
                if note.text.strip():
                    found.append((note.user, note.text.strip()))
        return [(user, self.clean(text)) for user, text in found]

    def clean(self, text: str) -> str:
        """Text from the file (a note, a source name), anonymized unless told not to."""
        return self.anonymizer.anonymize_text(text) if self.anonymizer else text

    def memo(self, target: str, target_id: str | None, notes: list[tuple[str | None, str]],
             *owners: str | None) -> None:
        """Memos from notes: each note's author, else the first of `owners` who is a user."""
        for user, text in notes:
            self.memos[self.coder(user, *owners), target, target_id].append(text)

    # -- the import ----------------------------------------------------------------------------

    def run(self) -> ImportSummary:
        if self.mapping.added:
            install_codebook(self.project, self.mapping.codebook,
                             change=f"import {self.summary.path.name}",
                             source_name=self.summary.path.name)
        self.version = self.project.codebook_version
        for source in self.refi.sources:
            self.source(source)
        for code in _all_codes(self.refi.codes):
            if code.guid in self.mapping.ids:
                self.memo("code", self.mapping.ids[code.guid], self.notes(code.guid, code.notes))
        self.memo("project", None, self.notes("", self.refi.project_notes))
        self.memo("project", None, self.notes("", [n.guid for n in self.refi.notes.values()
                                                   if not n.used]))
        self.write_memos()
        if self.anonymizer:
            self.anonymizer.save_pseudonyms()  # names met in notes and source names too
        self.summary.coders = sorted(self.coders)
        self.report_counts()
        self.project.log("import.qdpx", {
            "file": self.summary.path.name, "transcripts": self.summary.transcripts,
            "matched": self.summary.matched, "codes_added": self.summary.codes_added,
            "codings": self.summary.codings, "memos": self.summary.memos,
            "coders": self.summary.coders,
        })
        return self.summary

    def source(self, source: RefiSource) -> None:
        text = SourceText.from_original(source.text)
        located = []
        for selection in source.selections:
            found = text.locate(selection.start, selection.end, selection.name)
            if found is None:
                self.counts["selection outside its text: left out"] += 1
                continue
            start, end, convention = found
            if convention != "standard":
                self.counts[CONVENTIONS[convention]] += 1
            located.append((text.position(start), text.position(end), selection))
        known = self.project.db.execute("SELECT 1 FROM transcripts WHERE text = ?",
                                        [text.text]).fetchone()
        rewritten = self.anonymizer.rewrite(text.text) if self.anonymizer and not known else None
        tid = self.transcript(source, text.text, [(s, e) for s, e, _ in located], rewritten)
        if rewritten is not None:
            located = [(rewritten.position(s), rewritten.position(e, end=True), selection)
                       for s, e, selection in located]
            if tid in self.summary.transcripts:
                self.anonymizer.save(tid, rewritten, [0])
        segments = [tuple(r) for r in self.project.db.execute(
            "SELECT char_start, char_end, id FROM segments WHERE transcript_id = ? "
            "ORDER BY char_start", [tid])]
        starts = [s for s, _, _ in segments]
        for start, end, selection in located:
            pieces = [(max(start, s), min(end, e), sid, s, e)
                      for s, e, sid in segments[max(bisect_right(starts, start) - 1, 0):]
                      if s < end and start < e]
            if not pieces:
                self.counts["selection on no segment (blank text only)"] += 1
                continue
            if len(pieces) > 1:
                self.counts["selection straddling segments (split at their boundaries)"] += 1
            self.selection(selection, source, pieces)
        self.memo("transcript", tid, self.notes(source.guid, source.notes, source.description),
                  source.user)
        self.attributes(source, tid)

    def transcript(self, source: RefiSource, text: str, selections: list[tuple[int, int]],
                   rewritten: Rewritten | None) -> str:
        """The transcript holding `text` (as `rewritten`, when anonymized): an existing one
        with the same text, or a new one. Speakers and roles come from the original labels;
        the segments then move into the anonymized text."""
        db = self.project.db
        segments = segment_source(text, selections)
        if rewritten is not None:
            segments = [self.moved(s, rewritten) for s in segments]
            text = rewritten.text
        row = db.execute("SELECT id FROM transcripts WHERE text = ?", [text]).fetchone()
        if row is not None:
            self.summary.matched.append(row[0])
            return row[0]
        name = self.clean(source.name)
        base = slugify(Path(name).stem)
        tid, number = base, 2
        while db.execute("SELECT 1 FROM transcripts WHERE id = ?", [tid]).fetchone():
            tid, number = f"{base}-{number}", number + 1
        db.execute(
            "INSERT INTO transcripts (id, title, source_name, source_hash, format, encoding, "
            "text, attributes, anonymized, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [tid, name, name,
             hashlib.sha256(b"qdpx\n" + source.text.encode("utf-8", "surrogatepass")).hexdigest(),
             "qdpx", "utf-8", text, "{}", int(self.anonymizer is not None), now()])
        db.conn.executemany(
            "INSERT INTO segments (transcript_id, ordinal, turn, part, speaker, role, text, "
            "char_start, char_end, timestamp) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(tid, s.ordinal, s.turn, s.part, s.speaker, s.role, s.text, s.char_start,
              s.char_end, s.timestamp) for s in segments])
        self.summary.transcripts.append(tid)
        return tid

    def moved(self, segment: SegmentDraft, rewritten: Rewritten) -> SegmentDraft:
        """A segment of the original text, moved into the anonymized one."""
        start = rewritten.position(segment.char_start)
        end = rewritten.position(segment.char_end, end=True)
        return replace(segment, char_start=start, char_end=end, text=rewritten.text[start:end],
                       speaker=self.clean(segment.speaker) if segment.speaker else None)

    def selection(self, selection: RefiSelection, source: RefiSource,
                  pieces: list[tuple[int, int, int, int, int]]) -> None:
        """Codings (or, without codings, a memo on its first segment) from one selection;
        `pieces` are its parts on each segment: (start, end, segment id, segment start,
        segment end) in transcript offsets."""
        own = self.notes(selection.guid, selection.notes, selection.description)
        if not selection.codings:
            self.memo("segment", str(pieces[0][2]), own, selection.user, source.user)
            return
        for coding in selection.codings:
            code_id = self.mapping.ids.get(coding.code or "")
            if code_id is None:
                self.counts["coding of a code that is not in the codebook"] += 1
                continue
            coder = self.coder(coding.user, selection.user, source.user)
            memo = "\n\n".join(t for _, t in [*own, *self.notes(coding.guid, coding.notes)])
            for start, end, sid, seg_start, seg_end in pieces:
                span = (None, None) if (start, end) == (seg_start, seg_end) else \
                    (start - seg_start, end - seg_start)
                inserted = self.project.db.execute(
                    "INSERT OR IGNORE INTO codings (segment_id, code_id, coder, span_start, "
                    "span_end, memo, provenance, confidence, codebook_version, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, 'imported', NULL, ?, ?)",
                    [sid, code_id, coder, *span, memo or None, self.version,
                     coding.created or selection.created or now()]).rowcount
                self.summary.codings += inserted
                self.summary.duplicates += 1 - inserted
                self.coders.add(coder)

    def attributes(self, source: RefiSource, tid: str) -> None:
        values = {}
        for case in self.refi.cases:
            if source.guid in case.sources:
                values.update(case.variables)
        values.update(source.variables)
        named = {}
        for guid, value in values.items():
            if guid in self.refi.variables:
                named[self.refi.variables[guid][0]] = value
            else:
                self.counts["value of an unknown variable"] += 1
        if not named:
            return
        current = json.loads(self.project.db.execute(
            "SELECT attributes FROM transcripts WHERE id = ?", [tid]).fetchone()[0])
        for name, value in named.items():
            if name in current and current[name] != value:
                self.summary.problems.append(f"transcript {tid}: attribute {name!r} keeps its "
                                             "value in the project; the file's differs")
                continue
            self.summary.attributes += name not in current
            current[name] = value
        self.project.db.execute("UPDATE transcripts SET attributes = ? WHERE id = ?",
                                [json.dumps(current, ensure_ascii=False), tid])

    def write_memos(self) -> None:
        """One memo per (coder, target): the texts joined, added to an existing memo."""
        db = self.project.db
        for (coder, target, target_id), texts in self.memos.items():
            text = "\n\n".join(dict.fromkeys(texts))
            row = db.execute("SELECT id, text FROM memos WHERE coder = ? AND target = ? AND "
                             "target_id IS ?", [coder, target, target_id]).fetchone()
            if row is not None and text in row[1]:
                continue
            if row is not None:
                db.execute("UPDATE memos SET text = ?, updated_at = ? WHERE id = ?",
                           [f"{row[1]}\n\n{text}", now(), row[0]])
            else:
                db.execute("INSERT INTO memos (coder, target, target_id, text, created_at, "
                           "updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                           [coder, target, target_id, text, now(), now()])
            self.coders.add(coder)
            self.summary.memos += 1

    def report_counts(self) -> None:
        for what, n in sorted(self.counts.items()):
            self.summary.problems.append(f"{n} × {what}")
        if self.summary.transcripts:
            how = ("anonymized, codings moved with the text; check them with `qualcode "
                   "anonymize review`" if self.anonymizer else
                   "stored as the file has them, NOT anonymized (--no-anonymize)")
            self.summary.problems.append(
                f"{len(self.summary.transcripts)} new transcripts {how}; speaker labels are "
                "read from `Label:` paragraphs only")


def import_qdpx(project: Project, path: Path, anonymize: bool = True) -> ImportSummary:
    """Import a `.qdpx` file into the project in one transaction; nothing is written when
    anything fails. New text is anonymized unless `anonymize` is False. The summary lists
    what could not be carried over."""
    path = Path(path)
    refi = read_qdpx(path)
    referenced = {c.code for s in refi.sources for sel in s.selections for c in sel.codings
                  if c.code}
    mapping = merge_codes(refi.codes, project_codebook(project), referenced)
    with project.transaction():
        anonymizer = Anonymizer.for_project(project) if anonymize else None
        return _Loader(project, refi, mapping, path, anonymizer).run()
