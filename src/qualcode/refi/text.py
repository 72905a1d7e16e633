"""Source texts from other tools: normalization with a position map, the position
conventions tools disagree on, and segmentation into speaker turns.

Stored text is NFC with LF line endings and no BOM. A `.qdpx` source may have CRLF, a BOM
or decomposed accents; its selections count code points of *its* text, so every position
goes through `SourceText.position`. Some tools count CRLF as one character (ATLAS.ti) or
count UTF-16 units (JavaScript, .NET, Qt): `SourceText.locate` tries those conventions when
a selection's excerpt does not match its text under the standard one.
"""

from __future__ import annotations

import re
import unicodedata
from array import array
from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from qualcode.ingest import SegmentDraft, assign_roles, segment_turns
from qualcode.parsers import Turn, accept_speakers, label_key

_BLANK_LINE = re.compile(r"\n[ \t]*\n\s*")
_LABEL = re.compile(r"(?P<label>[^\W\d_][^:\n]{0,39}):[ \t]+(?=\S)")
MAX_LABEL_WORDS = 5
_SPACE = re.compile(r"\s+")
ELLIPSES = ("…", "...")


def _chunks(text: str) -> Iterator[str]:
    """Line breaks (CRLF, CR) and characters with the combining marks that follow them."""
    i, n = 0, len(text)
    while i < n:
        j = i + 1
        if text[i] == "\r":
            j += text.startswith("\n", j)
        else:
            while j < n and unicodedata.combining(text[j]):
                j += 1
        yield text[i:j]
        i = j


@dataclass
class SourceText:
    """A source's text as the file has it (`original`, BOM removed) and as stored (`text`)."""

    original: str
    text: str
    offsets: array | None  # offsets[i]: where original index i lands in text; None: the same

    @classmethod
    def from_original(cls, original: str) -> SourceText:
        original = original.removeprefix("\ufeff")
        if "\r" not in original and unicodedata.is_normalized("NFC", original):
            return cls(original, original, None)
        pieces, offsets, length = [], array("q"), 0
        for chunk in _chunks(original):
            piece = "\n" if chunk[0] == "\r" else unicodedata.normalize("NFC", chunk)
            offsets.extend([length] * len(chunk))
            pieces.append(piece)
            length += len(piece)
        offsets.append(length)
        return cls(original, "".join(pieces), offsets)

    def position(self, index: int) -> int:
        """Where a position in the original text lands in the stored text."""
        return index if self.offsets is None else self.offsets[index]

    def locate(self, start: int, end: int, name: str | None) -> tuple[int, int, str] | None:
        """Original-text positions of a selection and the convention that fits its excerpt
        (`name`): 'standard' (code points), 'crlf-as-one' or 'utf-16'. None when positions
        are out of range under every convention, or no convention matches a given excerpt."""
        fallback = None
        for convention, convert in (("standard", lambda p: p), ("crlf-as-one", self._crlf),
                                    ("utf-16", self._utf16)):
            s, e = convert(start), convert(end)
            if not 0 <= s < e <= len(self.original):
                continue
            if not name or excerpt_matches(name, self.original[s:e]):
                return s, e, convention
            fallback = fallback or (s, e, "unmatched")
        return fallback

    def _crlf(self, p: int) -> int:
        return p + bisect_left(self._crlf_starts, p)

    def _utf16(self, p: int) -> int:
        return p - bisect_left(self._astral_starts, p)

    @cached_property
    def _crlf_starts(self) -> list[int]:
        """Where each CRLF starts when CRLF counts as one character."""
        return [m.start() - k for k, m in enumerate(re.finditer("\r\n", self.original))]

    @cached_property
    def _astral_starts(self) -> list[int]:
        """Where each character beyond the BMP starts, counted in UTF-16 units."""
        return [i + k for k, i in enumerate(
            i for i, ch in enumerate(self.original) if ord(ch) > 0xFFFF)]


def excerpt_matches(name: str, excerpt: str) -> bool:
    """Whether a selection's name is its excerpt: whitespace runs count as one space (XML
    attributes lose line breaks), and a name cut short (ATLAS.ti ends it with "…") is a
    prefix."""
    wanted, found = _SPACE.sub(" ", name).strip(), _SPACE.sub(" ", excerpt).strip()
    for ellipsis in ELLIPSES:
        if wanted.endswith(ellipsis):
            wanted = wanted[: -len(ellipsis)].rstrip()
    return found.startswith(wanted) if wanted else True


def _paragraphs(text: str) -> list[tuple[int, int]]:
    """Paragraph spans: blank-line separated when the text has blank lines, else lines."""
    if _BLANK_LINE.search(text):
        cuts = [(m.start(), m.end()) for m in _BLANK_LINE.finditer(text)]
    else:
        cuts = [(m.start(), m.end()) for m in re.finditer("\n", text)]
    bounds, start = [], 0
    for cut_start, cut_end in cuts:
        bounds.append((start, cut_start))
        start = cut_end
    bounds.append((start, len(text)))
    return [s for s in (_strip(text, a, b) for a, b in bounds) if s[0] < s[1]]


def _strip(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def _speaker_like(label: str) -> bool:
    """A name or role, as the importer reads labels: a few words, each capitalized or a
    number ("Interviewer", "Dana P", "Speaker 2"), not a sentence ending in a colon."""
    words = label.split()
    return len(words) <= MAX_LABEL_WORDS and all(w[0].isupper() or w[0].isdigit()
                                                 for w in words)


def _joined_gaps(spans: list[tuple[int, int]], selections: list[tuple[int, int]]
                 ) -> set[int]:
    """Indexes i of the gaps (after paragraph i) that some selection runs across."""
    starts = [start for start, _ in spans]
    joined: set[int] = set()
    for start, end in selections:
        first = max(bisect_right(starts, start) - 1, 0)
        last = bisect_left(starts, end) - 1
        joined.update(range(first, last))
    return joined


def segment_source(text: str, selections: list[tuple[int, int]] = ()) -> list[SegmentDraft]:
    """Segments of an imported text, exact slices of it.

    Turns are paragraphs, with two joins: a paragraph without a speaker label continues
    the turn before it when that turn has one (as the transcript importer reads files), and
    paragraphs that a selection runs across stay one turn (a qualcode turn of several
    paragraphs comes back whole). A leading `Label:` that the importer's rules accept as a
    speaker names the turn and is left out of the segment; long turns are split as the
    importer splits them.
    """
    spans = _paragraphs(text)
    labels = [m if m and _speaker_like(m.group("label")) else None
              for m in (_LABEL.match(text, start, end) for start, end in spans)]
    speakers = accept_speakers(Counter(label_key(m.group("label")) for m in labels if m))
    joined = _joined_gaps(spans, sorted(selections))
    turns: list[Turn] = []
    starts: list[int] = []
    for i, ((start, end), label) in enumerate(zip(spans, labels, strict=True)):
        speaker = label.group("label").strip() if label and label_key(
            label.group("label")) in speakers else None
        if turns and speaker is None and (i - 1 in joined or turns[-1].speaker is not None):
            turns[-1].text = text[starts[-1]:end]
            continue
        if speaker is not None:
            start = label.end()
        turns.append(Turn(speaker, text[start:end], text.count("\n", 0, start) + 1))
        starts.append(start)
    assign_roles(turns)
    segmentation = segment_turns(turns)
    for draft in segmentation.segments:
        shift = starts[draft.turn - 1] - segmentation.turn_starts[draft.turn - 1]
        draft.char_start += shift
        draft.char_end += shift
    return segmentation.segments
