"""Consistent pseudonyms without stored names: keyed hashes, the secret, and the key file.

Each name is remembered in the project only as HMAC-SHA256(secret, normalized form), in
`pseudonym_digests`, pointing to its pseudonym. The secret is 32 random bytes kept outside
the database, in the user's config folder ($XDG_CONFIG_HOME/qualcode/secrets/, else
~/.config/qualcode/secrets/, file mode 0600), one per project. The same name imported later,
in any transcript, hashes to the same digest and so gets the same pseudonym; the database
alone cannot tell which names it has seen.

The key file (`--key FILE`) is the only place originals are written: a CSV of pseudonym,
kind and original, mode 0600, merged with what the file already holds.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import io
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from qualcode.anonymize.spans import NUMBERED_KINDS
from qualcode.errors import QualcodeError
from qualcode.store import Project, now

PARTICIPANT = "PARTICIPANT"  # kind of the P01-style speaker codes
LABEL = re.compile(r"\[(?P<kind>[A-Z]+)(?:_(?P<number>\d+))?\]|P(?P<participant>\d{2,})")


def config_folder() -> Path:
    """qualcode's folder in the user's configuration ($XDG_CONFIG_HOME/qualcode)."""
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "qualcode"


def secret_path(project_id: str) -> Path:
    return config_folder() / "secrets" / f"{project_id}.secret"


def project_secret(project: Project) -> bytes:
    """The project's HMAC secret, created on first use. A project that already holds
    digests but whose secret is missing is refused: a new secret would silently give every
    known name a new pseudonym."""
    path = secret_path(project.project_id)
    if path.is_file():
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    if project.db.execute("SELECT count(*) FROM pseudonym_digests").fetchone()[0]:
        raise QualcodeError(
            f"this project's anonymization secret is missing ({path}); copy that file from "
            "the computer that imported its transcripts, so that names keep their pseudonyms"
        )
    secret = secrets.token_bytes(32)
    write_private(path, secret.hex() + "\n")
    return secret


def write_private(path: Path, text: str) -> None:
    """Write `text` to `path` readable by the owner only (folders 0700, file 0600), replacing
    it atomically."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise


def label_text(kind: str, number: int | None) -> str:
    if kind == PARTICIPANT:
        return f"P{number:02d}"
    return f"[{kind}_{number}]" if kind in NUMBERED_KINDS else f"[{kind}]"


@dataclass
class Pseudonym:
    kind: str
    number: int
    label: str


@dataclass
class PseudonymTable:
    """Pseudonyms and digests: those in the project, and those made since, not yet saved.

    `project` None gives a table that lives in memory only (a dry run, the benchmarks).
    """

    project: Project | None
    secret: bytes
    pending: dict[str, Pseudonym] = field(default_factory=dict)  # label -> new pseudonym
    pending_digests: dict[str, str] = field(default_factory=dict)  # digest -> label
    _numbers: dict[str, int] = field(default_factory=dict)
    _cache: dict[str, tuple[str, str] | None] = field(default_factory=dict)

    @classmethod
    def for_project(cls, project: Project) -> PseudonymTable:
        return cls(project, project_secret(project))

    @classmethod
    def in_memory(cls) -> PseudonymTable:
        return cls(None, secrets.token_bytes(32))

    def digest(self, normalized: str, namespace: str = "name") -> str:
        message = f"{namespace}\x00{normalized}".encode()
        return hmac.new(self.secret, message, hashlib.sha256).hexdigest()

    def find(self, normalized: str, namespace: str = "name") -> tuple[str, str] | None:
        """(kind, label) of the pseudonym a normalized surface already has, or None."""
        key = f"{namespace}\x00{normalized}"
        if key in self._cache:
            return self._cache[key]
        digest = self.digest(normalized, namespace)
        found = None
        if digest in self.pending_digests:
            label = self.pending_digests[digest]
            found = (self.pending[label].kind, label) if label in self.pending else (
                self._kind_of(label), label)
        elif self.project is not None:
            row = self.project.db.execute(
                "SELECT p.kind, p.label FROM pseudonym_digests d JOIN pseudonyms p "
                "ON p.id = d.pseudonym_id WHERE d.digest = ?", [digest]).fetchone()
            found = (row[0], row[1]) if row else None
        self._cache[key] = found  # `remember` overwrites a miss
        return found

    def new(self, kind: str) -> str:
        """A fresh pseudonym of `kind`, numbered after every one the project has."""
        if kind not in self._numbers:
            self._numbers[kind] = self._stored_max(kind)
        self._numbers[kind] += 1
        number = self._numbers[kind]
        label = label_text(kind, number)
        self.pending[label] = Pseudonym(kind, number, label)
        return label

    def remember(self, label: str, surfaces: list[str], namespace: str = "name") -> None:
        """Point the digests of `surfaces` (normalized) at `label`, where they point nowhere
        yet: the first name to claim a surface keeps it."""
        for surface in surfaces:
            if surface and self.find(surface, namespace) is None:
                self.pending_digests[self.digest(surface, namespace)] = label
                self._cache[f"{namespace}\x00{surface}"] = (self._kind_of(label), label)

    def save(self) -> None:
        """Write the pending pseudonyms and digests (inside the caller's transaction)."""
        if self.project is None:
            return
        db = self.project.db
        for p in self.pending.values():
            db.execute("INSERT OR IGNORE INTO pseudonyms (kind, number, label, created_at) "
                       "VALUES (?, ?, ?, ?)", [p.kind, p.number, p.label, now()])
        ids = {label: i for i, label in db.execute("SELECT id, label FROM pseudonyms")}
        db.conn.executemany(
            "INSERT OR IGNORE INTO pseudonym_digests (digest, pseudonym_id) VALUES (?, ?)",
            [(digest, ids[label]) for digest, label in self.pending_digests.items()])

    def _stored_max(self, kind: str) -> int:
        if self.project is None:
            return 0
        return self.project.db.execute(
            "SELECT ifnull(max(number), 0) FROM pseudonyms WHERE kind = ?", [kind]).fetchone()[0]

    def _kind_of(self, label: str) -> str:
        if label in self.pending:
            return self.pending[label].kind
        m = LABEL.fullmatch(label)
        return PARTICIPANT if m and m.group("participant") else m.group("kind") if m else ""


def write_key(path: Path, originals: dict[str, tuple[str, set[str]]]) -> None:
    """Merge `originals` ({label: (kind, original surfaces)}) into the key file at `path`
    (a CSV: label, kind, original), which is (re)written with mode 0600."""
    rows: set[tuple[str, str, str]] = set()
    if path.is_file():
        with path.open(newline="", encoding="utf-8") as f:
            reader = csv.reader(f)
            header = next(reader, None)
            if header != ["label", "kind", "original"]:
                raise QualcodeError(f"{path} is not a qualcode key file (its first line should "
                                    "be label,kind,original); give another --key file")
            rows = {tuple(row) for row in reader if len(row) == 3}
    for label, (kind, surfaces) in originals.items():
        rows |= {(label, kind, surface) for surface in surfaces}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["label", "kind", "original"])
    writer.writerows(sorted(rows, key=_key_order))
    write_private(path, buffer.getvalue())


def read_key(path: Path) -> dict[str, list[str]]:
    """{label: originals} from a key file."""
    if not path.is_file():
        raise QualcodeError(f"key file {path} does not exist")
    key: dict[str, list[str]] = {}
    with path.open(newline="", encoding="utf-8") as f:
        reader = csv.reader(f)
        if next(reader, None) != ["label", "kind", "original"]:
            raise QualcodeError(f"{path} is not a qualcode key file")
        for row in reader:
            if len(row) == 3:
                key.setdefault(row[0], []).append(row[2])
    return key


def _key_order(row: tuple[str, str, str]) -> tuple:
    m = LABEL.fullmatch(row[0])
    number = int(m.group("number") or m.group("participant") or 0) if m else 0
    return (row[1], number, row[0], row[2])
