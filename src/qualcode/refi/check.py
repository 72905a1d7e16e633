"""The checks REFI-QDA's XML schemas leave out, run on a `.qdpx` or `.qdc` file.

Schema validation (lxml against the official XSDs) says the XML has the right shape; these
say it hangs together: every GUID unique, every reference pointing at an element that
exists (a `creatingUser` at a `User`, a `CodeRef` at a codable `Code`), each text source
with exactly one of inline text and an internal file that is in the archive, every
selection inside its text and its name equal to the excerpt, and colours that parse.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path
from xml.etree import ElementTree

from qualcode.refi.reader import decode_text
from qualcode.refi.xml import kid, local, norm_guid, parse

REFERENCES = ("targetGUID", "creatingUser", "modifyingUser", "creatingUserGUID",
              "modifyingUserGUID", "originGUID", "representedGUID")
_COLOUR = re.compile(r"#([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")


def check_qdc(path: Path) -> list[str]:
    """Problems in a codebook file that its schema does not catch."""
    return _check(parse(Path(path).read_bytes(), str(path)), {})


def check_qdpx(path: Path) -> list[str]:
    """Problems in a project archive that its schema does not catch."""
    with zipfile.ZipFile(path) as archive:
        files = {info.filename: archive.read(info) for info in archive.infolist()}
    root = parse(files.pop("project.qde"), "project.qde")
    return _check(root, files)


def _check(root: ElementTree.Element, files: dict[str, bytes]) -> list[str]:
    problems: list[str] = []
    elements: dict[str, ElementTree.Element] = {}
    for node in root.iter():
        if node.get("guid") is None:
            continue
        guid = norm_guid(node.get("guid"))
        if guid in elements:
            problems.append(f"GUID {guid} is used twice")
        elements[guid] = node
        if node.get("color") is not None and not _COLOUR.fullmatch(node.get("color")):
            problems.append(f"{local(node)} {guid}: colour {node.get('color')!r}")
    for node in root.iter():
        for attribute in REFERENCES:
            if node.get(attribute) is None:
                continue
            target = elements.get(norm_guid(node.get(attribute)))
            expected = "User" if "User" in attribute else None
            if target is None or (expected and local(target) != expected):
                problems.append(f"{local(node)} {attribute} points at nothing: "
                                f"{node.get(attribute)}")
            elif local(node) == "CodeRef" and (local(target) != "Code"
                                               or target.get("isCodable") != "true"):
                problems.append(f"CodeRef {node.get(attribute)} is not a codable code")
    used = set()
    for node in root.iter():
        if local(node) in ("TextSource", "Note"):
            text = _text(node, files, problems, used)
            if text is not None and local(node) == "TextSource":
                _selections(node, text, problems)
    problems.extend(f"{name} is in the archive but nothing uses it"
                    for name in files if name not in used)
    return problems


def _text(node: ElementTree.Element, files: dict[str, bytes], problems: list[str],
          used: set[str]) -> str | None:
    inline, path = kid(node, "PlainTextContent"), node.get("plainTextPath")
    what = f"{local(node)} {node.get('guid')}"
    if (inline is None) == (path is None):
        problems.append(f"{what} needs exactly one of PlainTextContent and plainTextPath")
        return None
    if inline is not None:
        return inline.text or ""
    name = "sources/" + path.removeprefix("internal://")
    if not path.startswith("internal://") or name not in files:
        problems.append(f"{what}: {path} is not in the archive")
        return None
    used.add(name)
    data = files[name]
    if data.startswith(b"\xef\xbb\xbf"):
        problems.append(f"{what}: {name} starts with a BOM")
    return decode_text(data, problems, name)


def _selections(source: ElementTree.Element, text: str, problems: list[str]) -> None:
    for node in source:
        if local(node) != "PlainTextSelection":
            continue
        start, end = int(node.get("startPosition")), int(node.get("endPosition"))
        if not 0 <= start <= end <= len(text):
            problems.append(f"selection {node.get('guid')}: {start}-{end} is outside the text "
                            f"({len(text)} characters)")
        elif node.get("name") is not None and node.get("name") != text[start:end]:
            problems.append(f"selection {node.get('guid')}: its name is not the excerpt "
                            f"at {start}-{end}")
