"""The project store: one SQLite file, `qualcode.db`, in the project folder.

This docstring is the one place the schema is documented. The schema is versioned with
`PRAGMA user_version`; `MIGRATIONS[n]` takes a database from version n to n + 1, so a newer
qualcode opens an older project and migrates it, and an older qualcode refuses a newer one.

Schema, version 1 (offsets are Python string indices, i.e. Unicode code points, half-open):

meta(key PK, value)
    project_id (uuid4, names the project's HMAC secret outside the database), created_at,
    qualcode_version; anonymize_allow (JSON list of words a reviewer ruled are not names).
transcripts(id PK, title, source_name, source_hash, format, encoding, text, attributes,
            anonymized, imported_at)
    id is a slug of the file name; text is the whole stored (anonymized, normalized: NFC, LF)
    transcript; source_hash is the SHA-256 of the raw file bytes, used to refuse re-imports;
    attributes is a JSON object of per-transcript attributes (e.g. {"org_type": "small_org"});
    anonymized is 0 when imported with --no-anonymize.
segments(id PK, transcript_id FK, ordinal, turn, part, speaker, role, text, char_start,
         char_end, timestamp)
    One speaker turn, or one part of a long turn split at sentence boundaries (`part` counts
    from 1 within `turn`). ordinal counts from 1 within the transcript and is what users type.
    role is 'interviewer' or 'participant'. text == transcripts.text[char_start:char_end].
    segments_fts is a full-text index over segments.text.
codebook_versions(version PK, codebook_id, title, declared_version, description, content_hash,
                  change, created_at)
    One row per state of the codebook in this project; the highest version is in force.
code_groups(id PK, label, description, exclusive, position)
codes(id PK, group_id FK, parent_id FK NULL, name, label, definition, use_when,
      do_not_use_when, examples, keywords, shortcut, colour, position)
    id is the full id (`group.code` or `group.code.child`); examples and keywords are JSON
    lists. Renames cascade to codings through the foreign key.
codings(id PK, segment_id FK, code_id FK, coder, span_start, span_end, memo, provenance,
        confidence, codebook_version, created_at)
    span_start/span_end are offsets inside the segment text, NULL for the whole segment.
    provenance is 'manual', 'suggestion' (an accepted suggestion; confidence is its score),
    'imported' or 'consensus'. Unique per (segment, code, coder, span).
reviews(segment_id FK, coder, reviewed_at) PK(segment_id, coder)
    A coder has finished this segment: tells "coded nothing" apart from "not looked at yet".
memos(id PK, coder, target, target_id, text, created_at, updated_at)
    target is 'project', 'transcript', 'segment' or 'code'; target_id is the transcript id,
    the segment id as text, or the code id; a memo on one coding is codings.memo.
assignments(coder, transcript_id FK, overlap, assigned_at) PK(coder, transcript_id)
    overlap = 1 marks the blind double-coding sample used for reliability.
events(id PK, at, coder, action, payload, undoes)
    Append-only log of every change (triggers refuse UPDATE and DELETE), used for undo and
    audit. payload is JSON; undoes is the id of the event an undo reverses.
pseudonyms(id PK, kind, number, label UNIQUE, created_at)
    kind is PERSON, ORG, PLACE, PROJECT, EMAIL, URL, PHONE or HANDLE, with a label like
    [PERSON_3], or PARTICIPANT for speaker codes like P07.
pseudonym_digests(digest PK, pseudonym_id FK)
    HMAC-SHA256 of a normalized original surface under a secret kept outside the database:
    consistent pseudonyms across imports without storing any original name.
replacements(id PK, transcript_id FK, char_start, char_end, label, kind, detector,
             confidence, status)
    Where a pseudonym stands in transcripts.text; status 'applied', 'confirmed', 'rejected';
    detector is roster, fuzzy, pattern, proper_name, ner, speaker (a name taken from a
    speaker label), known (a name an earlier import pseudonymized) or manual.
anonymization_candidates(id PK, transcript_id FK, char_start, char_end, kind, reason, status)
    Low-confidence text that was kept as is, queued for review; status 'open', 'kept',
    'replaced'.
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import sqlite_utils

from qualcode import __version__
from qualcode.errors import QualcodeError, did_you_mean

DB_NAME = "qualcode.db"
PROJECT_ENV = "QUALCODE_PROJECT"
BUSY_TIMEOUT_S = 30


def now() -> str:
    """The current UTC time as ISO 8601 with seconds, as stored everywhere."""
    return datetime.now(UTC).isoformat(timespec="seconds")


_V1 = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE transcripts (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    source_name TEXT NOT NULL,
    source_hash TEXT NOT NULL,
    format TEXT NOT NULL,
    encoding TEXT NOT NULL,
    text TEXT NOT NULL,
    attributes TEXT NOT NULL DEFAULT '{}',
    anonymized INTEGER NOT NULL DEFAULT 1,
    imported_at TEXT NOT NULL
);
CREATE UNIQUE INDEX transcripts_source_hash ON transcripts(source_hash);
CREATE TABLE segments (
    id INTEGER PRIMARY KEY,
    transcript_id TEXT NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE ON UPDATE CASCADE,
    ordinal INTEGER NOT NULL,
    turn INTEGER NOT NULL,
    part INTEGER NOT NULL DEFAULT 1,
    speaker TEXT,
    role TEXT NOT NULL CHECK (role IN ('interviewer', 'participant')),
    text TEXT NOT NULL,
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    timestamp TEXT,
    UNIQUE (transcript_id, ordinal)
);
CREATE TABLE codebook_versions (
    version INTEGER PRIMARY KEY,
    codebook_id TEXT NOT NULL,
    title TEXT NOT NULL,
    declared_version INTEGER NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    content_hash TEXT NOT NULL,
    change TEXT NOT NULL,
    created_at TEXT NOT NULL
);
CREATE TABLE code_groups (
    id TEXT PRIMARY KEY,
    label TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    exclusive INTEGER NOT NULL DEFAULT 0,
    position INTEGER NOT NULL
);
CREATE TABLE codes (
    id TEXT PRIMARY KEY,
    group_id TEXT NOT NULL REFERENCES code_groups(id) ON UPDATE CASCADE,
    parent_id TEXT REFERENCES codes(id) ON UPDATE CASCADE,
    name TEXT NOT NULL,
    label TEXT NOT NULL,
    definition TEXT NOT NULL DEFAULT '',
    use_when TEXT NOT NULL DEFAULT '',
    do_not_use_when TEXT NOT NULL DEFAULT '',
    examples TEXT NOT NULL DEFAULT '[]',
    keywords TEXT NOT NULL DEFAULT '[]',
    shortcut TEXT,
    colour TEXT,
    position INTEGER NOT NULL
);
CREATE TABLE codings (
    id INTEGER PRIMARY KEY,
    segment_id INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
    code_id TEXT NOT NULL REFERENCES codes(id) ON UPDATE CASCADE,
    coder TEXT NOT NULL,
    span_start INTEGER,
    span_end INTEGER,
    memo TEXT,
    provenance TEXT NOT NULL
        CHECK (provenance IN ('manual', 'suggestion', 'imported', 'consensus')),
    confidence REAL,
    codebook_version INTEGER NOT NULL,
    created_at TEXT NOT NULL,
    CHECK ((span_start IS NULL) = (span_end IS NULL)),
    CHECK (span_start IS NULL OR (0 <= span_start AND span_start < span_end))
);
CREATE UNIQUE INDEX codings_unique
    ON codings(segment_id, code_id, coder, ifnull(span_start, -1), ifnull(span_end, -1));
CREATE INDEX codings_coder ON codings(coder, segment_id);
CREATE INDEX codings_code ON codings(code_id);
CREATE TABLE reviews (
    segment_id INTEGER NOT NULL REFERENCES segments(id) ON DELETE CASCADE,
    coder TEXT NOT NULL,
    reviewed_at TEXT NOT NULL,
    PRIMARY KEY (segment_id, coder)
);
CREATE INDEX reviews_coder ON reviews(coder);
CREATE TABLE memos (
    id INTEGER PRIMARY KEY,
    coder TEXT NOT NULL,
    target TEXT NOT NULL CHECK (target IN ('project', 'transcript', 'segment', 'code')),
    target_id TEXT,
    text TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE INDEX memos_target ON memos(target, target_id);
CREATE TABLE assignments (
    coder TEXT NOT NULL,
    transcript_id TEXT NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE ON UPDATE CASCADE,
    overlap INTEGER NOT NULL DEFAULT 0,
    assigned_at TEXT NOT NULL,
    PRIMARY KEY (coder, transcript_id)
);
CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    coder TEXT,
    action TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    undoes INTEGER REFERENCES events(id)
);
CREATE INDEX events_coder ON events(coder, id);
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
    BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
CREATE TABLE pseudonyms (
    id INTEGER PRIMARY KEY,
    kind TEXT NOT NULL,
    number INTEGER NOT NULL,
    label TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    UNIQUE (kind, number)
);
CREATE TABLE pseudonym_digests (
    digest TEXT PRIMARY KEY,
    pseudonym_id INTEGER NOT NULL REFERENCES pseudonyms(id)
);
CREATE TABLE replacements (
    id INTEGER PRIMARY KEY,
    transcript_id TEXT NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE ON UPDATE CASCADE,
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    label TEXT NOT NULL,
    kind TEXT NOT NULL,
    detector TEXT NOT NULL,
    confidence REAL NOT NULL,
    status TEXT NOT NULL DEFAULT 'applied'
);
CREATE INDEX replacements_transcript ON replacements(transcript_id, char_start);
CREATE TABLE anonymization_candidates (
    id INTEGER PRIMARY KEY,
    transcript_id TEXT NOT NULL REFERENCES transcripts(id) ON DELETE CASCADE ON UPDATE CASCADE,
    char_start INTEGER NOT NULL,
    char_end INTEGER NOT NULL,
    kind TEXT NOT NULL,
    reason TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open'
);
CREATE INDEX candidates_transcript ON anonymization_candidates(transcript_id, char_start);
"""


def _migrate_to_v1(db: sqlite_utils.Database) -> None:
    for statement in _statements(_V1):
        db.execute(statement)
    db["segments"].enable_fts(["text"], create_triggers=True, tokenize="porter unicode61")
    db["meta"].insert_all(
        [
            {"key": "project_id", "value": str(uuid.uuid4())},
            {"key": "created_at", "value": now()},
            {"key": "qualcode_version", "value": __version__},
        ]
    )


def _statements(script: str) -> Iterator[str]:
    """Split a schema script into complete statements (triggers contain semicolons)."""
    buffer = ""
    for line in script.splitlines(keepends=True):
        buffer += line
        if sqlite3.complete_statement(buffer):
            yield buffer.strip()
            buffer = ""


MIGRATIONS: list[Callable[[sqlite_utils.Database], None]] = [_migrate_to_v1]
SCHEMA_VERSION = len(MIGRATIONS)


@dataclass
class Transcript:
    id: str
    title: str
    source_name: str
    source_hash: str
    format: str
    encoding: str
    text: str
    attributes: dict[str, str]
    anonymized: bool
    imported_at: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Transcript:
        return cls(**{**row, "attributes": json.loads(row["attributes"]),
                      "anonymized": bool(row["anonymized"])})


@dataclass
class Segment:
    id: int
    transcript_id: str
    ordinal: int
    turn: int
    part: int
    speaker: str | None
    role: str
    text: str
    char_start: int
    char_end: int
    timestamp: str | None

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> Segment:
        return cls(**row)


class Project:
    """An open project: its folder, and the SQLite database inside it."""

    def __init__(self, folder: Path, db: sqlite_utils.Database):
        self.folder = folder
        self.db = db

    @property
    def db_path(self) -> Path:
        return self.folder / DB_NAME

    @classmethod
    def create(cls, folder: Path) -> Project:
        """Make a new, empty project in `folder` (created if missing)."""
        folder = Path(folder)
        if (folder / DB_NAME).exists():
            raise QualcodeError(f"{folder / DB_NAME} already exists: this is a project already")
        if folder.exists() and not folder.is_dir():
            raise QualcodeError(f"{folder} exists and is not a folder")
        folder.mkdir(parents=True, exist_ok=True)
        return cls._connect(folder)

    @classmethod
    def open(cls, folder: Path) -> Project:
        """Open an existing project, migrating an older schema to the current one."""
        folder = Path(folder)
        if not (folder / DB_NAME).is_file():
            raise QualcodeError(
                f"{folder} is not a qualcode project (no {DB_NAME}); create one with "
                "`qualcode init`"
            )
        return cls._connect(folder)

    @classmethod
    def _connect(cls, folder: Path) -> Project:
        try:
            conn = sqlite3.connect(
                folder / DB_NAME, timeout=BUSY_TIMEOUT_S, isolation_level=None,
                check_same_thread=False,
            )
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.DatabaseError as e:
            raise QualcodeError(f"{folder / DB_NAME} cannot be opened as a database: {e}") from e
        project = cls(folder, sqlite_utils.Database(conn))
        project._migrate()
        return project

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            raise QualcodeError(
                f"{self.db_path} has schema version {version}, newer than this qualcode "
                f"understands ({SCHEMA_VERSION}); upgrade qualcode to open it"
            )
        while version < SCHEMA_VERSION:
            with self.transaction():
                if self.db.execute("PRAGMA user_version").fetchone()[0] != version:
                    break  # another process migrated it meanwhile
                MIGRATIONS[version](self.db)
                version += 1
                self.db.execute(f"PRAGMA user_version = {version}")

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> Project:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[sqlite_utils.Database]:
        """One write transaction: everything inside lands together or not at all.

        Starts with BEGIN IMMEDIATE so that two coders writing at once queue on the busy
        timeout instead of failing with "database is locked". Nested calls, and sqlite-utils'
        own `atomic()` blocks inside, become savepoints of the outer transaction.
        """
        if self.db.conn.in_transaction:
            with self.db.atomic():
                yield self.db
            return
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.rollback()
            raise
        else:
            self.db.execute("COMMIT")

    def log(self, action: str, payload: dict[str, Any], coder: str | None = None,
            undoes: int | None = None) -> int:
        """Append one event to the log; call it inside the transaction that made the change."""
        cursor = self.db.execute(
            "INSERT INTO events (at, coder, action, payload, undoes) VALUES (?, ?, ?, ?, ?)",
            [now(), coder, action, json.dumps(payload, ensure_ascii=False), undoes],
        )
        return cursor.lastrowid

    def meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", [key]).fetchone()
        return row[0] if row else None

    @property
    def project_id(self) -> str:
        return self.meta("project_id")

    @property
    def codebook_version(self) -> int:
        """The codebook version in force (0 before any codebook is installed)."""
        query = "SELECT ifnull(max(version), 0) FROM codebook_versions"
        return self.db.execute(query).fetchone()[0]

    def transcript_ids(self) -> list[str]:
        return [row[0] for row in self.db.execute("SELECT id FROM transcripts ORDER BY id")]

    def transcript(self, ref: str) -> Transcript:
        """The transcript named by `ref`: its id, or a prefix of exactly one id."""
        return Transcript.from_row(self._transcript_row(resolve_transcript_id(self, ref)))

    def _transcript_row(self, transcript_id: str) -> dict[str, Any]:
        return next(self.db["transcripts"].rows_where("id = ?", [transcript_id]))

    def segments(self, transcript_id: str) -> list[Segment]:
        return [
            Segment.from_row(row)
            for row in self.db["segments"].rows_where(
                "transcript_id = ?", [transcript_id], order_by="ordinal"
            )
        ]

    def segment(self, transcript_id: str, ordinal: int) -> Segment:
        """Segment number `ordinal` (from 1) of a transcript."""
        rows = list(self.db["segments"].rows_where(
            "transcript_id = ? AND ordinal = ?", [transcript_id, ordinal]
        ))
        if not rows:
            count = self.db.execute(
                "SELECT count(*) FROM segments WHERE transcript_id = ?", [transcript_id]
            ).fetchone()[0]
            raise QualcodeError(
                f"transcript {transcript_id} has no segment {ordinal} (it has 1 to {count})"
            )
        return Segment.from_row(rows[0])


def resolve_transcript_id(project: Project, ref: str) -> str:
    """Turn what a user typed into a transcript id: exact id, else a unique prefix."""
    ids = project.transcript_ids()
    if ref in ids:
        return ref
    matches = [i for i in ids if i.startswith(ref)]
    if len(matches) == 1:
        return matches[0]
    if matches:
        raise QualcodeError(f"transcript {ref!r} is ambiguous: {', '.join(matches[:5])}")
    hint = did_you_mean(ref, {i: i for i in ids})
    raise QualcodeError(f"no transcript {ref!r} in this project{hint}")


def find_project(explicit: Path | None = None, start: Path | None = None) -> Path:
    """The project folder: `--project`, then $QUALCODE_PROJECT, then walking up from `start`
    (the current directory) to a folder holding qualcode.db, as git finds `.git`."""
    if explicit is not None:
        return Path(explicit)
    if os.environ.get(PROJECT_ENV):
        return Path(os.environ[PROJECT_ENV])
    here = (start or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / DB_NAME).is_file():
            return folder
    raise QualcodeError(
        f"no qualcode project here: give --project FOLDER, set {PROJECT_ENV}, or run "
        "`qualcode init FOLDER`"
    )


def open_project(explicit: Path | None = None) -> Project:
    """Find and open the project the user means."""
    return Project.open(find_project(explicit))
