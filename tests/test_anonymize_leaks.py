"""No original name leaves the anonymizer: the sample interviews are imported with their
roster, coded and exported, then the raw bytes of the database, its write-ahead log, every
export and every command's output are searched for each identifying string in
tests/data/sample_identifiers.yaml."""

from __future__ import annotations

import csv
import re
import sqlite3
import stat
import zipfile
from pathlib import Path

import pytest
import yaml

from qualcode.anonymize.lexicon import ORG_SUFFIXES, PROJECT_WORDS, TITLES, common_words
from qualcode.anonymize.text import lowercase_vocabulary
from qualcode.parsers import FORMATS, parse_file

ROOT = Path(__file__).resolve().parent.parent
INTERVIEWS = ROOT / "interviews"
IDENTIFIERS = Path(__file__).parent / "data" / "sample_identifiers.yaml"
KEPT_TYPES = ("must_survive",)


def identifiers() -> list[str]:
    data = yaml.safe_load(IDENTIFIERS.read_text(encoding="utf-8"))
    return sorted({s for kind, items in data.items() if kind not in KEPT_TYPES for s in items})


def needles(identifier: str, ordinary: set[str]) -> set[re.Pattern]:
    """Patterns that would betray an identifier: the string as written; in lower case, as a
    whole (the full-text index stores lower-case words); and each distinctive word of it on
    its own, as a whole word: "Okoro", but neither the "Institute" of "Tidewell Institute"
    nor a word the interviews use in lower case elsewhere ("compute")."""
    forms = {re.escape(identifier), rf"(?<!\w){re.escape(identifier.lower())}(?!\w)"}
    if "@" not in identifier and "/" not in identifier and not any(c.isdigit()
                                                                  for c in identifier):
        generic = common_words() | ORG_SUFFIXES | PROJECT_WORDS | TITLES | ordinary
        for word in re.findall(r"[^\W\d_][\w'\u2019-]*", identifier):
            word = re.sub(r"['\u2019]s$", "", word)
            if len(word) >= 4 and word.lower() not in generic:
                forms |= {rf"(?<!\w){re.escape(w)}(?!\w)" for w in (word, word.lower())}
    return {re.compile(f.encode("utf-8")) for f in forms}


def ordinary_words() -> set[str]:
    """Words the sample interviews use in lower case: not names, wherever they appear."""
    texts = [" ".join(t.text for t in parse_file(p).turns) for p in sorted(INTERVIEWS.iterdir())
             if p.suffix in FORMATS and p.stem.lower() != "readme"]
    return lowercase_vocabulary(texts)


def leaks(blobs: dict[str, bytes]) -> list[tuple[str, str]]:
    found = []
    ordinary = ordinary_words()
    for identifier in identifiers():
        for needle in needles(identifier, ordinary):
            found += [(identifier, name) for name, blob in blobs.items() if needle.search(blob)]
    return found


def without_memos(source: Path, target: Path) -> Path:
    """The sample codings with the memo column emptied (see the test below for why)."""
    with source.open(newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with target.open("w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({**row, "memo": ""} for row in rows)
    return target


@pytest.mark.skipif(not (INTERVIEWS / "roster.yaml").is_file(), reason="no sample interviews")
@pytest.mark.parametrize("memos", [False, True])  # the sample memos name an organization
def test_no_original_name_in_database_wal_exports_or_output(cli, tmp_path, memos):
    folder, key = tmp_path / "study", tmp_path / "outside" / "key.csv"
    key.parent.mkdir()
    codings = INTERVIEWS / "codings.csv" if memos else without_memos(
        INTERVIEWS / "codings.csv", tmp_path / "codings.csv")
    outputs: dict[str, bytes] = {}

    def run(*args: str) -> None:
        result = cli(*args, "--project", folder) if args[0] != "init" else cli(*args)
        assert result.exit_code == 0, result.output
        outputs[" ".join(map(str, args))] = (result.stdout + result.stderr).encode("utf-8")

    run("init", folder)
    # a reader keeps the write-ahead log from being checkpointed away, so it can be read too
    reader = sqlite3.connect(folder / "qualcode.db")
    reader.execute("SELECT count(*) FROM meta").fetchone()
    try:
        run("import", INTERVIEWS, "--roster", INTERVIEWS / "roster.yaml", "--key", key)
        run("codings", "import", codings)
        exports = tmp_path / "exports"
        exports.mkdir()
        run("export", "csv", exports / "codings.csv")
        run("export", "jsonl", exports / "codings.jsonl")
        run("export", "qdc", exports / "codebook.qdc")
        run("export", "qdpx", exports / "project.qdpx")
        run("report", "html", exports / "report.html")
        run("transcripts")
        run("show", "p01")
        run("anonymize", "review", "--report")
        run("anonymize", "review", "p01", "--json")
        blobs = {p.name: p.read_bytes() for p in folder.iterdir() if p.is_file()}
        assert "qualcode.db-wal" in blobs
    finally:
        reader.close()
    for path in exports.iterdir():
        blobs[path.name] = path.read_bytes()
        if zipfile.is_zipfile(path):
            with zipfile.ZipFile(path) as archive:
                blobs.update({f"{path.name}:{n}": archive.read(n) for n in archive.namelist()})
    blobs.update(outputs)

    assert leaks(blobs) == []
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert "Halvard Brennick" in key.read_text(encoding="utf-8")


def test_the_scan_would_see_a_leak():
    assert leaks({"file": "… talked to Halvard about it".encode()}) != []
