"""Importing transcripts: speaker roles, anonymization, segmentation, attributes, storage.

One file is one transaction. The steps, in order: read the raw bytes (hashed to refuse
re-imports) -> parse into turns (`qualcode.parsers`) -> detect roles on the original labels
-> anonymize turns, title and file name -> segment (one segment per turn, long turns split
at sentence boundaries) -> store. The stored transcript text is the turns' texts joined by
a blank line, and every segment is an exact slice of it:
`transcript.text[segment.char_start:segment.char_end] == segment.text`.

Also here: the read side of imported transcripts (listing and full-text search).
"""

from __future__ import annotations

import bisect
import csv
import functools
import hashlib
import io
import itertools
import json
import math
import os
import re
import unicodedata
from collections import deque
from collections.abc import Collection, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from multiprocessing import get_context
from pathlib import Path
from typing import TYPE_CHECKING, Any

import sqlite_utils

from qualcode.errors import QualcodeError
from qualcode.parsers import (
    FORMATS,
    Turn,
    decode,
    is_interviewer_label,
    parse_bytes,
    read_bytes,
)
from qualcode.store import Project, now

if TYPE_CHECKING:
    from qualcode.anonymize import AnonymizedTurns, Anonymizer

MAX_WORDS = 300  # a longer turn is split at sentence boundaries into parts of at most this
TURN_SEPARATOR = "\n\n"
ATTRIBUTES_CSV = "attributes.csv"
PARALLEL_MIN_FILES = 16  # from this many files (not anonymized), prepare in a helper process
LOOKAHEAD = 4  # files prepared ahead of the one being stored: bounds memory
BATCH_INDEX_MIN_FILES = 16  # from this many files, index them for search at the end
_WORD_SPLIT = re.compile(r"(\S+)")


@dataclass
class ImportOptions:
    """How to import: the `qualcode import` flags."""

    attributes: dict[str, str] = field(default_factory=dict)  # --attr, wins over the CSV
    interviewers: tuple[str, ...] = ()  # --interviewer: labels that name the interviewer
    anonymize: bool = True
    roster: Path | None = None
    key_path: Path | None = None
    nlp_model: str | None = None
    speaker_style: str = "role"  # how named speakers are labelled: "role" or "pseudonym"
    replace: bool = False  # replace a transcript imported before (same content or id)
    force: bool = False  # ... even when codings, reviews or assignments hang on it
    max_words: int = MAX_WORDS


@dataclass
class SegmentDraft:
    """A segment before it has a database id."""

    ordinal: int
    turn: int
    part: int
    speaker: str | None
    role: str
    text: str
    char_start: int
    char_end: int
    timestamp: str | None


@dataclass
class Segmentation:
    """A transcript's text and its segments."""

    text: str  # the transcript text: turns joined by TURN_SEPARATOR
    segments: list[SegmentDraft]
    turn_starts: list[int]  # where each turn starts in `text`
    words: int

    def __getstate__(self) -> tuple:
        """Pickle segments as plain tuples without their texts (slices of `text`): several
        times faster across the import's helper process."""
        rows = [(s.turn, s.part, s.speaker, s.role, s.char_start, s.char_end, s.timestamp)
                for s in self.segments]
        return self.text, rows, self.turn_starts, self.words

    def __setstate__(self, state: tuple) -> None:
        self.text, rows, self.turn_starts, self.words = state
        self.segments = [
            SegmentDraft(ordinal, turn, part, speaker, role, self.text[start:end], start, end,
                         timestamp)
            for ordinal, (turn, part, speaker, role, start, end, timestamp) in enumerate(rows, 1)
        ]


@dataclass
class PreparedTranscript:
    """A transcript ready to store: parsed, anonymized and segmented."""

    path: Path  # as given: for messages only, never stored
    id: str
    title: str
    source_name: str
    source_hash: str
    format: str
    encoding: str
    attributes: dict[str, str]
    anonymized: bool
    segmentation: Segmentation
    notes: list[str]
    anonymization: AnonymizedTurns | None = None  # saved with the transcript

    @property
    def speakers(self) -> list[str]:
        return list(dict.fromkeys(s.speaker for s in self.segmentation.segments if s.speaker))


@dataclass
class FileResult:
    """What happened to one file."""

    path: Path
    transcript_id: str | None = None
    format: str | None = None
    speakers: int = 0
    segments: int = 0
    words: int = 0
    notes: list[str] = field(default_factory=list)
    error: str | None = None
    prepared: PreparedTranscript | None = None  # kept only for a dry run

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass
class ImportReport:
    results: list[FileResult]

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.results if not r.ok]

    @property
    def imported(self) -> list[FileResult]:
        return [r for r in self.results if r.ok]


def import_files(project: Project, paths: Iterable[Path], options: ImportOptions | None = None,
                 dry_run: bool = False) -> ImportReport:
    """Import transcript files, each in its own transaction; a bad file is reported in its
    result and the others still import. A dry run stores nothing and keeps each prepared
    transcript in its result."""
    options = options or ImportOptions()
    files = expand_paths(paths)
    csv_attributes = _csv_attributes(files)
    attributes = {f: {**csv_attributes.get(f, {}), **options.attributes} for f in files}
    anonymizer = _anonymizer(project, options) if options.anonymize else None
    ensure_search_index(project)
    # a batch is indexed for search once, at its end: far cheaper than file by file
    unindexed: set[str] | None = set() if len(files) >= BATCH_INDEX_MIN_FILES else None
    results = []
    try:
        for path, prepared in _prepare_all(project, files, options, attributes, anonymizer):
            results.append(_import_one(project, path, prepared, options, anonymizer, dry_run,
                                       unindexed))
    finally:
        if unindexed:
            index_transcripts(project, unindexed)
    return ImportReport(results)


def _import_one(project: Project, path: Path, prepared: Prepared, options: ImportOptions,
                anonymizer: Anonymizer | None, dry_run: bool, unindexed: set[str] | None
                ) -> FileResult:
    result = FileResult(path)
    try:
        if isinstance(prepared, QualcodeError):
            raise prepared
        if dry_run:
            planned_replacements(project, prepared, options)
            result.prepared = prepared
        else:
            store(project, prepared, options, anonymizer, unindexed)
    except QualcodeError as e:
        result.error = str(e)
    else:
        result.transcript_id, result.format = prepared.id, prepared.format
        result.speakers, result.notes = len(prepared.speakers), prepared.notes
        result.segments = len(prepared.segmentation.segments)
        result.words = prepared.segmentation.words
    return result


Prepared = PreparedTranscript | QualcodeError  # a file ready to store, or why it is not


def _prepare_all(project: Project, files: list[Path], options: ImportOptions,
                 attributes: dict[Path, dict[str, str]], anonymizer: Anonymizer | None
                 ) -> Iterator[tuple[Path, Prepared]]:
    """Each file prepared, in order, one at a time, or the error that stopped it.

    Anonymization runs here, file after file, as its pseudonyms depend on the files before.
    Without it, from PARALLEL_MIN_FILES files on, a helper process reads, parses and
    segments the next files while the caller stores the current one (the two halves of an
    import take about the same time).
    """
    if anonymizer is not None or len(files) < PARALLEL_MIN_FILES or (os.cpu_count() or 1) < 2:
        for path in files:
            yield path, _prepare_or_error(path, options, attributes[path], project, anonymizer)
        return
    # spawn, not fork: the helper must not inherit the open database connection
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        pending: deque[tuple[Path, Future[Prepared]]] = deque()
        for path in files:
            pending.append((path, pool.submit(_prepare_or_error, path, options,
                                              attributes[path])))
            if len(pending) > LOOKAHEAD:
                done, future = pending.popleft()
                yield done, future.result()
        for done, future in pending:
            yield done, future.result()


def _prepare_or_error(path: Path, options: ImportOptions, attributes: dict[str, str],
                      project: Project | None = None, anonymizer: Anonymizer | None = None
                      ) -> Prepared:
    """`prepare_file`, refusing a file imported before when there is a project; its
    QualcodeError is returned, not raised, so that it crosses from a helper process."""
    try:
        return prepare_file(path, options, attributes, anonymizer, project)
    except QualcodeError as e:
        return e


def expand_paths(paths: Iterable[Path]) -> list[Path]:
    """The files to import: files as given, a folder's transcript files (not recursive,
    without README and attributes.csv)."""
    files = []
    for path in map(Path, paths):
        if path.is_dir():
            files.extend(sorted(
                p for p in path.iterdir()
                if p.is_file() and p.suffix.lower() in FORMATS and p.stem.casefold() != "readme"
            ))
        else:
            files.append(path)
    return files


def read_file(path: Path) -> tuple[bytes, str]:
    """A file's raw bytes and their SHA-256."""
    data = read_bytes(path)
    return data, hashlib.sha256(data).hexdigest()


def prepare_file(path: Path, options: ImportOptions | None = None,
                 attributes: dict[str, str] | None = None, anonymizer: Anonymizer | None = None,
                 project: Project | None = None) -> PreparedTranscript:
    """Read, parse, detect roles, anonymize and segment one file; nothing is stored. With a
    project, a file imported before is refused (unless replacing) before it is parsed."""
    options = options or ImportOptions()
    data, source_hash = read_file(path)
    if project is not None and not options.replace:
        _refuse_same_content(project, path, source_hash)
    parsed = parse_bytes(data, str(path), options.interviewers)
    notes = parsed.notes + assign_roles(parsed.turns, options.interviewers)
    turns, title, source_name = parsed.turns, parsed.title or path.stem, path.name
    anonymized = None
    if anonymizer is not None:
        anonymized = anonymizer.anonymize_turns(turns)
        pairs = zip(turns, anonymized.turns, strict=True)
        turns = [replace(new, role=old.role) for old, new in pairs]  # roles from the originals
        title = anonymizer.anonymize_text(title)
        source_name = anonymizer.anonymize_text(source_name)
    return PreparedTranscript(
        path=path, id=slugify(Path(source_name).stem), title=title, source_name=source_name,
        source_hash=source_hash, format=parsed.format, encoding=parsed.encoding,
        attributes=dict(attributes or {}), anonymized=anonymized is not None,
        segmentation=segment_turns(turns, options.max_words), notes=notes,
        anonymization=anonymized,
    )


def _anonymizer(project: Project, options: ImportOptions) -> Anonymizer:
    from qualcode.anonymize import Anonymizer

    return Anonymizer.for_project(project, roster=options.roster, nlp_model=options.nlp_model,
                                  key_path=options.key_path,
                                  speaker_style=options.speaker_style)


def slugify(stem: str) -> str:
    """A transcript id from a file stem: lower case, each run of other characters than
    letters and digits replaced by "-" ("P01 Scaling_Lab" -> "p01-scaling-lab")."""
    slug = re.sub(r"[\W_]+", "-", unicodedata.normalize("NFC", stem).lower()).strip("-")
    return slug or "transcript"


def assign_roles(turns: Sequence[Turn], interviewers: Collection[str] = ()) -> list[str]:
    """Set each turn's role from its (original) speaker label; returns notes for the
    import summary."""
    for turn in turns:
        interviewer = turn.speaker is not None and is_interviewer_label(turn.speaker,
                                                                       interviewers)
        turn.role = "interviewer" if interviewer else "participant"
    labelled = any(t.speaker for t in turns)
    if labelled and not any(t.role == "interviewer" for t in turns):
        return ["no interviewer label recognised: every turn is a participant's "
                "(name the interviewer with --interviewer)"]
    return []


# Segmentation.

def segment_turns(turns: Sequence[Turn], max_words: int = MAX_WORDS) -> Segmentation:
    """One segment per turn; a turn of more than `max_words` words is split at sentence
    boundaries into parts of at most `max_words` words. Offsets index the joined text."""
    segments: list[SegmentDraft] = []
    turn_starts = []
    words = offset = 0
    for number, turn in enumerate(turns, 1):
        turn_starts.append(offset)
        count = len(turn.text.split())
        words += count
        parts = _part_spans(turn.text, max_words) if count > max_words else [(0, len(turn.text))]
        for part, (start, end) in enumerate(parts, 1):
            segments.append(SegmentDraft(
                ordinal=len(segments) + 1, turn=number, part=part, speaker=turn.speaker,
                role=turn.role, text=turn.text[start:end], char_start=offset + start,
                char_end=offset + end, timestamp=turn.timestamp if part == 1 else None,
            ))
        offset += len(turn.text) + len(TURN_SEPARATOR)
    text = TURN_SEPARATOR.join(t.text for t in turns)
    return Segmentation(text, segments, turn_starts, words)


SPLIT_WINDOW = 50  # words either side of an ideal split point searched for a sentence end


@functools.cache
def _sentencizer() -> Any:
    """spaCy's rule-based sentencizer on a blank English pipeline: no model download;
    loaded on the first long turn, once per process."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    return nlp


class _Words:
    """Where the words of a text start and end, without a match object per word."""

    def __init__(self, text: str):
        pieces = _WORD_SPLIT.split(text)  # [space, word, space, word, ..., space]
        self.bounds = list(itertools.accumulate(map(len, pieces), initial=0))
        self.count = len(pieces) // 2

    def start(self, i: int) -> int:
        return self.bounds[2 * i + 1]

    def end(self, i: int) -> int:
        return self.bounds[2 * i + 2]


def _part_spans(text: str, max_words: int) -> list[tuple[int, int]]:
    """Split a long turn into parts of about equal size, none over `max_words` words, each
    ending at a sentence end where one is near (else between two words).

    Only a window of text around each split point goes through spaCy: its sentencizer
    decides from the tokens next to a boundary, so a window finds the same boundaries as
    the whole turn would, for a fraction of the work.
    """
    words = _Words(text)
    cuts = [0]  # the index of each part's first word
    while words.count - cuts[-1] > max_words:
        start = cuts[-1]
        left = words.count - start
        ideal = start + round(left / math.ceil(left / max_words))
        low = max(start + 1, ideal - SPLIT_WINDOW)
        high = min(start + max_words, ideal + SPLIT_WINDOW)
        candidates = [w for w in _sentence_starts(text, words, low - 1, high) if low <= w <= high]
        cuts.append(min(candidates, key=lambda w: abs(w - ideal)) if candidates else ideal)
    ends = [*cuts[1:], words.count]
    return [(words.start(a), words.end(b - 1)) for a, b in zip(cuts, ends, strict=True)]


def _sentence_starts(text: str, words: _Words, first: int, last: int) -> list[int]:
    """The indices of the words first..last at which spaCy starts a sentence (a sentence
    that starts with a line break starts at the next word)."""
    base = words.start(first)
    starts = [words.start(i) - base for i in range(first, last + 1)]
    doc = _sentencizer()(text[base:words.end(last)])
    return [first + bisect.bisect_left(starts, s.start_char) for s in doc.sents]


# Attributes.

def parse_attributes(pairs: Iterable[str]) -> dict[str, str]:
    """`key=value` strings (from --attr) as a dict."""
    attributes = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise QualcodeError(f"--attr {pair!r}: expected key=value, e.g. org_type=small_org")
        attributes[key.strip()] = value.strip()
    return attributes


def read_attributes_csv(path: Path) -> dict[str, dict[str, str]]:
    """An attributes CSV: first column `file` (a file name), the others attributes.
    Returns {file name: {attribute: value}}; empty cells are left out."""
    text, _ = decode(path.read_bytes(), str(path))
    rows = list(csv.reader(io.StringIO(text)))
    if not rows or not rows[0] or rows[0][0].strip().casefold() != "file":
        raise QualcodeError(f"{path}: line 1: the first column must be called `file`")
    header = [h.strip() for h in rows[0]]
    table: dict[str, dict[str, str]] = {}
    for number, row in enumerate(rows[1:], 2):
        if not any(cell.strip() for cell in row):
            continue
        if len(row) > len(header):
            raise QualcodeError(f"{path}: line {number}: more cells than columns")
        name = row[0].strip()
        if name in table:
            raise QualcodeError(f"{path}: line {number}: {name!r} is listed twice")
        cells = zip(header[1:], row[1:], strict=False)  # a short row leaves cells empty
        table[name] = {h: v.strip() for h, v in cells if h and v.strip()}
    return table


def _csv_attributes(files: list[Path]) -> dict[Path, dict[str, str]]:
    """Attributes for each file from an attributes.csv in its folder, if there is one."""
    tables: dict[Path, dict[str, dict[str, str]]] = {}
    for folder in dict.fromkeys(f.parent for f in files):
        if (folder / ATTRIBUTES_CSV).is_file():
            tables[folder] = read_attributes_csv(folder / ATTRIBUTES_CSV)
    return {f: tables[f.parent][f.name] for f in files
            if f.parent in tables and f.name in tables[f.parent]}


# Storing.

def _refuse_same_content(project: Project, path: Path, source_hash: str) -> None:
    row = project.db.execute("SELECT id FROM transcripts WHERE source_hash = ?",
                             [source_hash]).fetchone()
    if row:
        raise _same_content(path, row[0])


def _same_content(path: Path, transcript_id: str) -> QualcodeError:
    return QualcodeError(f"{path}: already imported as transcript {transcript_id} (same "
                         "content); use --replace to import it again")


def planned_replacements(project: Project, prepared: PreparedTranscript,
                         options: ImportOptions) -> list[str]:
    """The transcripts an import would replace (same content or same id); a QualcodeError
    when that is refused: no --replace, or work on them and no --force."""
    rows = project.db.execute(
        "SELECT id, source_hash = :hash FROM transcripts WHERE source_hash = :hash OR id = :id "
        "ORDER BY id", {"hash": prepared.source_hash, "id": prepared.id}).fetchall()
    if rows and not options.replace:
        same = [transcript_id for transcript_id, same in rows if same]
        if same:
            raise _same_content(prepared.path, same[0])
        raise QualcodeError(f"{prepared.path}: transcript {rows[0][0]} already exists (from a "
                            "file of the same name); use --replace to replace it")
    ids = [transcript_id for transcript_id, _ in rows]
    for transcript_id in ids if not options.force else []:
        work = _work_on(project, transcript_id)
        if any(work.values()):
            described = ", ".join(f"{n} {what}" for what, n in work.items() if n)
            raise QualcodeError(
                f"{prepared.path}: transcript {transcript_id} has {described}; replacing it "
                "would delete them: add --force to replace it anyway")
    return ids


def _work_on(project: Project, transcript_id: str) -> dict[str, int]:
    """The coders' work hanging on a transcript: codings, reviews, assignments."""
    codings, reviews = project.db.execute(
        "SELECT (SELECT count(*) FROM codings c JOIN segments s ON s.id = c.segment_id "
        "        WHERE s.transcript_id = :t), "
        "(SELECT count(*) FROM reviews r JOIN segments s ON s.id = r.segment_id "
        "        WHERE s.transcript_id = :t)", {"t": transcript_id}).fetchone()
    assignments = project.db.execute("SELECT count(*) FROM assignments WHERE transcript_id = ?",
                                     [transcript_id]).fetchone()[0]
    return {"codings": codings, "reviews": reviews, "assignments": assignments}


def store(project: Project, prepared: PreparedTranscript, options: ImportOptions,
          anonymizer: Anonymizer | None = None, unindexed: set[str] | None = None) -> None:
    """Store a prepared transcript, replacing what `planned_replacements` allows, in one
    transaction. With `unindexed`, its segments are not indexed for search yet but its id
    is added there, for `index_transcripts` to index with the rest of the batch."""
    seg = prepared.segmentation
    with project.transaction() as db:
        replaced = planned_replacements(project, prepared, options)
        deleted_codings = sum(_work_on(project, t)["codings"] for t in replaced)
        if unindexed and unindexed.intersection(replaced):
            # the delete trigger takes rows out of the index: they must be in it first
            _index(db, unindexed.intersection(replaced))
        for transcript_id in replaced:
            db.execute("DELETE FROM transcripts WHERE id = ?", [transcript_id])
        db.execute(
            "INSERT INTO transcripts (id, title, source_name, source_hash, format, encoding, "
            "text, attributes, anonymized, imported_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [prepared.id, prepared.title, prepared.source_name, prepared.source_hash,
             prepared.format, prepared.encoding, seg.text,
             json.dumps(prepared.attributes, ensure_ascii=False), int(prepared.anonymized),
             now()])
        _insert_segments(db, prepared.id, seg.segments, index=unindexed is None)
        if anonymizer is not None and prepared.anonymization is not None:
            anonymizer.save(prepared.id, prepared.anonymization, seg.turn_starts)
        project.log("import", {
            "transcript": prepared.id, "source_name": prepared.source_name,
            "source_hash": prepared.source_hash, "format": prepared.format,
            "segments": len(seg.segments), "words": seg.words,
            "anonymized": prepared.anonymized, "replaced": replaced,
            "deleted_codings": deleted_codings,
        })
    if unindexed is not None:
        unindexed.difference_update(replaced)
        unindexed.add(prepared.id)


def _insert_segments(db: sqlite_utils.Database, transcript_id: str,
                     segments: list[SegmentDraft], index: bool = True) -> None:
    """Insert a transcript's segments and (with `index`) index them for full-text search.

    The schema's insert trigger indexes one row at a time; indexing the whole transcript
    with one statement costs about 40% less, and a whole batch at once less again
    (benchmarks/import_bench.py). So, inside the caller's transaction (other connections
    never see it missing), the trigger is dropped, the rows inserted (and indexed), and the
    trigger created again exactly as it was.
    """
    trigger = db.execute("SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                         "AND name = 'segments_ai'").fetchone()
    if trigger:
        db.execute("DROP TRIGGER segments_ai")
    db.conn.executemany(
        "INSERT INTO segments (transcript_id, ordinal, turn, part, speaker, role, text, "
        "char_start, char_end, timestamp) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [(transcript_id, s.ordinal, s.turn, s.part, s.speaker, s.role, s.text, s.char_start,
          s.char_end, s.timestamp) for s in segments])
    if trigger:
        if index:
            _index(db, [transcript_id])
        db.execute(trigger[0])


def _index(db: sqlite_utils.Database, transcript_ids: Iterable[str]) -> None:
    """Index the segments of these transcripts that are not in the index yet (a rebuild by
    another process may have indexed them meanwhile: indexing a row twice corrupts it)."""
    db.execute("INSERT INTO segments_fts (rowid, text) SELECT id, text FROM segments s "
               "WHERE transcript_id IN (SELECT value FROM json_each(?)) "
               "AND NOT EXISTS (SELECT 1 FROM segments_fts_docsize d WHERE d.id = s.id)",
               [json.dumps(sorted(transcript_ids))])


def index_transcripts(project: Project, transcript_ids: Iterable[str]) -> None:
    """Index for search the segments of transcripts stored with `store(..., unindexed)`."""
    with project.transaction() as db:
        _index(db, transcript_ids)


def ensure_search_index(project: Project) -> None:
    """Rebuild the search index if it lacks segments: what an import that was killed
    between storing a batch and indexing it leaves behind (the next import repairs it)."""
    segments, indexed = project.db.execute(
        "SELECT (SELECT count(*) FROM segments), (SELECT count(*) FROM segments_fts_docsize)"
    ).fetchone()
    if segments != indexed:
        with project.transaction() as db:
            db.execute("INSERT INTO segments_fts (segments_fts) VALUES ('rebuild')")


# Reading imported transcripts.

@dataclass
class TranscriptSummary:
    id: str
    title: str
    source_name: str
    format: str
    encoding: str
    speakers: list[str]
    segments: int
    words: int
    attributes: dict[str, str]
    anonymized: bool
    imported_at: str


def list_transcripts(project: Project) -> list[TranscriptSummary]:
    """Every transcript with its speakers (in order of appearance) and sizes."""
    speakers: dict[str, list[str]] = {}
    counts: dict[str, int] = {}
    for transcript_id, speaker, n in project.db.execute(
            "SELECT transcript_id, speaker, count(*) FROM segments GROUP BY transcript_id, "
            "speaker ORDER BY transcript_id, min(ordinal)"):
        counts[transcript_id] = counts.get(transcript_id, 0) + n
        if speaker is not None:
            speakers.setdefault(transcript_id, []).append(speaker)
    return [
        TranscriptSummary(
            id=row[0], title=row[1], source_name=row[2], format=row[3], encoding=row[4],
            speakers=speakers.get(row[0], []), segments=counts.get(row[0], 0),
            words=len(row[5].split()), attributes=json.loads(row[6]), anonymized=bool(row[7]),
            imported_at=row[8])
        for row in project.db.execute(
            "SELECT id, title, source_name, format, encoding, text, attributes, anonymized, "
            "imported_at FROM transcripts ORDER BY id")
    ]


@dataclass
class SearchHit:
    transcript_id: str
    ordinal: int
    speaker: str | None
    role: str
    text: str
    snippet: str  # the matching passage, matches between HIGHLIGHT markers


HIGHLIGHT = ("**", "**")
_QUERY_TOKEN = re.compile(r'"[^"]*"?|\S+')


def fts_query(query: str) -> str:
    """A user's search words as an FTS5 query: every word must match (as typed, or as a
    prefix with a trailing *), "quoted phrases" match as phrases, and OR, AND, NOT work."""
    terms = []
    for token in _QUERY_TOKEN.findall(query):
        if token in ("OR", "AND", "NOT"):
            terms.append(token)
            continue
        prefix = token.endswith("*") and not token.startswith('"')
        words = token.strip('"').rstrip("*").replace('"', "")
        if words.strip():
            terms.append('"' + words + '"' + ("*" if prefix else ""))
    if not terms or terms[0] in ("OR", "AND", "NOT") or terms[-1] in ("OR", "AND", "NOT"):
        raise QualcodeError(f"search {query!r}: give some words to look for")
    return " ".join(terms)


def search_segments(project: Project, query: str, transcript_id: str | None = None,
                    limit: int = 50) -> list[SearchHit]:
    """Segments matching `query` (see `fts_query`), best match first."""
    sql = (
        "SELECT s.transcript_id, s.ordinal, s.speaker, s.role, s.text, "
        "snippet(segments_fts, 0, ?, ?, '…', 16) "
        "FROM segments_fts JOIN segments s ON s.id = segments_fts.rowid "
        "WHERE segments_fts MATCH ?"
    )
    params: list[Any] = [*HIGHLIGHT, fts_query(query)]
    if transcript_id is not None:
        sql += " AND s.transcript_id = ?"
        params.append(transcript_id)
    sql += " ORDER BY segments_fts.rank, s.transcript_id, s.ordinal LIMIT ?"
    params.append(limit)
    return [SearchHit(*row) for row in project.db.execute(sql, params)]
