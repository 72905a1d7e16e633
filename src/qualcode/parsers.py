"""Transcript file formats: read a raw file into speaker turns.

Every reader returns a list of `Turn`s with normalized text (NFC, LF line endings, no BOM).
Segmentation, anonymization and storage happen later, in `qualcode.ingest`.

Speaker labels. A line (a paragraph in .docx, a cue in .vtt/.srt) that starts with
`Label:` (also `**Label:**`, `NAME:`, with an optional `[00:12:31]` or `(00:12:31)` before
or after the label) names a *candidate*. A candidate is a speaker when it looks like a name
or role (at most five words and 40 characters, each word capitalized or a number, not an
annotation word such as Note, Example or Update) and

1. it is a known role label (Interviewer, Q, I, Moderator, Host, Participant, A, P3,
   Speaker 2, ...) or a name given with `--interviewer`, or
2. it starts at least two lines of the file, or
3. it is the only candidate left over and every speaker accepted so far is an interviewer
   (an interview with one answer from a named participant).

Labels are compared case-insensitively. A line that starts with no speaker continues the
previous speaker's turn; a file with no speakers at all becomes one turn per paragraph.
`10:30` is never a label (a label starts with a letter and its colon is followed by a
space), and WebVTT `<v Name>` voice tags are speakers without further evidence.

Timestamps become the turn's `timestamp` (as HH:MM:SS), never text; a line holding only a
timestamp gives it to the next turn. In Markdown, `#` headings are skipped (the first is the
title) and `---` rules separate paragraphs. Subtitle cues of one speaker in a row merge into
one turn.
"""

from __future__ import annotations

import codecs
import functools
import html
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Collection, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from qualcode.errors import QualcodeError


@dataclass
class Turn:
    """One speaker turn as read from a transcript file."""

    speaker: str | None  # the label as written; None when the file has no speaker labels
    text: str  # the turn's text, normalized; paragraphs joined by "\n\n"
    line: int  # 1-based line in the source file where the turn starts (for error messages)
    timestamp: str | None = None  # "00:12:31" when the source gave one; metadata, not text
    role: str = "participant"  # "interviewer" or "participant"


@dataclass
class ParsedTranscript:
    """A transcript file read into turns, with what the reader noticed on the way."""

    turns: list[Turn]
    format: str  # "txt", "md", "docx", "vtt" or "srt"
    encoding: str  # "utf-8", "utf-8-sig", "utf-16" or "cp1252"
    title: str | None = None  # the first Markdown heading or the .docx title property
    notes: list[str] = field(default_factory=list)  # e.g. the cp1252 fallback

    @property
    def labelled(self) -> bool:
        return any(t.speaker is not None for t in self.turns)


FORMATS = {
    ".txt": "txt", ".text": "txt", ".md": "md", ".markdown": "md", ".docx": "docx",
    ".vtt": "vtt", ".srt": "srt",
}

INTERVIEWER_LABELS = frozenset(
    {"interviewer", "int", "i", "q", "question", "moderator", "mod", "host", "facilitator"})
PARTICIPANT_LABELS = frozenset(
    {"participant", "p", "respondent", "r", "interviewee", "a", "answer", "speaker", "guest"})
# Words that start a line with a colon inside a turn without naming anyone.
ANNOTATION_WORDS = frozenset({
    "note", "notes", "nb", "n.b", "ps", "p.s", "example", "examples", "e.g", "update",
    "updated", "edit", "edited", "aside", "caveat", "disclaimer", "warning", "important",
    "tip", "fyi", "reminder", "footnote", "source", "sources", "reference", "references",
    "see", "also", "definition", "quote", "correction", "clarification", "translation",
    "transcript", "transcription", "date", "time", "location", "duration", "recording",
    "title", "subject", "topic", "agenda", "summary", "context", "background", "keywords",
    "tags", "comment", "comments", "step", "todo", "re", "cc", "to", "from", "sent",
})
NAME_PARTICLES = frozenset({"of", "de", "van", "von", "der", "den", "da", "du", "la", "le",
                            "bin", "al", "and", "&"})

_CONTROL_BYTES = bytes(b for b in range(32) if b not in b"\t\n\f\r")
LABEL_REACH = 80  # a speaker label's colon comes within this many characters of the start
_TS = r"\d{1,2}:\d{2}(?::\d{2})?(?:[.,]\d{1,3})?"
_LABEL_LINE = re.compile(
    rf"""(?:[\[(](?P<ts_before>{_TS})[\])]\s*)?
    (?:\*\*|__)?
    (?P<label>\[[A-Z]+_\d+\]|[^\W\d_][\w.'\u2019&-]*(?:[ ][\w.'\u2019&-]+){{0,4}})
    (?:\s*[\[(](?P<ts_after>{_TS})[\])])?
    \s*(?:\*\*|__)?:(?:\*\*|__)?
    (?:\s+|$)
    (?:[\[(](?P<ts_text>{_TS})[\])]\s*)?
    (?P<rest>.*)""",
    re.VERBOSE,
)
_LEADING_TS = re.compile(rf"[\[(]({_TS})[\])]\s*")
_TS_ONLY = re.compile(rf"[\[(]?({_TS})[\])]?")
_MD_HEADING = re.compile(r"\s*#{1,6}(?:\s|$)")
_MD_RULE = re.compile(r"(?:-{3,}|\*{3,}|_{3,})")
_CUE_TIMING = re.compile(rf"({_TS})\s*-->\s*({_TS})")
_VOICE = re.compile(r"<v(?:\.[^\s>]*)?\s+([^>]*)>")
_TAG = re.compile(r"<[^>\n]*>|\{\\[^}]*\}")


def parse_file(path: Path, interviewers: Collection[str] = ()) -> ParsedTranscript:
    """Read a transcript file into turns; a QualcodeError names the file when it cannot."""
    return parse_bytes(read_bytes(Path(path)), str(path), interviewers)


def read_bytes(path: Path) -> bytes:
    """A transcript file's raw bytes, or a QualcodeError that names the file."""
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise QualcodeError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise QualcodeError(f"{path}: is a folder, not a transcript file") from None
    except OSError as e:
        raise QualcodeError(f"{path}: cannot be read ({e.strerror})") from None


def parse_bytes(data: bytes, name: str, interviewers: Collection[str] = ()) -> ParsedTranscript:
    """Parse the raw bytes of a file called `name` (its extension picks the format)."""
    fmt = file_format(name)
    if not data.strip():
        raise QualcodeError(f"{name}: the file is empty")
    if fmt == "docx":
        parsed = _parse_docx(data, name, interviewers)
    else:
        text, encoding = decode(data, name)
        notes = ["not UTF-8: read as cp1252 (Windows)"] if encoding == "cp1252" else []
        if fmt in ("vtt", "srt"):
            turns = _parse_cues(text, fmt, interviewers)
            parsed = ParsedTranscript(turns, fmt, encoding, None, notes)
        else:
            turns, title = _parse_lines(_numbered(text), fmt == "md", interviewers)
            parsed = ParsedTranscript(turns, fmt, encoding, title, notes)
    if not parsed.turns:
        raise QualcodeError(f"{name}: no transcript text found")
    if not parsed.labelled:
        parsed.notes.append("no speaker labels: split into paragraphs")
    return parsed


def file_format(name: str) -> str:
    """The format of a file from its extension, or a QualcodeError naming the file."""
    suffix = Path(name).suffix.lower()
    if suffix not in FORMATS:
        known = ", ".join(sorted(set(FORMATS)))
        hint = " (save it as .docx)" if suffix in (".doc", ".rtf", ".odt", ".pages") else ""
        raise QualcodeError(
            f"{name}: unknown file type {suffix or '(no extension)'!r}{hint}; known: {known}")
    return FORMATS[suffix]


def decode(data: bytes, name: str) -> tuple[str, str]:
    """Decode raw bytes to normalized text; returns (text, encoding).

    UTF-8 (with or without a BOM) first, UTF-16 when it has a BOM, else cp1252, which is
    what Word and Notepad write on Windows. Binary content is refused.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return normalize(_decode_as(data, "utf-16", name, "not valid UTF-16")), "utf-16"
    head = data[:8192]
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))
    if b"\x00" in head or controls > len(head) // 100:
        raise QualcodeError(f"{name}: binary content, not a text transcript")
    if data.startswith(codecs.BOM_UTF8):
        return normalize(_decode_as(data, "utf-8-sig", name, "not valid UTF-8")), "utf-8-sig"
    try:
        return normalize(data.decode("utf-8")), "utf-8"
    except UnicodeDecodeError:
        return normalize(_decode_as(data, "cp1252", name, "neither UTF-8 nor cp1252")), "cp1252"


def _decode_as(data: bytes, encoding: str, name: str, why: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise QualcodeError(f"{name}: cannot be decoded as text ({why}); save it as "
                            "UTF-8") from None


def normalize(text: str) -> str:
    """NFC, LF line endings, no BOM: the one form every stored text has."""
    text = text.replace("\ufeff", "").replace("\r\n", "\n").replace("\r", "\n")
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)
    return text


def label_key(label: str) -> str:
    """The form under which two spellings are the same speaker ("INTERVIEWER" ~ "Interviewer")."""
    return " ".join(label.casefold().split())


def _role_word(key: str) -> str:
    """A label key without its numbering: "interviewer 2" -> "interviewer", "p3" -> "p"."""
    return re.sub(r"[\s._-]*\d+$", "", key)


def _keys(labels: Collection[str]) -> frozenset[str]:
    return frozenset(label_key(label) for label in labels)


@functools.lru_cache(maxsize=4096)
def _label_kind(label: str, interviewers: frozenset[str]) -> str:
    """What a candidate label is: "interviewer" or "participant" (a known role label or an
    --interviewer name), "name" (it looks like a person's name), or "" (not a speaker)."""
    key = label_key(label)
    if _role_word(key) in INTERVIEWER_LABELS or key in interviewers:
        return "interviewer"
    if _role_word(key) in PARTICIPANT_LABELS:
        return "participant"
    if len(label) > 40 or key.rstrip(".") in ANNOTATION_WORDS:
        return ""
    first, *others = label.split(" ")
    if not (first[0].isupper() or first.startswith("[")):
        return ""
    named = all(w[0].isupper() or w[0].isdigit() or w in NAME_PARTICLES for w in others)
    return "name" if named else ""


def is_interviewer_label(label: str, interviewers: Collection[str] = ()) -> bool:
    """Whether a speaker label names the interviewer: a common interviewer label, or one of
    the names given with --interviewer (case-insensitive)."""
    return _label_kind(label, _keys(interviewers)) == "interviewer"


def accept_speakers(counts: Counter[str], interviewers: Collection[str] = ()) -> set[str]:
    """Which candidate labels (keys from `label_key`, counted over the file) are speakers:
    the rule in this module's docstring."""
    keys = _keys(interviewers)
    kinds = {k: _label_kind(k, keys) for k in counts}
    accepted = {k for k, n in counts.items()
                if n >= 2 or kinds[k] in ("interviewer", "participant")}
    left = set(counts) - accepted
    if len(left) == 1 and accepted and all(kinds[k] == "interviewer" for k in accepted):
        accepted |= left
    return accepted


def clock(ts: str) -> str:
    """A timestamp as HH:MM:SS ("12:31" and "00:12:31.250" -> "00:12:31")."""
    parts = [int(p) for p in ts.replace(",", ".").split(".")[0].split(":")]
    hours, minutes, seconds = ([0] * (3 - len(parts)) + parts)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}"


# Plain text, Markdown and Word: one record per line.

@dataclass
class _Line:
    number: int
    plain: str  # the line without a leading timestamp: its text if the label is no speaker
    timestamp: str | None = None  # leading timestamp of the plain line
    label: str | None = None  # a candidate speaker label
    rest: str = ""  # the text after the label
    label_timestamp: str | None = None
    blank: bool = False
    timestamp_only: bool = False


def _numbered(text: str) -> Iterator[tuple[int, str]]:
    return enumerate(text.split("\n"), 1)


def _read_line(number: int, raw: str, markdown: bool, interviewers: frozenset[str]) -> _Line:
    line = raw.strip()
    if not line or (markdown and _MD_RULE.fullmatch(line)):
        return _Line(number, "", blank=True)
    only = _TS_ONLY.fullmatch(line) if line[0] in "[(0123456789" else None
    if only:
        return _Line(number, "", clock(only.group(1)), timestamp_only=True)
    record = _Line(number, line)
    leading = _LEADING_TS.match(line) if line[0] in "[(" else None
    if leading:
        record.plain, record.timestamp = line[leading.end():], clock(leading.group(1))
    m = _LABEL_LINE.match(line) if ":" in line[:LABEL_REACH] else None
    if m and _label_kind(m.group("label"), interviewers):
        record.label, record.rest = m.group("label"), m.group("rest").strip()
        ts = m.group("ts_before") or m.group("ts_after") or m.group("ts_text")
        record.label_timestamp = clock(ts) if ts else None
    return record


@dataclass
class _Draft:
    """A turn being assembled from lines."""

    speaker: str | None
    line: int
    timestamp: str | None
    paragraphs: list[list[str]] = field(default_factory=lambda: [[]])

    def add(self, text: str) -> None:
        if text:
            self.paragraphs[-1].append(text)

    def break_paragraph(self) -> None:
        if self.paragraphs[-1]:
            self.paragraphs.append([])

    def turn(self) -> Turn | None:
        text = "\n\n".join("\n".join(p) for p in self.paragraphs if p)
        return Turn(self.speaker, text, self.line, self.timestamp) if text else None


def _parse_lines(lines: Iterable[tuple[int, str]], markdown: bool,
                 interviewers: Collection[str]) -> tuple[list[Turn], str | None]:
    """Turns from numbered lines (of a text file, or of a Word document's paragraphs)."""
    title = None
    records = []
    keys = _keys(interviewers)
    for number, raw in lines:
        if markdown and _MD_HEADING.match(raw):
            if title is None:
                title = raw.strip().lstrip("#").strip().strip("*_").strip() or None
            records.append(_Line(number, "", blank=True))
            continue
        records.append(_read_line(number, raw, markdown, keys))
    counts = Counter(label_key(r.label) for r in records if r.label)
    speakers = accept_speakers(counts, interviewers)
    return _build_turns(records, speakers), title


def _build_turns(records: list[_Line], speakers: set[str]) -> list[Turn]:
    drafts: list[_Draft] = []
    current: _Draft | None = None
    pending: str | None = None  # a timestamp on a line of its own, for the next turn
    for r in records:
        if r.blank:
            if current and current.speaker is None:
                current = None  # unlabelled text: one turn per paragraph
            elif current:
                current.break_paragraph()
            continue
        if r.timestamp_only:
            pending = r.timestamp
            continue
        if r.label and label_key(r.label) in speakers:
            current = _Draft(r.label, r.number, r.label_timestamp or pending)
            text = r.rest
        elif current is None:
            current = _Draft(None, r.number, r.timestamp or pending)
            text = r.plain
        else:
            current.add(r.plain)
            continue
        drafts.append(current)
        current.add(text)
        pending = None
    return [t for t in (d.turn() for d in drafts) if t]


def _parse_docx(data: bytes, name: str, interviewers: Collection[str]) -> ParsedTranscript:
    """A Word document: each paragraph is a line, paragraphs are separated like blank lines."""
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except Exception as e:  # PackageNotFoundError, BadZipFile, lxml errors: not a .docx
        raise QualcodeError(f"{name}: not a readable Word (.docx) document") from e

    headings: list[str] = []

    def lines() -> Iterator[tuple[int, str]]:
        for number, paragraph in enumerate(document.paragraphs, 1):
            if _is_heading(paragraph):  # a title or heading, as `#` lines in Markdown
                headings.append(normalize(paragraph.text).strip())
                continue
            for line in normalize(paragraph.text).split("\n"):
                yield number, line
            yield number, ""

    turns, _ = _parse_lines(lines(), False, interviewers)
    notes = []
    if document.tables:
        notes.append(f"{len(document.tables)} table(s) not imported: only paragraphs are read")
    title = (normalize(document.core_properties.title or "").strip()
             or next((h for h in headings if h), None))
    return ParsedTranscript(turns, "docx", "utf-8", title, notes)


def _is_heading(paragraph: Any) -> bool:
    """A paragraph styled Title, Subtitle or Heading N: document structure, not speech."""
    style = paragraph.style.name if paragraph.style is not None else ""
    return style.startswith(("Title", "Subtitle", "Heading"))


# WebVTT and SubRip: cues.

@dataclass
class _Cue:
    line: int
    start: str
    text: str
    voice: str | None = None  # from a <v Speaker> tag
    label: str | None = None  # from a `Name: text` payload
    rest: str = ""


def _parse_cues(text: str, fmt: str, interviewers: Collection[str]) -> list[Turn]:
    """Turns from subtitle cues: consecutive cues of one speaker become one turn."""
    cues = list(_read_cues(text, fmt, _keys(interviewers)))
    counts = Counter(label_key(c.label) for c in cues if c.label)
    speakers = accept_speakers(counts, interviewers)
    turns: list[Turn] = []
    for cue in cues:
        speaker, body = cue.voice, cue.text
        if speaker is None and cue.label and label_key(cue.label) in speakers:
            speaker, body = cue.label, cue.rest
        if not body:
            continue
        previous = turns[-1] if turns else None
        if previous and (speaker is None
                         or label_key(speaker) == label_key(previous.speaker or "")):
            previous.text += " " + body
        else:
            turns.append(Turn(speaker, body, cue.line, cue.start))
    return turns


def _read_cues(text: str, fmt: str, interviewers: frozenset[str]) -> Iterator[_Cue]:
    block: list[tuple[int, str]] = []
    for number, line in [*_numbered(text), (0, "")]:
        if line.strip():
            block.append((number, line.strip()))
            continue
        yield from _cues_of_block(block, fmt, interviewers)
        block = []


def _cues_of_block(block: list[tuple[int, str]], fmt: str,
                   interviewers: frozenset[str]) -> Iterator[_Cue]:
    """The cue(s) in one blank-line separated block; header, NOTE, STYLE blocks give none.
    A cue with several voice tags gives one cue per voice."""
    timing = next((i for i, (_, line) in enumerate(block) if "-->" in line), None)
    if timing is None or (fmt == "vtt" and block[0][1].startswith(("NOTE", "STYLE", "REGION"))):
        return
    number, line = block[timing]
    m = _CUE_TIMING.search(line)
    if not m:
        return
    start = clock(m.group(1))
    payload = "\n".join(text for _, text in block[timing + 1:])
    for voice, part in _voices(payload):
        body = " ".join(html.unescape(_TAG.sub("", part)).split())
        if not body:
            continue
        cue = _Cue(number, start, body, voice)
        label = _LABEL_LINE.match(body)
        if voice is None and label and _label_kind(label.group("label"), interviewers):
            cue.label, cue.rest = label.group("label"), label.group("rest").strip()
        yield cue


def _voices(payload: str) -> Iterator[tuple[str | None, str]]:
    """Split a cue payload at its <v Speaker> tags: (speaker or None, text) pairs."""
    tags = list(_VOICE.finditer(payload))
    if not tags or tags[0].start() > 0:
        yield None, payload[:tags[0].start()] if tags else payload
    for i, tag in enumerate(tags):
        end = tags[i + 1].start() if i + 1 < len(tags) else len(payload)
        voice = " ".join(html.unescape(tag.group(1)).split()) or None
        yield voice, payload[tag.end():end]
