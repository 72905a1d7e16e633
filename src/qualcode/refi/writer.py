"""Writing `.qdc` (codebook) and `.qdpx` (project) files.

A `.qdpx` holds `project.qde` and `sources/<guid>.txt`: each transcript's stored
(anonymized) text, byte for byte as UTF-8 without BOM, so selection positions are plain
offsets into it (segment start + span). One `PlainTextSelection` per (coder, span), with the
coder on the selection and on each of its `Coding`s; memos are `Note`s; transcript
attributes are variables of one `Case` per transcript. GUIDs are uuid5 of the project id and
an entity key, so two exports of the same project agree. Files are built with lxml and
appear only when complete.
"""

from __future__ import annotations

import json
import math
import os
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from functools import partial
from pathlib import Path
from typing import Any

from lxml import etree

from qualcode import __version__
from qualcode.codebook import Codebook, project_codebook
from qualcode.errors import QualcodeError
from qualcode.refi.codes import code_elements
from qualcode.refi.xml import CODEBOOK_NS, PROJECT_NS, element, guid, to_bytes
from qualcode.store import Project

ORIGIN = f"qualcode {__version__}"
NOT_CARRIED = ("speaker labels and roles, segment boundaries, coding provenance and "
               "suggestion confidence, reviews and assignments have no place in REFI-QDA "
               "and are left out")
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip member dates: the same project gives the same file


@dataclass
class ExportSummary:
    path: Path
    codes: int = 0
    sources: int = 0
    selections: int = 0
    codings: int = 0
    notes: int = 0
    users: int = 0
    variables: int = 0
    warnings: list[str] = field(default_factory=list)


def _datetime(value: str | None) -> str | None:
    """An xsd:dateTime (with the `T`), or None for what does not parse."""
    try:
        return datetime.fromisoformat(value).isoformat() if value else None
    except ValueError:
        return None


def _write_atomically(path: Path, members: list[tuple[str, bytes]]) -> None:
    path = Path(path)
    if not path.parent.is_dir():
        raise QualcodeError(f"{path.parent} is not a folder")
    partial_path = path.with_name(path.name + ".part")
    try:
        if len(members) == 1 and members[0][0] == "":
            partial_path.write_bytes(members[0][1])
        else:
            with zipfile.ZipFile(partial_path, "w", zipfile.ZIP_DEFLATED) as archive:
                for name, data in members:
                    info = zipfile.ZipInfo(name, _FIXED_TIME)
                    info.compress_type = zipfile.ZIP_DEFLATED
                    archive.writestr(info, data)
        os.replace(partial_path, path)
    finally:
        partial_path.unlink(missing_ok=True)


def codebook_document(codebook: Codebook, project_id: str) -> etree._Element:
    """The `<CodeBook>` root of a `.qdc` file."""
    root = element(None, CODEBOOK_NS, "CodeBook", origin=ORIGIN)
    code_elements(element(root, CODEBOOK_NS, "Codes"), CODEBOOK_NS, codebook,
                  partial(guid, project_id))
    return root


def export_qdc(project: Project, path: Path) -> ExportSummary:
    """Write the project's codebook as a `.qdc` file."""
    codebook = project_codebook(project)
    _write_atomically(path, [("", to_bytes(codebook_document(codebook, project.project_id)))])
    return ExportSummary(Path(path), codes=len(codebook.codes))


# -- the project -------------------------------------------------------------------------------

def _variable_type(values: list[Any]) -> str:
    present = [v for v in values if v is not None]
    numbers = [v for v in present if isinstance(v, (int, float)) and not isinstance(v, bool)]
    if present and all(isinstance(v, bool) for v in present):
        return "Boolean"
    if present and len(numbers) == len(present):
        if all(isinstance(v, int) for v in numbers):
            return "Integer"
        if all(math.isfinite(v) for v in numbers):
            return "Float"
    return "Text"


def _value(parent: etree._Element, kind: str, value: Any) -> None:
    if value is None:
        return
    if kind == "Boolean":
        element(parent, PROJECT_NS, "BooleanValue", "true" if value else "false")
    elif kind == "Integer":
        element(parent, PROJECT_NS, "IntegerValue", str(value))
    elif kind == "Float":
        element(parent, PROJECT_NS, "FloatValue", format(Decimal(repr(float(value))), "f"))
    else:
        text = json.dumps(value, ensure_ascii=False) if isinstance(value, (dict, list)) \
            else ("true" if value is True else "false" if value is False else str(value))
        element(parent, PROJECT_NS, "TextValue", text)


@dataclass
class _Note:
    guid: str
    name: str
    coder: str
    text: str
    created: str | None
    modified: str | None


class _ProjectWriter:
    """Builds `project.qde` and the source files for one project."""

    def __init__(self, project: Project):
        self.project = project
        self.guid = partial(guid, project.project_id)
        self.codebook = project_codebook(project)
        self.summary = ExportSummary(Path())
        self.notes: list[_Note] = []

    def user(self, coder: str) -> str:
        return self.guid(f"user:{coder}")

    def note(self, key: str, name: str, coder: str, text: str, created: str | None,
             modified: str | None) -> str:
        found = _Note(self.guid(f"note:{key}"), name, coder, text, _datetime(created),
                      _datetime(modified))
        self.notes.append(found)
        return found.guid

    def build(self) -> tuple[bytes, list[tuple[str, bytes]]]:
        db = self.project.db
        transcripts = list(db["transcripts"].rows_where(
            select="id, text, attributes, anonymized, imported_at", order_by="id"))
        coders = sorted({r[0] for r in db.execute(
            "SELECT coder FROM codings UNION SELECT coder FROM memos")})
        memos = self.memo_refs(transcripts)
        root = element(None, PROJECT_NS, "Project", name=self.project.folder.name,
                       origin=ORIGIN,
                       creationDateTime=_datetime(self.project.meta("created_at")))
        if coders:
            users = element(root, PROJECT_NS, "Users")
            for coder in coders:
                element(users, PROJECT_NS, "User", guid=self.user(coder), name=coder)
        codes = element(element(root, PROJECT_NS, "CodeBook"), PROJECT_NS, "Codes")
        code_elements(codes, PROJECT_NS, self.codebook, self.guid, memos["code"])
        self.cases(root, transcripts)
        files = []
        if transcripts:
            sources = element(root, PROJECT_NS, "Sources")
            for transcript in transcripts:
                files.append(self.source(sources, transcript, memos))
        if self.notes:
            notes = element(root, PROJECT_NS, "Notes")
            for n in self.notes:
                node = element(notes, PROJECT_NS, "Note", guid=n.guid, name=n.name,
                               creatingUser=self.user(n.coder), creationDateTime=n.created,
                               modifiedDateTime=n.modified)
                element(node, PROJECT_NS, "PlainTextContent", n.text)
        for ref in memos["project"].get(None, []):
            element(root, PROJECT_NS, "NoteRef", targetGUID=ref)
        anonymized = sum(not t["anonymized"] for t in transcripts)
        if anonymized:
            self.summary.warnings.append(
                f"{anonymized} transcripts were imported without anonymization: their text "
                "is exported as stored")
        self.summary.warnings.append(NOT_CARRIED)
        s = self.summary
        s.codes, s.sources, s.notes, s.users = (len(self.codebook.codes), len(transcripts),
                                                len(self.notes), len(coders))
        return to_bytes(root), files

    def memo_refs(self, transcripts: list[dict]) -> dict[str, dict[Any, list]]:
        """Notes for every memo, by target kind and target: project (key None), transcript
        id, code id, coding (added later) and segment (selections of their own)."""
        refs: dict[str, dict[Any, list]] = {k: defaultdict(list)
                                           for k in ("project", "transcript", "code", "segment")}
        known = {"transcript": {t["id"] for t in transcripts},
                 "code": {c.id for c in self.codebook.codes}}
        segments = {str(r[0]): r[1:] for r in self.project.db.execute(
            "SELECT id, transcript_id, char_start, char_end FROM segments "
            "WHERE id IN (SELECT target_id FROM memos WHERE target = 'segment')")}
        for mid, coder, target, target_id, text, created, updated in self.project.db.execute(
                "SELECT id, coder, target, target_id, text, created_at, updated_at FROM memos "
                "ORDER BY id"):
            name = f"Memo by {coder} on {target}" + (f" {target_id}" if target_id else "")
            if target == "segment" and target_id in segments:
                tid, start, end = segments[target_id]
                note = self.note(f"memo:{mid}", name, coder, text, created, updated)
                refs["segment"][tid].append((start, end, coder, f"memo:{mid}", note, created))
            elif target == "project" or target_id in known.get(target, ()):
                note = self.note(f"memo:{mid}", name, coder, text, created, updated)
                refs[target][None if target == "project" else target_id].append(note)
            else:
                self.summary.warnings.append(f"memo {mid} is on a {target} that no longer "
                                             "exists: left out")
        return refs

    def cases(self, root: etree._Element, transcripts: list[dict]) -> None:
        values = {t["id"]: json.loads(t["attributes"]) for t in transcripts}
        names = sorted({name for attrs in values.values() for name in attrs})
        if not names:
            return
        kinds = {n: _variable_type([a.get(n) for a in values.values()]) for n in names}
        variables = element(root, PROJECT_NS, "Variables")
        for name in names:
            element(variables, PROJECT_NS, "Variable", guid=self.guid(f"variable:{name}"),
                    name=name, typeOfVariable=kinds[name])
        cases = element(root, PROJECT_NS, "Cases")
        for tid, attrs in values.items():
            if not attrs:
                continue
            case = element(cases, PROJECT_NS, "Case", guid=self.guid(f"case:{tid}"), name=tid)
            for name in sorted(attrs):
                item = element(case, PROJECT_NS, "VariableValue")
                element(item, PROJECT_NS, "VariableRef", targetGUID=self.guid(f"variable:{name}"))
                _value(item, kinds[name], attrs[name])
            element(case, PROJECT_NS, "SourceRef", targetGUID=self.guid(f"source:{tid}"))
        self.summary.variables = len(names)

    def source(self, parent: etree._Element, transcript: dict, memos: dict
               ) -> tuple[str, bytes]:
        tid, text = transcript["id"], transcript["text"]
        source_guid = self.guid(f"source:{tid}")
        node = element(parent, PROJECT_NS, "TextSource", guid=source_guid, name=tid,
                       plainTextPath=f"internal://{source_guid}.txt",
                       creationDateTime=_datetime(transcript["imported_at"]))
        selections: dict[tuple[int, int, str], list] = defaultdict(list)
        for start, end, coder, code, memo, created in self.project.db.execute(
            "SELECT s.char_start + ifnull(c.span_start, 0), "
            "ifnull(s.char_start + c.span_end, s.char_end), c.coder, c.code_id, c.memo, "
            "c.created_at FROM codings c JOIN segments s ON s.id = c.segment_id "
            "JOIN codes k ON k.id = c.code_id WHERE s.transcript_id = ? "
            "ORDER BY k.position", [tid],
        ):
            selections[start, end, coder].append((code, memo, created))
        for start, end, coder in sorted(selections):
            self.selection(node, text, start, end, coder, f"{tid}:{start}:{end}:{coder}",
                           selections[start, end, coder])
        for start, end, coder, key, note, created in memos["segment"].get(tid, []):
            self.selection(node, text, start, end, coder, key, [], (note, created))
        for ref in memos["transcript"].get(tid, []):
            element(node, PROJECT_NS, "NoteRef", targetGUID=ref)
        return f"sources/{source_guid}.txt", text.encode("utf-8")

    def selection(self, source: etree._Element, text: str, start: int, end: int,
                  coder: str, key: str, codings: list[tuple], memo: tuple | None = None
                  ) -> None:
        """One selection: a coder's codings of a span, or (kept apart) a segment memo."""
        created = [c for _, _, c in codings] + ([memo[1]] if memo else [])
        node = element(source, PROJECT_NS, "PlainTextSelection",
                       guid=self.guid(f"selection:{key}"), name=text[start:end],
                       startPosition=str(start), endPosition=str(end),
                       creatingUser=self.user(coder), creationDateTime=_datetime(min(created)))
        for code, note_text, when in codings:
            coding = element(node, PROJECT_NS, "Coding", guid=self.guid(f"coding:{key}:{code}"),
                             creatingUser=self.user(coder), creationDateTime=_datetime(when))
            element(coding, PROJECT_NS, "CodeRef", targetGUID=self.guid(f"code:{code}"))
            if note_text:
                ref = self.note(f"coding:{key}:{code}", f"Memo by {coder} on {code}", coder,
                                note_text, when, when)
                element(coding, PROJECT_NS, "NoteRef", targetGUID=ref)
            self.summary.codings += 1
        if memo:
            element(node, PROJECT_NS, "NoteRef", targetGUID=memo[0])
        self.summary.selections += 1


def export_qdpx(project: Project, path: Path) -> ExportSummary:
    """Write the whole project as a `.qdpx` archive; the summary says what was left out."""
    writer = _ProjectWriter(project)
    document, files = writer.build()
    _write_atomically(path, [("project.qde", document), *files])
    writer.summary.path = Path(path)
    return writer.summary
