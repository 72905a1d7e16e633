"""The Anonymizer: detection plus pseudonyms, applied to turns, titles and file names, and
saved with a transcript.

Speaker labels follow `speaker_style`:
- "role" (the default): an interviewer's name becomes `Interviewer` (`Interviewer 2` for a
  second one in the same transcript) and a participant's name a participant code `P01`,
  `P02`... that stays the same for that person across the project;
- "pseudonym": every named speaker becomes their `[PERSON_n]`, as in the text.
Labels that name nobody (Interviewer, Speaker 2, Q, A, P3) are kept. Either way a speaker's
name, first name and surname are replaced by the person's `[PERSON_n]` wherever the text
mentions them.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from itertools import accumulate
from pathlib import Path

from qualcode.anonymize.casing import ordinary_word
from qualcode.anonymize.detector import Detection, Detector
from qualcode.anonymize.gazetteer import gazetteer
from qualcode.anonymize.lexicon import TITLES, common_words, default_allow_list
from qualcode.anonymize.pseudonyms import PARTICIPANT, PseudonymTable, write_key
from qualcode.anonymize.roster import Roster, load_roster, surfaces
from qualcode.anonymize.spans import NUMBERED_KINDS, Candidate, Span
from qualcode.anonymize.text import normalize
from qualcode.errors import QualcodeError
from qualcode.parsers import INTERVIEWER_LABELS, PARTICIPANT_LABELS, Turn
from qualcode.store import Project

SPEAKER_STYLES = ("role", "pseudonym")
_GENERIC_SPEAKER = re.compile(
    r"(?:" + "|".join(sorted(INTERVIEWER_LABELS | PARTICIPANT_LABELS, key=len, reverse=True))
    + r")\.?(?:\s*\d{1,3}|\s+[A-Z])?|\[[A-Z]+(?:_\d+)?\]|P\d{1,3}", re.IGNORECASE)
# Labels that name no one: a voice the transcriber could not tell, or many.
_NAMELESS_SPEAKERS = frozenset({
    "unknown", "unknown speaker", "unidentified", "unidentified speaker", "announcer",
    "narrator", "voiceover", "voice over", "audience", "audience member", "crosstalk",
    "inaudible", "all", "both", "everyone", "group", "multiple speakers"})
_SEPARATOR = "\n\n"


def _heading(label: str) -> bool:
    """Whether a label is a heading made of English words that are nobody's name, which a
    parser took for a speaker ("Partial Transcript", "Keywords"), with allowed words beside
    them ("CISO Interviews"); initials ("KG") and an allowed word alone ("Welsh") are
    someone's."""
    gaz = gazetteer()
    written = re.findall(r"[^\W\d_]+", label)
    words = [w.lower() for w in written]
    english = [w in common_words() or ordinary_word(w) for w in words]
    return any(english) and not any(w.isupper() and len(w) <= 3 for w in written) and all(
        (plain or w in default_allow_list()) and w not in gaz.first_names
        and w not in gaz.ambiguous_first_names and w not in gaz.surnames
        for w, plain in zip(words, english, strict=True))


@dataclass(frozen=True)
class Replacement:
    """A pseudonym standing in the anonymized text of turn `turn`, at [start, end)."""

    turn: int
    start: int
    end: int
    label: str
    kind: str
    detector: str
    confidence: float


@dataclass(frozen=True)
class KeptCandidate:
    """Text kept as it was but queued for review, at [start, end) of turn `turn`."""

    turn: int
    start: int
    end: int
    kind: str
    reason: str


@dataclass
class AnonymizedTurns:
    """The result of anonymizing one transcript's turns."""

    turns: list[Turn]
    replacements: list[Replacement] = field(default_factory=list)
    candidates: list[KeptCandidate] = field(default_factory=list)

    def counts(self) -> dict[tuple[str, str], int]:
        """How many replacements per (kind, detector)."""
        counts: dict[tuple[str, str], int] = {}
        for r in self.replacements:
            counts[(r.kind, r.detector)] = counts.get((r.kind, r.detector), 0) + 1
        return counts


class Anonymizer:
    """Pseudonymizes transcripts for one project (or, without a project, in memory).

    Build it with `Anonymizer.for_project(...)` for an import, or `Anonymizer(...)` for a
    dry run; then `anonymize_turns` or `anonymize_batch`, `anonymize_text`, and `save`.
    """

    def __init__(self, project: Project | None = None, roster: Roster | Path | str | None = None,
                 nlp_model: str | None = None, key_path: Path | str | None = None,
                 speaker_style: str = "role", allow: Iterable[str] = (),
                 detectors: Iterable[str] | None = None):
        if speaker_style not in SPEAKER_STYLES:
            raise QualcodeError(f"unknown speaker style {speaker_style!r} "
                                f"(use {' or '.join(SPEAKER_STYLES)})")
        if isinstance(roster, (str, Path)):
            roster = load_roster(roster)
        self.project = project
        self.pseudonyms = (PseudonymTable.for_project(project) if project is not None
                           else PseudonymTable.in_memory())
        self.detector = Detector(roster, allow=[*allow, *_project_words(project)],
                                 nlp_model=nlp_model, detectors=detectors,
                                 known=self.pseudonyms.find)
        self.roster = roster or Roster()
        self._roster_parts = {e.entity: [normalize(s.text) for s in surfaces(Roster([e]))]
                              for e in self.roster.entries}
        self.key_path = Path(key_path) if key_path else None
        if self.key_path is not None and project is not None and (
                self.key_path.resolve() == project.db_path.resolve()):
            raise QualcodeError("--key must name a file of its own, not the project database")
        self.speaker_style = speaker_style
        self._originals: dict[str, tuple[str, set[str]]] = {}
        self._speakers: dict[str, str | None] = {}  # speaker label -> roster entity

    @classmethod
    def for_project(cls, project: Project, roster: Roster | Path | str | None = None,
                    nlp_model: str | None = None, key_path: Path | str | None = None,
                    speaker_style: str = "role") -> Anonymizer:
        """The anonymizer an import into `project` uses. `roster`: a Roster or a roster file;
        `nlp_model`: an installed spaCy pipeline to use as well; `key_path`: where to keep the
        pseudonym -> original key (None: nowhere); `speaker_style`: "role" or "pseudonym"."""
        return cls(project, roster=roster, nlp_model=nlp_model, key_path=key_path,
                   speaker_style=speaker_style)

    def anonymize_turns(self, turns: Sequence[Turn]) -> AnonymizedTurns:
        """Pseudonymize one transcript: every turn's text and speaker label."""
        return self.anonymize_batch([turns])[0]

    def anonymize_batch(self, transcripts: Sequence[Sequence[Turn]]) -> list[AnonymizedTurns]:
        """Pseudonymize several transcripts at once, so that a name found in one of them is
        replaced in all of them, earlier ones included."""
        texts, detections = self.detect_batch(transcripts)
        return [self._apply(turns, text, detection)
                for turns, text, detection in zip(transcripts, texts, detections, strict=True)]

    def detect_batch(self, transcripts: Sequence[Sequence[Turn]]
                     ) -> tuple[list[str], list[Detection]]:
        """What `anonymize_batch` finds before it replaces anything: each transcript's turns
        joined into one text (turns apart by a blank line), and the detection in it, the
        speakers' names included."""
        speakers = self._speaker_names(t for turns in transcripts for t in turns)
        texts = [_SEPARATOR.join(t.text for t in turns) for turns in transcripts]
        return texts, self.detector.detect_all(texts, names=speakers)

    @staticmethod
    def replaces_speaker(label: str | None) -> bool:
        """Whether a speaker label gives way to a role or pseudonym (it names someone) or
        stays as written (Interviewer, Speaker 2, Q, P3)."""
        label = (label or "").strip()
        return bool(label) and not _GENERIC_SPEAKER.fullmatch(label) and (
            " ".join(label.lower().split()) not in _NAMELESS_SPEAKERS) and not _heading(label)

    def anonymize_text(self, text: str) -> str:
        """Pseudonymize a short text on its own: a title, a file name ("_" counts as a
        space, so "interview_Dana_Whitcombe.docx" is caught)."""
        detection = self.detector.detect(text.replace("_", " "))
        return _rewrite(text, [(s.start, s.end, self._label(s, text))
                               for s in detection.spans])[0]

    def rewrite(self, text: str) -> Rewritten:
        """Pseudonymize a whole text that comes with positions of its own (an imported
        .qdpx): the new text, what was replaced, and how to move a position into it."""
        detection = self.detector.detect(text)
        spans = detection.spans
        new, placed = _rewrite(text, [(s.start, s.end, self._label(s, text)) for s in spans])
        replacements = [
            Replacement(0, start, end, new[start:end], span.kind, span.detector, span.confidence)
            for span, (start, end) in zip(spans, placed, strict=True)
        ]
        moved = Rewritten(new, [(s.start, s.end) for s in spans], placed, replacements, [])
        moved.candidates = [
            KeptCandidate(0, moved.position(c.start), moved.position(c.end, end=True), c.kind,
                          c.reason) for c in detection.candidates
        ]
        return moved

    def save(self, transcript_id: str, result: AnonymizedTurns | Rewritten,
             turn_starts: Sequence[int]) -> None:
        """Store what anonymizing a transcript made: new pseudonyms and their digests, the
        replacements and the review candidates (at offsets into the stored transcript text,
        `turn_starts[i]` being where turn i starts). Call it inside the transaction that
        inserts the transcript. Writes the key file too, when there is one."""
        self.save_pseudonyms()
        db = self.project.db
        db.conn.executemany(
            "INSERT INTO replacements (transcript_id, char_start, char_end, label, kind, "
            "detector, confidence, status) VALUES (?, ?, ?, ?, ?, ?, ?, 'applied')",
            [(transcript_id, turn_starts[r.turn] + r.start, turn_starts[r.turn] + r.end,
              r.label, r.kind, r.detector, r.confidence) for r in result.replacements])
        db.conn.executemany(
            "INSERT INTO anonymization_candidates (transcript_id, char_start, char_end, kind, "
            "reason, status) VALUES (?, ?, ?, ?, ?, 'open')",
            [(transcript_id, turn_starts[c.turn] + c.start, turn_starts[c.turn] + c.end,
              c.kind, c.reason) for c in result.candidates])
        if self.key_path is not None:
            write_key(self.key_path, self._originals)

    def save_pseudonyms(self) -> None:
        """Store the pseudonyms and digests made since the last save, inside the caller's
        transaction: what `save` does first, and what a caller that stores other text passed
        through `anonymize_text` (a memo, say) must do too."""
        if self.project is None:
            raise QualcodeError("nothing to save into: this anonymizer has no project")
        self.pseudonyms.save()

    # Internals.

    def _speaker_names(self, turns: Iterable[Turn]) -> list[str]:
        """The speakers' names that the roster does not know already, without titles."""
        names: dict[str, None] = {}
        for turn in turns:
            label = (turn.speaker or "").strip()
            if self.replaces_speaker(label) and not self._rostered(label):
                names[_untitled(label)] = None
        return list(names)

    def _rostered(self, label: str) -> str | None:
        """The roster entity a speaker label names, if any."""
        if label not in self._speakers:
            spans = self.detector.roster.find(label)
            self._speakers[label] = (spans[0].entity if spans and spans[0].kind == "PERSON"
                                     else None)
        return self._speakers[label]

    def _speaker_entity(self, label: str) -> str:
        return self._rostered(label) or normalize(_untitled(label))

    def _apply(self, turns: Sequence[Turn], text: str, detection: Detection) -> AnonymizedTurns:
        starts, offset = [], 0
        for turn in turns:
            starts.append(offset)
            offset += len(turn.text) + len(_SEPARATOR)
        labelled = [(s, self._label(s, text)) for s in detection.spans]
        by_turn: list[list[tuple[Span, str]]] = [[] for _ in turns]
        for s, label in labelled:
            i = bisect_right(starts, s.start) - 1
            if s.end <= starts[i] + len(turns[i].text):
                by_turn[i].append((s, label))
        kept: list[list[Candidate]] = [[] for _ in turns]
        for c in detection.candidates:
            kept[bisect_right(starts, c.start) - 1].append(c)
        result = AnonymizedTurns([])
        interviewers: dict[str, str] = {}
        for i, turn in enumerate(turns):
            base, end = starts[i], starts[i] + len(turn.text)
            inside = by_turn[i]
            new_text, placed = _rewrite(turn.text, [(s.start - base, s.end - base, label)
                                                    for s, label in inside])
            result.replacements += [Replacement(i, a, b, label, s.kind, s.detector, s.confidence)
                                    for (s, label), (a, b) in zip(inside, placed, strict=True)]
            ends = [s.end - base for s, _ in inside]
            shifts = list(accumulate((b - a) - (s.end - s.start)
                                     for (s, _), (a, b) in zip(inside, placed, strict=True)))
            for c in kept[i]:
                if c.end <= end:
                    before = bisect_right(ends, c.start - base)  # replacements ending before
                    moved = c.start - base + (shifts[before - 1] if before else 0)
                    result.candidates.append(
                        KeptCandidate(i, moved, moved + c.end - c.start, c.kind, c.reason))
            speaker = self._speaker_label(turn, interviewers)
            result.turns.append(replace(turn, text=new_text, speaker=speaker))
        return result

    def _label(self, span: Span, text: str) -> str:
        """The pseudonym for a detected span: the one its name already has, or a new one."""
        original = text[span.start:span.end]
        if span.entity.startswith("["):  # a name the project already knows
            label = span.entity
        elif span.kind not in NUMBERED_KINDS:
            label = f"[{span.kind}]"
        else:
            surface = normalize(original)
            found = self.pseudonyms.find(span.entity) or self.pseudonyms.find(surface)
            label = found[1] if found and found[0] == span.kind else self.pseudonyms.new(span.kind)
            self.pseudonyms.remember(label, [span.entity, surface, *self._parts(span)])
        self._originals.setdefault(label, (span.kind, set()))[1].add(original)
        return label

    def _parts(self, span: Span) -> list[str]:
        """Other surfaces a name is known by: a roster entry's aliases, first name, surname
        and initials; a detected person's first name and surname."""
        if span.entity in self._roster_parts:
            return self._roster_parts[span.entity]
        words = span.entity.split()
        return [words[0], words[-1]] if span.kind == "PERSON" and len(words) >= 2 else []

    def _speaker_label(self, turn: Turn, interviewers: dict[str, str]) -> str | None:
        if not self.replaces_speaker(turn.speaker):
            return turn.speaker
        label = turn.speaker.strip()
        entity = self._speaker_entity(label)
        person = self._label(Span(0, len(label), "PERSON", "roster", 1.0, entity), label)
        if self.speaker_style == "pseudonym":
            return person
        if turn.role == "interviewer":
            if entity not in interviewers:
                n = len(interviewers) + 1
                interviewers[entity] = "Interviewer" if n == 1 else f"Interviewer {n}"
            return interviewers[entity]
        found = self.pseudonyms.find(entity, namespace="speaker")
        code = found[1] if found else self.pseudonyms.new(PARTICIPANT)
        self.pseudonyms.remember(code, [entity], namespace="speaker")
        self._originals.setdefault(code, (PARTICIPANT, set()))[1].add(label)
        return code


def _untitled(name: str) -> str:
    """A name without its titles ("Dr. Okafor" -> "Okafor")."""
    words = [w for w in name.split() if w.lower().rstrip(".") not in TITLES]
    return " ".join(words) or name


@dataclass
class Rewritten:
    """A text after `Anonymizer.rewrite`: `replaced[i]` (old offsets) became `placed[i]`."""

    text: str
    replaced: list[tuple[int, int]]
    placed: list[tuple[int, int]]
    replacements: list[Replacement]
    candidates: list[KeptCandidate]

    def position(self, index: int, end: bool = False) -> int:
        """Where old offset `index` lands in the new text. A position inside a replaced
        name moves to the pseudonym's start (or, for the `end` of a range, its end), so
        that a coded range keeps covering what it covered."""
        i = bisect_right(self.replaced, (index, float("inf"))) - 1
        if i < 0:
            return index
        (start, stop), (new_start, new_stop) = self.replaced[i], self.placed[i]
        if index >= stop:
            return new_stop + index - stop
        if index == start:
            return new_start
        return new_stop if end else new_start


def _rewrite(text: str, spans: list[tuple[int, int, str]]) -> tuple[str, list[tuple[int, int]]]:
    """`text` with each (start, end, label), in text order, replaced by its label, and
    where each label landed."""
    pieces, placed, cursor, shift = [], [], 0, 0
    for start, end, label in spans:
        pieces += [text[cursor:start], label]
        placed.append((start + shift, start + shift + len(label)))
        shift += len(label) - (end - start)
        cursor = end
    pieces.append(text[cursor:])
    return "".join(pieces), placed


def _project_words(project: Project | None) -> list[str]:
    """Words anonymization must keep in this project: the codebook's code and group labels,
    and the words reviewers said are not names."""
    if project is None:
        return []
    from qualcode.anonymize.review import project_allow_list

    rows = project.db.execute("SELECT label FROM codes UNION SELECT label FROM code_groups")
    return [row[0] for row in rows] + project_allow_list(project)
