"""Roster names misspelled in transcription ("Okafur" for a rostered "Okafor").

Only capitalized words are compared, each distinct word once per corpus, with an
optimal-string-alignment distance (a swap of two letters is one edit): one edit for names of
four letters, two for longer ones, and a two-edit match of a name shorter than six letters
must keep its first letter.
Ordinary words never match: a word that is common English, on the allow-list, used in lower
case elsewhere in the corpus, or a first name in its own right is left alone.
"""

from __future__ import annotations

import re

from rapidfuzz import process
from rapidfuzz.distance import OSA

from qualcode.anonymize.gazetteer import gazetteer
from qualcode.anonymize.lexicon import common_words
from qualcode.anonymize.roster import RosterMatcher
from qualcode.anonymize.spans import Coverage, Span
from qualcode.anonymize.text import LOWER, UPPER

_TITLE_WORD = re.compile(
    rf"(?<![\w'\u2019-])[{UPPER}][{LOWER}]{{2,}}(?:-[{UPPER}][{LOWER}]+)*(?![\w-])")


_NEXT_WORD = re.compile(rf" ([{UPPER}][{LOWER}]{{2,}}(?:-[{UPPER}][{LOWER}]+)*)(?![\w-])")
_PREVIOUS_WORD = re.compile(
    rf"(?<![\w'\u2019-])([{UPPER}][{LOWER}]{{2,}}(?:-[{UPPER}][{LOWER}]+)*) $")


def allowed_edits(length: int) -> int:
    """How many edits a name of `length` letters may be off by: none below four letters,
    one for four, two from five."""
    return 0 if length < 4 else 1 if length < 5 else 2


class FuzzyMatcher:
    """Matches words within a few edits of a one-word roster surface."""

    def __init__(self, roster: RosterMatcher, allow: frozenset[str]):
        self.kinds = roster.kinds
        targets: dict[str, tuple[str, ...]] = {}
        for surface in roster.parts:
            if " " not in surface.text and "." not in surface.text and len(surface.text) >= 4:
                targets[surface.text.lower()] = surface.entities
        self._targets = targets
        self._choices = list(targets)
        self._parts_of: dict[str, list[str]] = {}
        for target, entities in targets.items():
            for entity in entities:
                self._parts_of.setdefault(entity, []).append(target)
        self._blocked = common_words() | allow
        self._cache: dict[str, tuple[str, int] | None] = {}

    def find(self, text: str, found: list[Span], vocabulary: set[str]) -> list[Span]:
        """Misspelled roster names in `text` outside the spans already `found`."""
        if not self._choices:
            return []
        covered = Coverage(found)
        spans = self._next_to_roster(text, found, covered)
        for span in spans:
            covered.add(span.start, span.end)
        for m in _TITLE_WORD.finditer(text):
            if covered.hits(m.start(), m.end()):
                continue
            word = m.group().lower()
            if word in vocabulary:
                continue
            match = self._match(word)
            if match:
                target, distance = match
                entities = self._targets[target]
                spans.append(Span(m.start(), m.end(), self.kinds[entities[0]], "fuzzy",
                                  (0.85 if distance == 1 else 0.7) * (1 if len(entities) == 1
                                                                      else 0.7), entities[0]))
        return spans

    def _next_to_roster(self, text: str, found: list[Span], covered: Coverage) -> list[Span]:
        """A word right after or before a roster mention that is within reach of the same
        entity's other name ("Gwendolyn Price" for a rostered Gwendolyn Pryce), even when
        it is an ordinary word elsewhere."""
        spans = []
        for span in found:
            if span.detector != "roster" or span.entity not in self._parts_of:
                continue
            after = _NEXT_WORD.match(text, span.end)
            before = _PREVIOUS_WORD.search(text, max(0, span.start - 40), span.start)
            for m in (after, before):
                if m is None or covered.hits(m.start(1), m.end(1)):
                    continue
                word = m.group(1).lower()
                if any(0 < OSA.distance(word, part) <= allowed_edits(len(part))
                       for part in self._parts_of[span.entity]):
                    spans.append(Span(m.start(1), m.end(1), span.kind, "fuzzy", 0.8,
                                      span.entity))
        return spans

    def _match(self, word: str) -> tuple[str, int] | None:
        if word in self._cache:
            return self._cache[word]
        result = None
        if word not in self._blocked and word not in self._targets and (
                word not in gazetteer().first_names):
            best = process.extractOne(word, self._choices, scorer=OSA.distance,
                                      score_cutoff=allowed_edits(len(word) + 2))
            if best is not None:
                target, distance, _ = best
                if 0 < distance <= allowed_edits(len(target)) and (
                        distance == 1 or target[0] == word[0] or len(target) >= 6):
                    result = (target, int(distance))
        self._cache[word] = result
        return result
