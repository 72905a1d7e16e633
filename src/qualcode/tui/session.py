"""The coder app's model, without any UI: one coder on one transcript.

It holds only the current transcript's segments, this coder's codings, reviews and memos on
it (and other coders' codings when asked), and makes every change through `qualcode.coding`:
one short transaction per action, so nothing typed is lost on quit, hang-up or kill.
"""

from __future__ import annotations

from dataclasses import dataclass

from qualcode import coding
from qualcode.codebook import Code, project_codebook
from qualcode.coding import Coding, UndoResult
from qualcode.errors import QualcodeError
from qualcode.store import Project, Segment, resolve_transcript_id

Snapshot = tuple[list[tuple[str, tuple[int, int] | None, bool]], bool, bool, list[str]]


def coder_transcripts(project: Project, coder: str) -> list[str]:
    """The transcripts assigned to `coder` (shared ones first), or every transcript when
    none are."""
    return coding.assigned_transcripts(project, coder) or project.transcript_ids()


@dataclass
class TranscriptProgress:
    id: str
    title: str
    done: int  # segments this coder has finished
    total: int


def transcript_progress(project: Project, coder: str) -> list[TranscriptProgress]:
    """This coder's transcripts (assigned ones, or all) with titles and progress."""
    rows = {tid: (title, done, total) for tid, title, done, total in project.db.execute(
        "SELECT t.id, t.title, count(r.segment_id), count(s.id) FROM transcripts t "
        "LEFT JOIN segments s ON s.transcript_id = t.id "
        "LEFT JOIN reviews r ON r.segment_id = s.id AND r.coder = ? GROUP BY t.id", [coder])}
    return [TranscriptProgress(tid, *rows[tid]) for tid in coder_transcripts(project, coder)]


def starting_point(project: Project, coder: str, transcript: str | None) -> tuple[str, int]:
    """Where the coder resumes: the first unfinished segment of `transcript`, or of the first
    assigned transcript with one unfinished (the first segment when all are done)."""
    if transcript is not None:
        tid = resolve_transcript_id(project, transcript)
        return tid, coding.first_unfinished(project, tid, coder) or 1
    candidates = coder_transcripts(project, coder)
    if not candidates:
        raise QualcodeError("this project has no transcripts yet; import some with "
                            "`qualcode import FILES`")
    for tid in candidates:
        ordinal = coding.first_unfinished(project, tid, coder)
        if ordinal is not None:
            return tid, ordinal
    return candidates[0], 1


class Session:
    """One coder's view of one transcript at a time."""

    def __init__(self, project: Project, coder: str) -> None:
        self.project = project
        self.coder = coder
        self.codebook = project_codebook(project)
        self.codes = {code.id: code for code in self.codebook.codes}
        self.shortcuts = self.codebook.by_shortcut()
        self.transcript_id = ""
        self.segments: list[Segment] = []
        self.index_of: dict[int, int] = {}
        self.mine: dict[int, list[Coding]] = {}
        self.others: dict[int, list[Coding]] = {}
        self.done: set[int] = set()
        self.memos: dict[int, str] = {}
        self.show_others = False

    def open(self, transcript_id: str) -> None:
        """Load one transcript (and nothing of the others)."""
        segments = self.project.segments(transcript_id)
        if not segments:
            raise QualcodeError(f"transcript {transcript_id} has no segments to code")
        self.transcript_id = transcript_id
        self.segments = segments
        self.index_of = {s.ordinal: i for i, s in enumerate(self.segments)}
        self.reload()

    def reload(self) -> set[int]:
        """Re-read this transcript's codings, reviews and memos; returns the ordinals whose
        display changed (after any action, including an undo on another segment)."""
        before = {s.ordinal: self.snapshot(s.ordinal) for s in self.segments}
        tid, me = self.transcript_id, self.coder
        self.mine = coding.segment_codings(self.project, tid, me)
        self.done = coding.done_ordinals(self.project, tid, me)
        self.memos = coding.segment_memos(self.project, tid, me)
        self.others = {}
        if self.show_others:
            for ordinal, codings in coding.segment_codings(self.project, tid, None).items():
                theirs = [c for c in codings if c.coder != me]
                if theirs:
                    self.others[ordinal] = theirs
        return {o for o, snap in before.items() if snap != self.snapshot(o)}

    def snapshot(self, ordinal: int) -> Snapshot:
        """What the row of a segment shows, for telling which rows changed."""
        return (
            [(c.code_id, c.span, bool(c.memo)) for c in self.mine.get(ordinal, [])],
            ordinal in self.done,
            ordinal in self.memos,
            [f"{c.coder}:{c.code_id}" for c in self.others.get(ordinal, [])],
        )

    # -- reading ---------------------------------------------------------------------------

    def codes_on(self, ordinal: int) -> tuple[set[str], set[str]]:
        """This coder's codes on a segment: (all, those on an excerpt only)."""
        codings = self.mine.get(ordinal, [])
        whole = {c.code_id for c in codings if c.span is None}
        every = {c.code_id for c in codings}
        return every, every - whole

    def coding_count(self) -> int:
        return sum(len(codings) for codings in self.mine.values())

    def next_unfinished(self, order: list[int], position: int) -> int | None:
        """The position in `order` of the next segment not done, after `position`, wrapping."""
        count = len(order)
        for step in range(1, count + 1):
            candidate = (position + step) % count
            if self.segments[order[candidate]].ordinal not in self.done:
                return candidate
        return None

    # -- actions (each one transaction in qualcode.coding) ---------------------------------

    def toggle(self, segment: Segment, code: Code, span: tuple[int, int] | None = None, *,
               provenance: str = "manual", confidence: float | None = None) -> bool:
        """Apply `code` (on `span`), or remove it when this coder has it there already.

        Without a span, a code applied only to excerpts of the segment is removed from all
        of them. Returns True when the code was applied.
        """
        codings = [c for c in self.mine.get(segment.ordinal, []) if c.code_id == code.id]
        here = [c for c in codings if c.span == span]
        if here or (span is None and codings):
            coding.remove_code(self.project, segment.id, code.id, self.coder, span=span,
                               every_span=not here)
            return False
        coding.apply_code(self.project, segment.id, code.id, self.coder, span=span,
                          provenance=provenance, confidence=confidence)
        return True

    def mark_done(self, segment: Segment) -> None:
        coding.set_done(self.project, segment.id, self.coder)

    def save_memo(self, segment: Segment, coding_id: int | None, text: str) -> None:
        """Save a memo on the segment (coding_id None) or on one of this coder's codings;
        saving the same text again changes and logs nothing."""
        if coding_id is None:
            coding.set_segment_memo(self.project, segment.id, self.coder, text)
        else:
            coding.set_coding_memo(self.project, coding_id, self.coder, text)

    def undo(self) -> UndoResult | None:
        return coding.undo(self.project, self.coder)

    def redo(self) -> UndoResult | None:
        return coding.redo(self.project, self.coder)
