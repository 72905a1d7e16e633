"""The records detectors produce, and how overlapping detections are settled."""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass

# Kinds that get a numbered pseudonym ([PERSON_3]); the others get a bare label ([EMAIL]).
NUMBERED_KINDS = ("PERSON", "ORG", "PLACE", "PROJECT")
PATTERN_KINDS = ("EMAIL", "URL", "PHONE", "HANDLE", "ADDRESS")
KINDS = NUMBERED_KINDS + PATTERN_KINDS

# When two detections overlap, the one from the earlier detector wins.
DETECTOR_PRIORITY = ("pattern", "manual", "roster", "speaker", "known", "fuzzy", "ner",
                     "proper_name", "learned")
_RANK = {name: i for i, name in enumerate(DETECTOR_PRIORITY)}


@dataclass(frozen=True, slots=True)
class Span:
    """A stretch of text to replace with a pseudonym.

    `entity` is the normalized canonical name the span refers to (a roster entry's name, or
    the fullest form of a detected name); mentions with the same entity share a pseudonym.
    It holds original text and lives only in memory.
    """

    start: int
    end: int
    kind: str
    detector: str
    confidence: float
    entity: str


@dataclass(frozen=True, slots=True)
class Candidate:
    """A stretch of text that might be a name but was kept; the researcher decides."""

    start: int
    end: int
    kind: str  # the kind it would get if replaced
    reason: str


def resolve(spans: list[Span]) -> list[Span]:
    """Non-overlapping spans in text order: by detector priority, then the longer span."""
    ordered = sorted(spans, key=lambda s: s.start)
    if all(a.end <= b.start for a, b in zip(ordered, ordered[1:], strict=False)):
        return ordered
    chosen: list[Span] = []
    taken = Coverage()
    for span in sorted(spans, key=lambda s: (_RANK[s.detector], s.start - s.end, s.start)):
        if not taken.hits(span.start, span.end):
            chosen.append(span)
            taken.add(span.start, span.end)
    chosen.sort(key=lambda s: s.start)
    return chosen


class Coverage:
    """The character ranges of a text already claimed, merged, for quick overlap tests."""

    def __init__(self, spans: list[Span] | None = None):
        self._starts: list[int] = []
        self._ends: list[int] = []
        for start, end in sorted((s.start, s.end) for s in spans or []):
            if self._ends and start <= self._ends[-1]:
                self._ends[-1] = max(self._ends[-1], end)
            else:
                self._starts.append(start)
                self._ends.append(end)

    def add(self, start: int, end: int) -> None:
        i = bisect_right(self._ends, start - 1)  # first range ending at or after start
        j = bisect_left(self._starts, end + 1)  # ranges from i to j touch [start, end]
        if i < j:
            start, end = min(start, self._starts[i]), max(end, self._ends[j - 1])
        self._starts[i:j] = [start]
        self._ends[i:j] = [end]

    def hits(self, start: int, end: int) -> bool:
        i = bisect_right(self._starts, end - 1)
        return i > 0 and self._ends[i - 1] > start
