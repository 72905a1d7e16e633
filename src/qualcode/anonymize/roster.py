"""The roster: names the researcher knows in advance, and the matcher built from it.

A roster is a YAML or CSV file. YAML either maps a type to names, or lists entries:

    interviewee: Marisol Okafor
    colleagues: [Dana Whitcombe, {name: Teodor Vance, aliases: [Teo]}]
    employer: {name: Northwind Labs, aliases: [Northwind, NWL]}
    projects: [Lanternfish]

    - {name: Marisol Okafor, type: person, aliases: [Mari]}

CSV has a header with `name`, `type` and optionally `aliases` (separated by `;`). Types are
person, org, place and project, or the roles that imply them (interviewee, colleague,
employer, funder, city...). Messages about a bad roster name the file and entry number, never
the name itself.
"""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from qualcode.anonymize.lexicon import (
    NAME_CONNECTORS,
    ORG_SUFFIXES,
    PROJECT_WORDS,
    TITLES,
    common_words,
    default_allow_list,
)
from qualcode.anonymize.spans import Span
from qualcode.anonymize.text import normalize, starts_sentence
from qualcode.anonymize.trie import trie_pattern
from qualcode.errors import QualcodeError

TYPE_KINDS = {
    "PERSON": "person persons people interviewee interviewees participant participants "
              "interviewer interviewers colleague colleagues coworker coworkers name names",
    "ORG": "org orgs organization organizations organisation organisations employer "
           "employers company companies funder funders institution institutions lab labs",
    "PLACE": "place places location locations city cities town towns address addresses",
    "PROJECT": "project projects product products programme programmes program programs",
}
_KIND_OF_TYPE = {word: kind for kind, words in TYPE_KINDS.items() for word in words.split()}


@dataclass(frozen=True)
class RosterEntry:
    """One known name: a person, organization, place or project, with its other spellings."""

    name: str
    kind: str
    aliases: tuple[str, ...] = ()

    @property
    def entity(self) -> str:
        return normalize(self.name)


@dataclass
class Roster:
    entries: list[RosterEntry] = field(default_factory=list)


def load_roster(path: Path | str) -> Roster:
    """Read a roster file (.yaml, .yml or .csv)."""
    path = Path(path)
    if not path.is_file():
        raise QualcodeError(f"roster file {path} does not exist")
    if path.suffix.lower() == ".csv":
        return Roster(_from_csv(path))
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as e:
        line = getattr(getattr(e, "problem_mark", None), "line", None)
        where = f" line {line + 1}" if line is not None else ""
        raise QualcodeError(f"roster {path}{where}: not valid YAML") from None
    return Roster(_from_yaml(data, path))


def _kind(type_name: object, path: Path, number: int) -> str:
    kind = _KIND_OF_TYPE.get(str(type_name).strip().lower())
    if kind is None:
        raise QualcodeError(
            f"roster {path} entry {number}: unknown type {str(type_name)[:30]!r} (use person, "
            "org, place or project, or a role such as interviewee, colleague, employer)"
        )
    return kind


def _entry(item: object, kind: str | None, path: Path, number: int) -> RosterEntry:
    if isinstance(item, str):
        if kind is None:
            raise QualcodeError(f"roster {path} entry {number}: has no type")
        return RosterEntry(item.strip(), kind)
    if not isinstance(item, dict) or not str(item.get("name") or "").strip():
        raise QualcodeError(f"roster {path} entry {number}: needs a name")
    if "type" in item or "kind" in item:
        kind = _kind(item.get("type", item.get("kind")), path, number)
    if kind is None:
        raise QualcodeError(f"roster {path} entry {number}: has no type")
    aliases = item.get("aliases") or []
    if isinstance(aliases, str):
        aliases = [aliases]
    return RosterEntry(str(item["name"]).strip(), kind,
                       tuple(str(a).strip() for a in aliases if str(a).strip()))


def _from_yaml(data: object, path: Path) -> list[RosterEntry]:
    if data is None:
        return []
    if isinstance(data, list):
        return [_entry(item, None, path, n) for n, item in enumerate(data, 1)]
    if not isinstance(data, dict):
        raise QualcodeError(f"roster {path}: expected a list of entries or a mapping of types")
    entries = []
    for type_name, items in data.items():
        kind = _kind(type_name, path, len(entries) + 1)
        for item in items if isinstance(items, list) else [items]:
            entries.append(_entry(item, kind, path, len(entries) + 1))
    return entries


def _from_csv(path: Path) -> list[RosterEntry]:
    with path.open(newline="", encoding="utf-8-sig") as f:
        reader = csv.DictReader(f)
        fields = {(name or "").strip().lower() for name in reader.fieldnames or []}
        if "name" not in fields or not fields & {"type", "kind"}:
            raise QualcodeError(f"roster {path}: the header needs the columns name and type")
        entries = []
        for number, row in enumerate(reader, 1):
            row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
            aliases = [a for a in re.split(r"[;|]", row.get("aliases", "")) if a.strip()]
            entries.append(_entry({"name": row.get("name"), "type": row.get("type") or
                                   row.get("kind"), "aliases": aliases}, None, path, number))
    return entries


@dataclass(frozen=True)
class Surface:
    """One way a roster entry may be written, and whether the match must be capitalized."""

    text: str
    entities: tuple[str, ...]  # more than one: an ambiguous part, such as a shared first name
    form: str  # full, alias, first, last, head, initials
    capitalized_only: bool  # must be written with capitals ("Hope", "NWL", "M.O.")
    common: bool  # an ordinary word too, so it does not count at the start of a sentence


def surfaces(roster: Roster) -> list[Surface]:
    """Every surface of every entry: the full name and aliases; for a person the first name
    alone, the surname alone and initials ("M. Okafor", "M.O."); for an organization its
    distinctive head ("Northwind" of "Northwind Labs"). A part shared by several entries is
    kept as ambiguous; shared initials are dropped."""
    common = common_words() | default_allow_list()
    found: dict[tuple[str, str], set[str]] = defaultdict(set)  # (surface, form) -> entities
    for entry in roster.entries:
        entity = entry.entity
        found[(_clean(entry.name), "full")].add(entity)
        for alias in entry.aliases:
            found[(_clean(alias), "alias")].add(entity)
        words = [w for w in _clean(entry.name).split() if w.lower().rstrip(".") not in TITLES]
        if entry.kind == "PERSON" and len(words) >= 2:
            first, last = words[0], words[-1]
            found[(first, "first")].add(entity)
            found[(last, "last")].add(entity)
            particle_start = next((i for i, w in enumerate(words[1:], 1)
                                   if w.lower() in NAME_CONNECTORS), len(words) - 1)
            found[(" ".join(words[particle_start:]), "last")].add(entity)
            found[(f"{first[0]}. {last}", "initials")].add(entity)
            found[(f"{first[0]} {last}", "initials")].add(entity)
            found[(f"{first[0]}.{last[0]}.", "initials")].add(entity)
            found[(f"{first[0]}. {last[0]}.", "initials")].add(entity)
        elif entry.kind in ("ORG", "PROJECT") and len(words) >= 2:
            generic = ORG_SUFFIXES | PROJECT_WORDS | NAME_CONNECTORS
            head = [w for w in words if w.lower() not in generic]
            if head and len(head) < len(words):
                found[(" ".join(head), "head")].add(entity)
    result = []
    by_text: dict[str, list[tuple[str, set[str]]]] = defaultdict(list)
    for (text, form), entities in found.items():
        by_text[text.lower()].append((form, entities))
    for key, forms in by_text.items():
        entities = set().union(*(e for _, e in forms))
        strongest = min((f for f, _ in forms), key=_FORMS.index)
        if strongest == "initials" and len(entities) > 1:
            continue
        text = next(t for (t, f) in found if t.lower() == key and f == strongest)
        is_common = all(w in common for w in key.split())
        capitalized_only = (text.isupper() or strongest in ("head", "initials") or len(key) < 3
                            or is_common)
        result.append(Surface(text, tuple(sorted(entities)), strongest, capitalized_only,
                              is_common))
    return result


_FORMS = ("full", "alias", "last", "first", "head", "initials")


def _clean(name: str) -> str:
    return " ".join(name.replace("\u2019", "'").split())


class RosterMatcher:
    """Finds every roster surface in a text with two trie-shaped regular expressions: one
    case-insensitive, one for surfaces that only count when capitalized ("Hope", "NWL")."""

    def __init__(self, roster: Roster):
        self.roster = roster
        self.kinds = {e.entity: e.kind for e in roster.entries}
        self._surfaces = surfaces(roster)
        self._lookup = {s.text.lower(): s for s in self._surfaces}
        insensitive = [s.text.lower() for s in self._surfaces if not s.capitalized_only]
        sensitive = [v for s in self._surfaces if s.capitalized_only for v in _cased(s.text)]
        # Case-insensitive surfaces are matched in the lower-cased text with a plain word
        # boundary, which the regex engine scans fast; `_clear_left` finishes the edge test.
        self._lower = re.compile(r"\b(?:" + trie_pattern(insensitive) + r")(?![\w@-])")
        self._any_case = re.compile(_LEFT + "(?:" + trie_pattern(insensitive) + r")(?![\w@-])",
                                    re.IGNORECASE)
        self._sensitive = re.compile(_LEFT + "(?:" + trie_pattern(sensitive) + r")(?![\w@-])")

    @property
    def parts(self) -> list[Surface]:
        return self._surfaces

    def find(self, text: str) -> list[Span]:
        """Roster mentions in `text`. An ambiguous part goes to the entity last mentioned in
        full before it, or else to the first candidate, with a lower confidence."""
        spans = []
        lowered = text.lower()
        if len(lowered) == len(text):
            matches = [(m.start(), m.end()) for m in self._lower.finditer(lowered)
                       if _clear_left(text, m.start())]
        else:  # a few letters change length in lower case (İ): match case-insensitively
            matches = [(m.start(), m.end()) for m in self._any_case.finditer(text)]
        for m in self._sensitive.finditer(text):
            if not (self._lookup[m.group().lower()].common and starts_sentence(text, m.start())):
                matches.append((m.start(), m.end()))
        last_seen: dict[str, int] = {}
        for start, end in sorted(matches, key=lambda se: (se[0], -se[1])):
            if spans and start < spans[-1].end:
                continue
            surface = self._lookup[text[start:end].lower()]
            if len(surface.entities) == 1:
                entity, confidence = surface.entities[0], 1.0
            else:
                entity = max(surface.entities, key=lambda e: last_seen.get(e, -1))
                confidence = 0.6
            if surface.form in ("full", "alias"):
                last_seen[entity] = start
            spans.append(Span(start, end, self.kinds[entity], "roster", confidence, entity))
        return spans


_LEFT = r"(?<![\w@-])(?<!\w[.'\u2019])"


def _clear_left(text: str, start: int) -> bool:
    """No word character, @ or hyphen just before `start`, nor a word and an apostrophe or
    a dot ("O'Neill", "example.dana")."""
    if start == 0:
        return True
    before = text[start - 1]
    if before in "@-":
        return False
    return not (before in ".'\u2019" and start >= 2 and (text[start - 2].isalnum()
                                                          or text[start - 2] == "_"))


def _cased(text: str) -> list[str]:
    """The capitalized spellings under which a case-sensitive surface is matched."""
    if text.isupper():
        return [text]
    return sorted({text, " ".join(w[:1].upper() + w[1:] for w in text.split()), text.upper()})
