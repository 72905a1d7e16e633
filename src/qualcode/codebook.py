"""Codebooks: the YAML format, its validation, and the codebook stored in a project.

A codebook has groups; a group has codes; a code may have child codes (one level). A code's
full id is `group.code` or `group.code.child`; ids are stable because codings refer to them.
The format is described key by key in codebook/README.md.
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from qualcode.errors import QualcodeError, did_you_mean
from qualcode.store import Project, now

ID_PATTERN = re.compile(r"^[a-z][a-z0-9_]*$")
COLOUR_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}$")
# Keys the coder app uses for itself; a code's shortcut may not take one of them.
RESERVED_SHORTCUTS = frozenset("jkmnqtduowe?/ 0123456789")

TOP_KEYS = {"codebook", "title", "version", "description", "groups"}
GROUP_KEYS = {"id", "label", "description", "exclusive", "codes"}
CODE_KEYS = {"id", "label", "shortcut", "colour", "definition", "use_when", "do_not_use_when",
             "examples", "keywords", "children"}


@dataclass
class Code:
    id: str  # full id: group.code or group.code.child
    group: str
    name: str  # the last part of the id
    label: str
    parent: str | None = None
    definition: str = ""
    use_when: str = ""
    do_not_use_when: str = ""
    examples: list[str] = field(default_factory=list)
    keywords: list[str] = field(default_factory=list)
    shortcut: str | None = None
    colour: str | None = None


@dataclass
class Group:
    id: str
    label: str
    description: str = ""
    exclusive: bool = False
    codes: list[Code] = field(default_factory=list)  # parents before their children


@dataclass
class Codebook:
    id: str
    title: str
    version: int = 1
    description: str = ""
    groups: list[Group] = field(default_factory=list)

    @property
    def codes(self) -> list[Code]:
        return [code for group in self.groups for code in group.codes]

    def group(self, group_id: str) -> Group:
        for group in self.groups:
            if group.id == group_id:
                return group
        raise QualcodeError(f"no code group {group_id!r} in the codebook "
                            f"(groups: {', '.join(g.id for g in self.groups)})")

    def code(self, ref: str) -> Code:
        """The code a user means: its full id, a unique id suffix (`iterator.early`,
        `connector`) or a unique label, case-insensitively."""
        wanted = ref.strip().lower()
        for finder in (
            lambda c: c.id == wanted,
            lambda c: c.id.endswith("." + wanted),
            lambda c: c.label.lower() == wanted,
        ):
            found = [c for c in self.codes if finder(c)]
            if len(found) == 1:
                return found[0]
            if len(found) > 1:
                raise QualcodeError(
                    f"code {ref!r} is ambiguous: {', '.join(c.id for c in found)}"
                )
        choices = {c.id: c.id for c in self.codes} | {c.label: c.id for c in self.codes}
        raise QualcodeError(f"no code {ref!r} in the codebook{did_you_mean(ref, choices)}")

    def by_shortcut(self) -> dict[str, Code]:
        return {c.shortcut: c for c in self.codes if c.shortcut}

    def content_hash(self) -> str:
        return hashlib.sha256(
            json.dumps(_as_plain(self), sort_keys=True, ensure_ascii=False).encode()
        ).hexdigest()


def _as_plain(codebook: Codebook) -> dict[str, Any]:
    from dataclasses import asdict

    return asdict(codebook)


@dataclass
class Problem:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


class CodebookError(QualcodeError):
    """A codebook file with problems; str() is one line per problem with the file name."""

    def __init__(self, path: Path | str, problems: list[Problem]):
        self.path = path
        self.problems = problems
        super().__init__("\n".join(f"{path}:{p.line}: {p.message}" for p in problems))


# -- reading YAML with line numbers ------------------------------------------------------------

class _Reader:
    """Walks composed YAML nodes, collecting problems with the line of the node at fault."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def problem(self, node: yaml.Node, message: str) -> None:
        self.problems.append(Problem(node.start_mark.line + 1, message))

    def mapping(self, node: yaml.Node, allowed: set[str], what: str) -> dict[str, yaml.Node]:
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, f"{what} must be a mapping of keys to values")
            return {}
        items: dict[str, yaml.Node] = {}
        for key_node, value_node in node.value:
            key = key_node.value
            if key in items:
                self.problem(key_node, f"duplicate key {key!r} in {what}")
            elif key not in allowed:
                hint = " (did you mean 'colour'?)" if key == "color" else ""
                self.problem(key_node, f"unknown key {key!r} in {what}{hint}; "
                             f"allowed: {', '.join(sorted(allowed))}")
            else:
                items[key] = value_node
        return items

    def text(self, items: dict[str, yaml.Node], key: str, parent: yaml.Node, what: str,
             required: bool = False) -> str:
        node = items.get(key)
        if node is None or (isinstance(node, yaml.ScalarNode) and node.value.strip() == ""):
            if required:
                self.problem(node or parent, f"{what} has no {key}")
            return ""
        if not isinstance(node, yaml.ScalarNode):
            self.problem(node, f"{key} of {what} must be text")
            return ""
        return node.value.strip()

    def strings(self, items: dict[str, yaml.Node], key: str, what: str) -> list[str]:
        node = items.get(key)
        if node is None:
            return []
        if not isinstance(node, yaml.SequenceNode) or not all(
            isinstance(n, yaml.ScalarNode) for n in node.value
        ):
            self.problem(node, f"{key} of {what} must be a list of texts")
            return []
        return [n.value.strip() for n in node.value if n.value.strip()]


def parse_codebook(text: str, path: Path | str = "<codebook>") -> tuple[Codebook, list[Problem]]:
    """Read a codebook from YAML text; returns it with every problem found (line numbers)."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        reason = getattr(e, "problem", None) or str(e).splitlines()[0]
        return Codebook(id="", title=""), [Problem(line, f"not valid YAML: {reason}")]
    if root is None:
        return Codebook(id="", title=""), [Problem(1, "the codebook file is empty")]
    reader = _Reader()
    top = reader.mapping(root, TOP_KEYS, "the codebook")
    codebook = Codebook(
        id=reader.text(top, "codebook", root, "the codebook", required=True),
        title=reader.text(top, "title", root, "the codebook", required=True),
        description=reader.text(top, "description", root, "the codebook"),
    )
    if "version" in top:
        try:
            codebook.version = int(top["version"].value)
        except (TypeError, ValueError):
            reader.problem(top["version"], "version must be a whole number")
    groups_node = top.get("groups")
    if groups_node is None:
        reader.problem(root, "the codebook has no groups")
    elif not isinstance(groups_node, yaml.SequenceNode) or not groups_node.value:
        reader.problem(groups_node, "groups must be a non-empty list")
    else:
        for group_node in groups_node.value:
            group = _read_group(reader, group_node)
            if group:
                codebook.groups.append(group)
    _check_unique(reader, codebook, root)
    return codebook, reader.problems


def _read_group(reader: _Reader, node: yaml.Node) -> Group | None:
    items = reader.mapping(node, GROUP_KEYS, "a group")
    gid = reader.text(items, "id", node, "a group", required=True)
    if not gid:
        return None
    what = f"group {gid!r}"
    if not ID_PATTERN.match(gid):
        reader.problem(items["id"], f"{what}: id must match [a-z][a-z0-9_]*")
    group = Group(
        id=gid,
        label=reader.text(items, "label", node, what, required=True),
        description=reader.text(items, "description", node, what),
    )
    if "exclusive" in items:
        value = items["exclusive"].value
        if value not in ("true", "false", "True", "False", "yes", "no"):
            reader.problem(items["exclusive"], f"{what}: exclusive must be true or false")
        group.exclusive = value in ("true", "True", "yes")
    codes_node = items.get("codes")
    if codes_node is None or not isinstance(codes_node, yaml.SequenceNode) or not codes_node.value:
        reader.problem(codes_node or node, f"{what} has no codes")
        return group
    for code_node in codes_node.value:
        _read_code(reader, code_node, group, parent=None)
    return group


def _read_code(reader: _Reader, node: yaml.Node, group: Group, parent: Code | None) -> None:
    items = reader.mapping(node, CODE_KEYS, "a code")
    name = reader.text(items, "id", node, f"a code in group {group.id!r}", required=True)
    if not name:
        return
    full_id = f"{parent.id if parent else group.id}.{name}"
    what = f"code {full_id!r}"
    if not ID_PATTERN.match(name):
        reader.problem(items["id"], f"{what}: id must match [a-z][a-z0-9_]*")
    code = Code(
        id=full_id, group=group.id, name=name, parent=parent.id if parent else None,
        label=reader.text(items, "label", node, what, required=True),
        definition=reader.text(items, "definition", node, what),
        use_when=reader.text(items, "use_when", node, what),
        do_not_use_when=reader.text(items, "do_not_use_when", node, what),
        examples=reader.strings(items, "examples", what),
        keywords=reader.strings(items, "keywords", what),
        shortcut=reader.text(items, "shortcut", node, what) or None,
        colour=reader.text(items, "colour", node, what) or None,
    )
    if code.shortcut is not None:
        if len(code.shortcut) != 1:
            reader.problem(items["shortcut"], f"{what}: shortcut must be one character")
        elif code.shortcut in RESERVED_SHORTCUTS:
            reader.problem(items["shortcut"], f"{what}: shortcut {code.shortcut!r} is taken by "
                           "the coder app (reserved: j k m n q t d u o w e ? / digits space)")
    if code.colour is not None and not COLOUR_PATTERN.match(code.colour):
        reader.problem(items["colour"], f"{what}: colour must look like #1f77b4")
    code._line = node.start_mark.line + 1  # type: ignore[attr-defined]
    group.codes.append(code)
    children = items.get("children")
    if children is not None:
        if parent is not None:
            reader.problem(children, f"{what}: child codes cannot have children")
        elif not isinstance(children, yaml.SequenceNode):
            reader.problem(children, f"{what}: children must be a list of codes")
        else:
            for child in children.value:
                _read_code(reader, child, group, parent=code)


def _check_unique(reader: _Reader, codebook: Codebook, root: yaml.Node) -> None:
    seen_groups: set[str] = set()
    for group in codebook.groups:
        if group.id in seen_groups:
            reader.problems.append(Problem(1, f"duplicate group id {group.id!r}"))
        seen_groups.add(group.id)
    seen_ids: dict[str, int] = {}
    seen_keys: dict[str, str] = {}
    for code in codebook.codes:
        line = getattr(code, "_line", 1)
        if code.id in seen_ids:
            reader.problems.append(Problem(line, f"duplicate code id {code.id!r} "
                                           f"(first at line {seen_ids[code.id]})"))
        seen_ids.setdefault(code.id, line)
        if code.shortcut and len(code.shortcut) == 1:
            if code.shortcut in seen_keys:
                reader.problems.append(Problem(
                    line, f"duplicate shortcut {code.shortcut!r}: {seen_keys[code.shortcut]} "
                    f"and {code.id}"))
            seen_keys.setdefault(code.shortcut, code.id)
    reader.problems.sort(key=lambda p: p.line)


def read_codebook_file(path: Path | str) -> tuple[Codebook, list[Problem]]:
    """Parse a codebook file; a missing or unreadable file is a QualcodeError."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise QualcodeError(f"{path}: no such codebook file") from None
    except (OSError, UnicodeDecodeError) as e:
        raise QualcodeError(f"{path}: cannot read the codebook ({e.__class__.__name__})") from e
    return parse_codebook(text, path)


def load_codebook(path: Path | str) -> Codebook:
    """A valid codebook from a file, or CodebookError listing every problem."""
    codebook, problems = read_codebook_file(path)
    if problems:
        raise CodebookError(path, problems)
    return codebook


def default_codebook_path() -> Path:
    from qualcode.resources import data_path

    return data_path("codebook") / "default.yaml"


# -- the codebook stored in a project ----------------------------------------------------------

def project_codebook(project: Project) -> Codebook:
    """The codebook in force in a project."""
    row = project.db.execute(
        "SELECT codebook_id, title, declared_version, description FROM codebook_versions "
        "ORDER BY version DESC LIMIT 1"
    ).fetchone()
    if row is None:
        raise QualcodeError(f"project {project.folder} has no codebook")
    codebook = Codebook(id=row[0], title=row[1], version=row[2], description=row[3])
    groups = {
        g["id"]: Group(id=g["id"], label=g["label"], description=g["description"],
                       exclusive=bool(g["exclusive"]))
        for g in project.db["code_groups"].rows_where(order_by="position")
    }
    for c in project.db["codes"].rows_where(order_by="position"):
        groups[c["group_id"]].codes.append(Code(
            id=c["id"], group=c["group_id"], name=c["name"], label=c["label"],
            parent=c["parent_id"], definition=c["definition"], use_when=c["use_when"],
            do_not_use_when=c["do_not_use_when"], examples=json.loads(c["examples"]),
            keywords=json.loads(c["keywords"]), shortcut=c["shortcut"], colour=c["colour"],
        ))
    codebook.groups = list(groups.values())
    return codebook


def install_codebook(project: Project, codebook: Codebook, change: str,
                     source_name: str = "") -> int:
    """Make `codebook` the project's codebook; returns the new codebook version.

    Codes that disappear must have no codings: a coding is never orphaned. Renames and
    merges are explicit (`rename_code`, `merge_codes`).
    """
    with project.transaction():
        new_ids = {c.id for c in codebook.codes}
        orphaned = [
            (code_id, n) for code_id, n in project.db.execute(
                "SELECT code_id, count(*) FROM codings GROUP BY code_id"
            ) if code_id not in new_ids
        ]
        if orphaned:
            listing = ", ".join(f"{code_id} ({n} codings)" for code_id, n in orphaned)
            raise QualcodeError(
                f"the new codebook drops codes that have codings: {listing}; use "
                "`qualcode codebook rename` or `merge` first"
            )
        project.db.execute("UPDATE codes SET parent_id = NULL")
        project.db.execute("DELETE FROM codes WHERE id NOT IN (SELECT value FROM json_each(?))",
                           [json.dumps(sorted(new_ids))])
        project.db.execute("DELETE FROM code_groups WHERE id NOT IN "
                           "(SELECT value FROM json_each(?))",
                           [json.dumps([g.id for g in codebook.groups])])
        for position, group in enumerate(codebook.groups):
            project.db["code_groups"].upsert(
                {"id": group.id, "label": group.label, "description": group.description,
                 "exclusive": int(group.exclusive), "position": position}, pk="id")
        for position, code in enumerate(codebook.codes):
            project.db["codes"].upsert(
                {"id": code.id, "group_id": code.group, "parent_id": code.parent,
                 "name": code.name, "label": code.label, "definition": code.definition,
                 "use_when": code.use_when, "do_not_use_when": code.do_not_use_when,
                 "examples": json.dumps(code.examples, ensure_ascii=False),
                 "keywords": json.dumps(code.keywords, ensure_ascii=False),
                 "shortcut": code.shortcut, "colour": code.colour, "position": position},
                pk="id")
        version = project.codebook_version + 1
        project.db["codebook_versions"].insert({
            "version": version, "codebook_id": codebook.id, "title": codebook.title,
            "declared_version": codebook.version, "description": codebook.description,
            "content_hash": codebook.content_hash(), "change": change, "created_at": now(),
        })
        project.log("codebook.install", {"version": version, "change": change,
                                         "source": source_name})
    return version


def rename_code(project: Project, old: str, new: str) -> Codebook:
    """Give a code a new id; its codings, and its child codes, follow it.

    `new` is a full id in the same group and under the same parent, or just the new last
    part of the id.
    """
    code = project_codebook(project).code(old)
    prefix = code.id.rsplit(".", 1)[0]
    new_id = new if "." in new else f"{prefix}.{new}"
    if new_id.rsplit(".", 1)[0] != prefix:
        raise QualcodeError(f"{new_id!r} is not in the same place as {code.id!r}: a rename keeps "
                            f"the group and parent ({prefix}.NAME)")
    name = new_id.rsplit(".", 1)[1]
    if not ID_PATTERN.match(name):
        raise QualcodeError(f"{name!r} is not a valid code id ([a-z][a-z0-9_]*)")
    if project.db.execute("SELECT 1 FROM codes WHERE id = ?", [new_id]).fetchone():
        raise QualcodeError(f"code {new_id!r} exists already; use `qualcode codebook merge`")
    with project.transaction():
        # Codings and children's parent_id follow through ON UPDATE CASCADE.
        project.db.execute("UPDATE codes SET id = ?, name = ? WHERE id = ?",
                           [new_id, name, code.id])
        project.db.execute("UPDATE codes SET id = ? || substr(id, ?) WHERE parent_id = ?",
                           [new_id, len(code.id) + 1, new_id])
        codebook = project_codebook(project)
        install_codebook(project, codebook, change=f"rename {code.id} -> {new_id}")
        project.log("codebook.rename", {"old": code.id, "new": new_id})
    return codebook


def merge_codes(project: Project, source: str, target: str) -> Codebook:
    """Fold code `source` into `target`: its codings move to `target`, then it is removed."""
    codebook = project_codebook(project)
    a, b = codebook.code(source), codebook.code(target)
    if a.id == b.id:
        raise QualcodeError("cannot merge a code into itself")
    if any(c.parent == a.id for c in codebook.codes):
        raise QualcodeError(f"{a.id} has child codes: merge or rename them first")
    with project.transaction():
        moved = project.db.execute(
            "UPDATE OR IGNORE codings SET code_id = ? WHERE code_id = ?", [b.id, a.id]
        ).rowcount
        duplicates = project.db.execute("DELETE FROM codings WHERE code_id = ?", [a.id]).rowcount
        project.db.execute("DELETE FROM codes WHERE id = ?", [a.id])
        group = codebook.group(a.group)
        group.codes = [c for c in group.codes if c.id != a.id]
        install_codebook(project, codebook, change=f"merge {a.id} into {b.id}")
        project.log("codebook.merge", {"source": a.id, "target": b.id, "moved": moved,
                                       "duplicates_dropped": duplicates})
    return codebook
