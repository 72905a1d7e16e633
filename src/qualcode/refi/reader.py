"""Reading `.qdpx` and `.qdc` files safely and leniently into plain records.

Safe: nothing is extracted to disk (so no path can escape anywhere), members are read into
memory under size limits that count the bytes actually inflated (zip bombs stop at the
limit), sources outside the archive (`relative://`, `absolute://`) are never opened, and XML
goes through defusedxml. Lenient: the project XML may be `project.qde` or any one `*.qde`,
the folder `sources/` in any case, namespaces of any version; what cannot be read is noted
in `problems` and the rest still comes through.
"""

from __future__ import annotations

import codecs
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

from qualcode.errors import QualcodeError
from qualcode.refi.codes import RefiCode, read_codes
from qualcode.refi.xml import kid, kid_text, kids, local, norm_guid, parse

MAX_MEMBERS = 20_000
MAX_XML_BYTES = 256 * 2**20
MAX_SOURCE_BYTES = 64 * 2**20
MAX_TOTAL_BYTES = 2 * 2**30
SOURCE_KINDS = ("TextSource", "PDFSource", "PictureSource", "AudioSource", "VideoSource")


@dataclass
class RefiCoding:
    guid: str
    code: str | None  # CodeRef target GUID
    user: str | None
    created: str | None
    notes: list[str] = field(default_factory=list)


@dataclass
class RefiSelection:
    guid: str
    name: str | None
    start: int
    end: int
    user: str | None
    created: str | None
    description: str
    codings: list[RefiCoding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


@dataclass
class RefiSource:
    guid: str
    name: str
    text: str | None  # as in the file (BOM removed); None when it could not be read
    user: str | None
    created: str | None
    description: str
    selections: list[RefiSelection] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    variables: dict[str, Any] = field(default_factory=dict)  # Variable GUID -> value


@dataclass
class RefiNote:
    guid: str
    name: str
    user: str | None
    text: str
    created: str | None
    modified: str | None
    used: bool = False  # attached to something on import


@dataclass
class RefiCase:
    guid: str
    name: str | None
    variables: dict[str, Any]
    sources: list[str]


@dataclass
class RefiProject:
    name: str
    origin: str | None
    users: dict[str, str]  # GUID -> name
    codes: list[RefiCode]
    variables: dict[str, tuple[str, str]]  # GUID -> (name, type)
    cases: list[RefiCase]
    sources: list[RefiSource]
    notes: dict[str, RefiNote]
    links: list[tuple[str | None, str | None, list[str]]]  # origin, target, note GUIDs
    project_notes: list[str]
    problems: list[str] = field(default_factory=list)


class Archive:
    """An open `.qdpx`: its project XML and its internal files, read under limits."""

    def __init__(self, path: Path):
        self.path = Path(path)
        self.inflated = 0
        try:
            self.zip = zipfile.ZipFile(self.path)
        except FileNotFoundError:
            raise QualcodeError(f"{path}: no such file") from None
        except (zipfile.BadZipFile, OSError):
            raise QualcodeError(f"{path}: not a .qdpx file (not a ZIP archive)") from None
        infos = self.zip.infolist()
        if len(infos) > MAX_MEMBERS:
            raise QualcodeError(f"{path}: {len(infos)} files in the archive, more than the "
                                f"{MAX_MEMBERS} allowed")
        files = [i for i in infos if not i.is_dir()]
        top = [i for i in files if "/" not in i.filename.replace("\\", "/")]
        qde = [i for i in top if i.filename.lower() == "project.qde"] or \
            [i for i in top if i.filename.lower().endswith(".qde")]
        if len(qde) != 1:
            raise QualcodeError(f"{path}: expected one project.qde (or one *.qde) at the top "
                                f"of the archive, found {len(qde)}")
        self.qde = qde[0]
        self.internal: dict[str, zipfile.ZipInfo] = {}
        for info in files:
            folder, _, name = info.filename.replace("\\", "/").rpartition("/")
            if folder.lower() in ("sources", ""):
                self.internal.setdefault(name.lower(), info)

    def close(self) -> None:
        self.zip.close()

    def read(self, info: zipfile.ZipInfo, limit: int) -> bytes:
        """A member's bytes; refuses more than `limit` (or the archive total) inflated."""
        try:
            with self.zip.open(info) as stream:
                data = stream.read(min(limit, MAX_TOTAL_BYTES - self.inflated) + 1)
        except (zipfile.BadZipFile, NotImplementedError, RuntimeError, OSError) as e:
            raise QualcodeError(f"{self.path}: {info.filename!r} cannot be read "
                                f"({e.__class__.__name__})") from None
        self.inflated += len(data)
        if len(data) > limit or self.inflated > MAX_TOTAL_BYTES:
            raise QualcodeError(f"{self.path}: {info.filename!r} inflates beyond the size "
                                "limit; refused")
        return data

    def internal_file(self, name: str) -> bytes | None:
        """A file named by an `internal://` path, from `sources/` (any case); None if absent."""
        info = self.internal.get(name.lower())
        return None if info is None else self.read(info, MAX_SOURCE_BYTES)


def decode_text(data: bytes, problems: list[str], what: str) -> str:
    """UTF-8 (BOM removed) or UTF-16 with a BOM, without touching line endings."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        problems.append(f"{what} is not UTF-8: read as cp1252")
        return data.decode("cp1252", errors="replace")


def read_qdpx(path: Path) -> RefiProject:
    """Read a `.qdpx` archive."""
    archive = Archive(path)
    try:
        root = parse(archive.read(archive.qde, MAX_XML_BYTES), f"{path}: {archive.qde.filename}")
        if local(root) != "Project":
            raise QualcodeError(f"{path}: {archive.qde.filename} is not a REFI-QDA project "
                                f"(root element {local(root)!r})")
        return _project(root, archive)
    finally:
        archive.close()


def read_qdc(path: Path) -> tuple[list[RefiCode], list[str]]:
    """Read a `.qdc` codebook: its code tree and the problems met."""
    path = Path(path)
    try:
        size = path.stat().st_size
    except OSError:
        raise QualcodeError(f"{path}: no such file") from None
    if size > MAX_XML_BYTES:
        raise QualcodeError(f"{path}: larger than {MAX_XML_BYTES // 2**20} MiB; refused")
    root = parse(path.read_bytes(), str(path))
    if local(root) != "CodeBook":
        raise QualcodeError(f"{path}: not a REFI-QDA codebook (root element {local(root)!r})")
    problems: list[str] = []
    codes_node = kid(root, "Codes")
    codes = read_codes(codes_node, problems) if codes_node is not None else []
    if not codes:
        raise QualcodeError(f"{path}: the codebook has no codes")
    return codes, problems


def _inside(root: ElementTree.Element, container: str, tag: str | None
            ) -> list[ElementTree.Element]:
    """Children named `tag` (any child when None) of the top-level element `container`."""
    found = kid(root, container)
    if found is None:
        return []
    return [node for node in found if tag is None or local(node) == tag]


def _guids(nodes: Any, attribute: str = "targetGUID") -> list[str]:
    return [g for g in (norm_guid(n.get(attribute)) for n in nodes) if g]


def _project(root: ElementTree.Element, archive: Archive) -> RefiProject:
    problems: list[str] = []
    users = {}
    for node in _inside(root, "Users", "User"):
        guid = norm_guid(node.get("guid"))
        if guid:
            users[guid] = (node.get("name") or node.get("id") or "").strip() or guid[:8]
    codebook = kid(root, "CodeBook")
    codes_node = kid(codebook, "Codes") if codebook is not None else None
    variables = {}
    for node in _inside(root, "Variables", "Variable"):
        guid = norm_guid(node.get("guid"))
        if guid and node.get("name"):
            variables[guid] = (node.get("name").strip(), node.get("typeOfVariable") or "Text")
    cases = [
        RefiCase(norm_guid(node.get("guid")) or "", node.get("name"), _values(node),
                 _guids(kids(node, "SourceRef")))
        for node in _inside(root, "Cases", "Case")
    ]
    sources = []
    for node in _inside(root, "Sources", None):
        if local(node) == "TextSource":
            source = _text_source(node, archive, problems)
            if source is not None:
                sources.append(source)
        elif local(node) in SOURCE_KINDS:
            problems.append(f"{local(node)} {node.get('name', '?')!r}: only text sources are "
                            "imported; left out")
    notes = {}
    for node in _inside(root, "Notes", "Note"):
        note = _note(node, archive, problems)
        if note is not None:
            notes[note.guid] = note
    links = [(norm_guid(n.get("originGUID")), norm_guid(n.get("targetGUID")),
              _guids(kids(n, "NoteRef"))) for n in _inside(root, "Links", "Link")]
    for tag in ("Sets", "Graphs"):
        if kid(root, tag) is not None:
            problems.append(f"{tag} are not carried over")
    return RefiProject(
        name=root.get("name") or archive.path.stem, origin=root.get("origin"), users=users,
        codes=read_codes(codes_node, problems) if codes_node is not None else [],
        variables=variables, cases=cases, sources=sources, notes=notes, links=links,
        project_notes=_guids(kids(root, "NoteRef")), problems=problems,
    )


def _values(node: ElementTree.Element) -> dict[str, Any]:
    """`<VariableValue>`s of a case or source: Variable GUID -> typed value (None if empty)."""
    values = {}
    for item in kids(node, "VariableValue"):
        ref = kid(item, "VariableRef")
        guid = norm_guid(ref.get("targetGUID")) if ref is not None else None
        if guid is None:
            continue
        values[guid] = None
        for value in item:
            kind, text = local(value), (value.text or "").strip()
            if kind == "VariableRef":
                continue
            if kind == "BooleanValue":
                values[guid] = text.lower() in ("true", "1")
            elif kind == "IntegerValue":
                values[guid] = _number(text, int)
            elif kind == "FloatValue":
                values[guid] = _number(text, float)
            else:
                values[guid] = value.text or ""
    return values


def _number(text: str, kind: type) -> Any:
    try:
        return kind(text)
    except ValueError:
        return text


def _content(node: ElementTree.Element, archive: Archive, problems: list[str],
             what: str) -> str | None:
    """Inline `PlainTextContent`, or the `internal://` file named by `plainTextPath`."""
    inline = kid(node, "PlainTextContent")
    if inline is not None:
        return "".join(inline.itertext())
    path = (node.get("plainTextPath") or "").strip()
    if not path:
        problems.append(f"{what} has no plain text (rich text only is not read): left out")
        return None
    scheme, _, name = path.partition("://")
    if scheme.lower() != "internal":
        problems.append(f"{what} points outside the archive ({scheme}://): not read, left out")
        return None
    if "/" in name.strip("/") or "\\" in name or name.strip("/") in ("", ".", ".."):
        problems.append(f"{what} has an unusable internal path: left out")
        return None
    data = archive.internal_file(name.strip("/"))
    if data is None:
        problems.append(f"{what}: {name!r} is missing from the archive: left out")
        return None
    return decode_text(data, problems, what)


def _text_source(node: ElementTree.Element, archive: Archive, problems: list[str]
                 ) -> RefiSource | None:
    guid = norm_guid(node.get("guid"))
    name = (node.get("name") or "").strip() or (guid or "source")[:8]
    what = f"source {name!r}"
    if guid is None:
        problems.append(f"{what} has no valid GUID: left out")
        return None
    text = _content(node, archive, problems, what)
    if text is None:
        return None
    if any(True for _ in kids(node, "Coding")):
        problems.append(f"{what}: codings of the whole document (not of a selection) are not "
                        "carried over")
    source = RefiSource(guid, name, text, norm_guid(node.get("creatingUser")),
                        node.get("creationDateTime"), kid_text(node, "Description"),
                        notes=_guids(kids(node, "NoteRef")), variables=_values(node))
    for sel in kids(node, "PlainTextSelection"):
        selection = _selection(sel, what, problems)
        if selection is not None:
            source.selections.append(selection)
    return source


def _selection(node: ElementTree.Element, what: str, problems: list[str]
               ) -> RefiSelection | None:
    guid = norm_guid(node.get("guid"))
    try:
        start, end = int(node.get("startPosition", "")), int(node.get("endPosition", ""))
    except ValueError:
        problems.append(f"{what}: a selection without whole-number positions: left out")
        return None
    if guid is None:
        problems.append(f"{what}: a selection without a valid GUID: left out")
        return None
    codings = []
    for item in kids(node, "Coding"):
        ref = kid(item, "CodeRef")
        codings.append(RefiCoding(
            norm_guid(item.get("guid")) or guid,
            norm_guid(ref.get("targetGUID")) if ref is not None else None,
            norm_guid(item.get("creatingUser")), item.get("creationDateTime"),
            _guids(kids(item, "NoteRef"))))
    return RefiSelection(guid, node.get("name"), start, end,
                         norm_guid(node.get("creatingUser")), node.get("creationDateTime"),
                         kid_text(node, "Description"), codings,
                         _guids(kids(node, "NoteRef")))


def _note(node: ElementTree.Element, archive: Archive, problems: list[str]) -> RefiNote | None:
    guid = norm_guid(node.get("guid"))
    name = node.get("name") or ""
    if guid is None:
        problems.append(f"note {name!r} has no valid GUID: left out")
        return None
    text = _content(node, archive, problems, f"note {name!r}")
    if text is None:
        return None
    return RefiNote(guid, name, norm_guid(node.get("creatingUser")), text.removeprefix("\ufeff"),
                    node.get("creationDateTime"), node.get("modifiedDateTime"))
