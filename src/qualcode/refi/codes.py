"""Codebooks in REFI-QDA: qualcode groups and codes as a tree of `<Code>` elements, and back.

Export: a group is a category (`isCodable="false"`), its codes codable `<Code>`s nested in
it, child codes nested in their parent. The name is the label; the `Description` is the
definition followed by labelled lines for what REFI-QDA has no field for, readable in any
tool and read back here:

    Empiricists who run many fast experiments.

    Use when: the speaker describes ...
    Keywords: experiments; feedback loop
    qualcode id: archetype.iterator

Import from other tools: a top-level code with child codes, or a top-level category, is a
group; other top-level codes go to the group `imported`; levels below a child code are
flattened onto that child's parent (qualcode has two levels under a group).
"""

from __future__ import annotations

import copy
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from xml.etree import ElementTree

import yaml
from lxml import etree

from qualcode.codebook import ID_PATTERN, RESERVED_SHORTCUTS, Code, Codebook, Group
from qualcode.refi.xml import element, kid_text, kids, norm_guid

ID_KEY = "qualcode id"
FIELDS = {"use_when": "Use when", "do_not_use_when": "Do not use when",
          "examples": "Example", "keywords": "Keywords", "shortcut": "Shortcut",
          "exclusive": "Exclusive", "id": ID_KEY}
_KEY_LINE = re.compile(rf"^({'|'.join(map(re.escape, FIELDS.values()))}): ?(.*)$")
IMPORTED_GROUP = Group(id="imported", label="Imported codes",
                       description="Top-level codes of an imported file that had no category.")


# -- descriptions ------------------------------------------------------------------------------

def describe(definition: str, fields: list[tuple[str, str]]) -> str:
    """A definition and labelled lines; a value's own line breaks continue indented."""
    lines = [f"{FIELDS[key]}: " + value.replace("\n", "\n  ") for key, value in fields if value]
    return "\n\n".join(part for part in (definition.strip(), "\n".join(lines)) if part)


def parse_description(text: str) -> tuple[str, dict[str, list[str]]]:
    """The definition and the labelled lines (by field key) of a description. The labelled
    block is the last paragraph, when every line of it is labelled or a continuation."""
    lines = text.replace("\r\n", "\n").split("\n")
    for i, line in enumerate(lines):
        if (i == 0 or not lines[i - 1].strip()) and _KEY_LINE.match(line) and all(
            _KEY_LINE.match(rest) or rest.startswith("  ") for rest in lines[i + 1:]
        ):
            break
    else:
        return text.strip(), {}
    keys = {label: key for key, label in FIELDS.items()}
    fields: dict[str, list[str]] = {}
    for line in lines[i:]:
        match = _KEY_LINE.match(line)
        if match:
            fields.setdefault(keys[match.group(1)], []).append(match.group(2))
        else:
            values = fields[next(reversed(fields))]
            values[-1] += "\n" + line[2:]
    return "\n".join(lines[:i]).strip(), fields


def code_description(code: Code) -> str:
    return describe(code.definition, [
        ("use_when", code.use_when), ("do_not_use_when", code.do_not_use_when),
        *(("examples", x) for x in code.examples), ("keywords", "; ".join(code.keywords)),
        ("shortcut", code.shortcut or ""), ("id", code.id)])


def group_description(group: Group) -> str:
    return describe(group.description, [("exclusive", "yes" if group.exclusive else ""),
                                        ("id", group.id)])


# -- export ------------------------------------------------------------------------------------

def code_elements(codes_node: etree._Element, ns: str, codebook: Codebook,
                  guid_of: Callable[[str], str], notes: dict[str, list[str]] | None = None
                  ) -> None:
    """Append the codebook as `<Code>` elements under `<Codes>`. guid_of maps `group:ID` and
    `code:ID` keys to GUIDs; notes maps a code id to the GUIDs of its notes (project files)."""
    for group in codebook.groups:
        node = element(codes_node, ns, "Code", guid=guid_of(f"group:{group.id}"),
                       name=group.label, isCodable="false")
        element(node, ns, "Description", group_description(group))
        placed = {}
        for code in group.codes:
            parent = placed.get(code.parent, node)
            placed[code.id] = child = element(
                parent, ns, "Code", guid=guid_of(f"code:{code.id}"), name=code.label,
                isCodable="true", color=code.colour)
            element(child, ns, "Description", code_description(code))
            for note in (notes or {}).get(code.id, []):
                element(child, ns, "NoteRef", targetGUID=note)


# -- import ------------------------------------------------------------------------------------

@dataclass
class RefiCode:
    """A `<Code>` as read from a file."""

    guid: str
    name: str
    codable: bool
    colour: str | None
    description: str
    children: list[RefiCode] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # NoteRef target GUIDs


def read_codes(codes_node: ElementTree.Element, problems: list[str]) -> list[RefiCode]:
    """The `<Code>` tree under a `<Codes>` element; codes without a GUID are skipped."""
    found = []
    for node in kids(codes_node, "Code"):
        guid = norm_guid(node.get("guid"))
        if guid is None:
            problems.append(f"code {node.get('name', '?')!r} has no valid GUID: skipped")
            continue
        found.append(RefiCode(
            guid=guid, name=(node.get("name") or "").strip() or "unnamed",
            codable=(node.get("isCodable") or "true").strip().lower() in ("true", "1"),
            colour=node.get("color"), description=kid_text(node, "Description"),
            children=read_codes(node, problems),
            notes=[g for g in (norm_guid(n.get("targetGUID")) for n in kids(node, "NoteRef"))
                   if g],
        ))
    return found


def colour(value: str | None) -> str | None:
    """`#RRGGBB` from what tools write: #RGB, #RRGGBB, #RRGGBBAA, rgb()/rgba(); else None."""
    text = (value or "").strip().lower()
    if re.fullmatch(r"#[0-9a-f]{3}", text):
        return "#" + "".join(c * 2 for c in text[1:])
    if re.fullmatch(r"#[0-9a-f]{6}([0-9a-f]{2})?", text):
        return text[:7]
    rgb = re.fullmatch(r"rgba?\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*(,[^)]*)?\)", text)
    if rgb and all(int(v) <= 255 for v in rgb.groups()[:3]):
        return "#" + "".join(f"{int(v):02x}" for v in rgb.groups()[:3])
    return None


def slug(name: str) -> str:
    """An id part from a name: ASCII, lowercase, `_` between words, starting with a letter."""
    plain = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", "_", plain.lower()).strip("_")
    if not text:
        return "code"
    return text if text[0].isalpha() else f"c_{text}"


@dataclass
class CodeMapping:
    """A codebook with the imported codes merged in, and where each imported GUID went."""

    codebook: Codebook
    ids: dict[str, str] = field(default_factory=dict)  # GUID -> full code id
    added: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)


class _Merger:
    def __init__(self, base: Codebook, referenced: set[str]):
        self.result = CodeMapping(copy.deepcopy(base))
        self.referenced = referenced
        self.codes = {c.id: c for c in self.result.codebook.codes}
        self.shortcuts = {c.shortcut for c in self.codes.values() if c.shortcut}

    def top(self, node: RefiCode) -> None:
        definition, fields = parse_description(node.description)
        own_id = (fields.get("id") or [""])[0]
        if node.codable and not node.children:
            self.code(self.group(IMPORTED_GROUP), node, None)
            return
        gid = own_id if ID_PATTERN.match(own_id) else slug(node.name)
        group = self.group(Group(gid, node.name, definition,
                                 exclusive=(fields.get("exclusive") or [""])[0] == "yes"))
        if node.codable and node.guid in self.referenced:
            self.code(group, RefiCode(node.guid, node.name, True, node.colour,
                                      node.description, notes=node.notes), None)
        for child in node.children:
            self.code(group, child, None)

    def group(self, wanted: Group) -> Group:
        for group in self.result.codebook.groups:
            if group.id == wanted.id:
                return group
        group = copy.deepcopy(wanted)
        self.result.codebook.groups.append(group)
        return group

    def code(self, group: Group, node: RefiCode, parent: Code | None) -> None:
        definition, fields = parse_description(node.description)
        prefix = parent.id if parent else group.id
        own_id = (fields.get("id") or [""])[0]
        name = own_id[len(prefix) + 1:] if own_id.startswith(prefix + ".") else slug(node.name)
        if not ID_PATTERN.match(name):
            name = slug(node.name)
        code_id = f"{prefix}.{name}"
        if code_id in self.codes and code_id in self.result.added:
            number = 2
            while f"{code_id}_{number}" in self.codes:
                number += 1
            code_id, name = f"{code_id}_{number}", f"{name}_{number}"
        if code_id not in self.codes:
            code = Code(
                id=code_id, group=group.id, name=name, label=node.name,
                parent=parent.id if parent else None, definition=definition,
                use_when="\n".join(fields.get("use_when", [])),
                do_not_use_when="\n".join(fields.get("do_not_use_when", [])),
                examples=fields.get("examples", []),
                keywords=[k.strip() for v in fields.get("keywords", []) for k in v.split(";")
                          if k.strip()],
                shortcut=self.shortcut((fields.get("shortcut") or [""])[0], code_id),
                colour=colour(node.colour),
            )
            if node.colour and code.colour is None:
                self.result.problems.append(f"code {code_id}: colour {node.colour!r} not "
                                            "understood, left out")
            self._insert(group, code)
        self.result.ids[node.guid] = code_id
        code = self.codes[code_id]
        for child in node.children:
            if parent is not None:
                self.result.problems.append(
                    f"code {node.name!r} has child codes below the second level: "
                    f"{child.name!r} became a child of {parent.id}")
            self.code(group, child, parent or code)

    def _insert(self, group: Group, code: Code) -> None:
        """Add a code after its parent's last descendant (parents before children)."""
        at = len(group.codes)
        if code.parent is not None:
            at = max(i for i, c in enumerate(group.codes)
                     if c.id == code.parent or c.parent == code.parent) + 1
        group.codes.insert(at, code)
        self.codes[code.id] = code
        self.result.added.append(code.id)

    def shortcut(self, key: str, code_id: str) -> str | None:
        if not key:
            return None
        if len(key) != 1 or key in RESERVED_SHORTCUTS or key in self.shortcuts:
            self.result.problems.append(f"code {code_id}: shortcut {key!r} is reserved or "
                                        "taken, left out")
            return None
        self.shortcuts.add(key)
        return key


def merge_codes(codes: list[RefiCode], base: Codebook, referenced: set[str] = frozenset()
                ) -> CodeMapping:
    """Merge imported codes into (a copy of) `base`: a code whose id exists is the same
    code; new ones are added. `referenced` holds the GUIDs codings point at: a codable
    top-level code with child codes becomes a group, and also a code when it is coded."""
    merger = _Merger(base, set(referenced))
    for node in codes:
        merger.top(node)
    book = merger.result.codebook
    for group in [g for g in book.groups if not g.codes]:
        merger.result.problems.append(f"category {group.label!r} has no codes: left out")
        book.groups.remove(group)
    return merger.result


def codebook_yaml(codebook: Codebook) -> str:
    """A codebook in the YAML format of codebook/README.md (empty keys left out)."""
    def code_data(code: Code) -> dict[str, Any]:
        data = {"id": code.name, "label": code.label, "shortcut": code.shortcut,
                "colour": code.colour, "definition": code.definition,
                "use_when": code.use_when, "do_not_use_when": code.do_not_use_when,
                "examples": code.examples, "keywords": code.keywords,
                "children": [code_data(c) for c in codebook.codes if c.parent == code.id]}
        return {k: v for k, v in data.items() if v}

    data = {
        "codebook": codebook.id, "title": codebook.title, "version": codebook.version,
        "description": codebook.description,
        "groups": [{k: v for k, v in {
            "id": g.id, "label": g.label, "description": g.description,
            "exclusive": g.exclusive,
            "codes": [code_data(c) for c in g.codes if c.parent is None]}.items() if v}
            for g in codebook.groups],
    }
    return yaml.safe_dump({k: v for k, v in data.items() if v}, sort_keys=False,
                          allow_unicode=True, width=100)
