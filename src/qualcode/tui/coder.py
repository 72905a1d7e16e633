"""The coder app: `qualcode code`, one coder walking through transcripts segment by segment.

Layout: the transcript on the left, suggestions and the codebook on the right, a status bar
and the key footer at the bottom. Every change goes through `Session` (and so through
`qualcode.coding`, one transaction per action) the moment a key is pressed.
"""

from __future__ import annotations

import functools
import threading
import unicodedata
from collections.abc import Callable
from pathlib import Path
from typing import Any, Literal

from textual import work
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.worker import get_current_worker

from qualcode.codebook import Code
from qualcode.coding import UndoResult
from qualcode.errors import QualcodeError
from qualcode.store import Project, Segment
from qualcode.tui.excerpt import ExcerptScreen, Selection
from qualcode.tui.panels import CodebookPanel, KeyBar, StatusBar, SuggestionsPanel
from qualcode.tui.screens import (
    CodeSearchScreen,
    DefinitionScreen,
    ExplainScreen,
    HelpScreen,
    MemoScreen,
    MemoTarget,
    TranscriptScreen,
)
from qualcode.tui.segments import RowView, SegmentList, Tag, code_colour
from qualcode.tui.session import Session, starting_point, transcript_progress
from qualcode.tui.suggestions import (
    SuggestFn,
    Suggestion,
    SuggestionSource,
    UncertaintyFn,
    project_source,
)

Order = Literal["transcript", "uncertain"]


def reported(action: Callable[..., None]) -> Callable[..., None]:
    """Show a QualcodeError (say, an undo that conflicts with a later change) as a notice
    instead of ending the app."""

    @functools.wraps(action)
    def run(self: Screen, *args: Any) -> None:
        try:
            action(self, *args)
        except QualcodeError as e:
            self.notify(str(e), severity="error", timeout=6)

    return run


def key_name(character: str) -> str:
    """Textual's name for the key that types `character` (a letter is its own name)."""
    if character.isalnum():
        return character
    return unicodedata.name(character).lower().replace("-", "_").replace(" ", "_")


KEY_NAMES = {"question_mark": "?", "slash": "/", "enter": "Enter", "space": "Space",
             "ctrl+r": "Ctrl+R", "down": "↓", "up": "↑"}
MORE_KEYS = [
    ("a-z A-Z", "apply or remove the code with that shortcut (see the codebook panel)"),
    ("1-9", "accept (or remove) suggestion N, recorded with its confidence"),
    ("Esc", "drop the narrowed excerpt: codes go on the whole segment again"),
    ("", ""),
    ("✓", "a segment you marked done"),
    ("~Tag", "a code on part of the segment (the part is underlined)"),
    ("✎", "a segment with your memo"),
    ("name:Tag", "another coder's code (shown only with o)"),
]


class CodingScreen(Screen[None]):
    """The main screen; its bindings are the key map shown in the footer and on `?`."""

    BINDINGS = [
        Binding("question_mark", "help", "help", key_display="?", tooltip="this help"),
        Binding("j,down", "move(1)", "move", key_display="j/k", tooltip="next segment"),
        Binding("k,up", "move(-1)", show=False, key_display="k", tooltip="previous segment"),
        Binding("enter,space", "done", "done", key_display="⏎",
                tooltip="mark the segment done and move on (Enter or Space)"),
        Binding("slash", "search", "search", key_display="/",
                tooltip="find a code by id, label or keyword (fuzzy), Enter applies"),
        Binding("e", "excerpt", "excerpt", tooltip="narrow the excerpt to part of the segment"),
        Binding("m", "memo", "memo", tooltip="memo on the segment or one of its codings"),
        Binding("u", "undo", "undo", tooltip="undo your last coding action"),
        Binding("ctrl+r", "redo", show=False, key_display="^r", tooltip="redo"),
        Binding("n", "next_unfinished", "todo", tooltip="jump to the next segment not done"),
        Binding("t", "transcripts", show=False, tooltip="switch transcript"),
        Binding("d", "definition", show=False,
                tooltip="show a code's definition and when to use it"),
        Binding("o", "others", show=False, tooltip="show or hide other coders' codings"),
        Binding("w", "explain", show=False, tooltip="explain the suggestions"),
        Binding("q", "quit", "quit", tooltip="quit (everything is saved already)"),
        Binding("escape", "whole_segment", show=False),
        *(Binding(str(n), f"accept({n})", show=False) for n in range(1, 10)),
    ]

    def __init__(self, session: Session, start: tuple[str, int], order: Order,
                 source: SuggestionSource | None) -> None:
        super().__init__()
        self.session = session
        self.start = start
        self.order_mode = order
        self.source = source
        self.order: list[int] = []
        self.position = 0
        self.span: tuple[int, int] | None = None
        self.suggestions: dict[int, list[Suggestion]] = {}
        self.suggester_starting = False
        self.moved = False
        self.suggest_lock = threading.Lock()
        # Code shortcuts are bindings too, so keys typed fast are handled in the order typed.
        for character, code in session.shortcuts.items():
            self._bindings.bind(key_name(character), f"toggle_code({code.id!r})", show=False)
        self.segment_list = SegmentList(id="segments")
        self.codebook_panel = CodebookPanel(session.codebook, id="codebook")
        self.suggestions_panel = SuggestionsPanel(session.codebook, id="suggestions")
        self.status = StatusBar(id="status")

    def compose(self) -> ComposeResult:
        with Horizontal(id="main"):
            yield self.segment_list
            with Vertical(id="side"):
                yield self.suggestions_panel
                yield self.codebook_panel
        yield self.status
        yield KeyBar(self.BINDINGS, id="keys")

    def on_mount(self) -> None:
        self.show_transcript(self.start[1])
        self.segment_list.focus()

    # -- where we are ----------------------------------------------------------------------

    @property
    def index(self) -> int:
        return self.order[self.position]

    @property
    def segment(self) -> Segment:
        return self.session.segments[self.index]

    def open_transcript(self, transcript_id: str, ordinal: int) -> None:
        """Load a transcript (only its own segments) and show it at segment `ordinal`."""
        self.session.open(transcript_id)
        self.show_transcript(ordinal)

    def show_transcript(self, ordinal: int) -> None:
        """Show the session's transcript, in transcript order, at segment `ordinal`."""
        self.suggestions.clear()
        self.order = list(range(len(self.session.segments)))
        self.position = self.session.index_of.get(ordinal, 0)
        self.span = None
        self.segment_list.load(len(self.session.segments), self.row_view, self.index)
        self.show_segment()
        if self.order_mode == "uncertain" and self.source is not None:
            self.walk_uncertain_first()

    def go(self, position: int) -> None:
        self.moved = True
        self.position = min(max(position, 0), len(self.order) - 1)
        self.span = None
        self.segment_list.set_current(self.index)
        self.show_segment()

    def show_segment(self) -> None:
        """Refresh what depends on the current segment: side panels, status, suggestions."""
        self.show_codes()
        self.show_status()
        self.request_suggestions()

    def show_codes(self) -> None:
        """Check this coder's codes in the codebook panel and tick them in the suggestions."""
        checked, partial = self.session.codes_on(self.segment.ordinal)
        self.codebook_panel.show(checked, partial)
        cached = self.suggestions.get(self.segment.id)
        if cached is not None:
            self.suggestions_panel.show(cached, checked)

    def show_status(self) -> None:
        session = self.session
        self.status.show(
            transcript=session.transcript_id, position=self.segment.ordinal,
            count=len(session.segments), done=len(session.done), codings=session.coding_count(),
            coder=session.coder, others=session.show_others, order=self.order_mode,
            excerpt=f"{self.span[0]}-{self.span[1]}" if self.span else None)

    def row_view(self, index: int) -> RowView:
        session = self.session
        segment = session.segments[index]
        codes = session.codes
        row = RowView(
            ordinal=segment.ordinal, speaker=segment.speaker or segment.role,
            interviewer=segment.role == "interviewer", text=segment.text,
            done=segment.ordinal in session.done,
            memo=segment.ordinal in session.memos
            or any(c.memo for c in session.mine.get(segment.ordinal, [])))
        for c in session.mine.get(segment.ordinal, []):
            colour = code_colour(c.code_id, codes[c.code_id].colour)
            row.tags.append(Tag(codes[c.code_id].label, colour, partial=c.span is not None))
            if c.span is not None:
                row.spans.append((*c.span, colour))
        for c in session.others.get(segment.ordinal, []):
            row.tags.append(Tag(codes[c.code_id].label, code_colour(c.code_id,
                                                                    codes[c.code_id].colour),
                                coder=c.coder))
        if index == self.index and self.span is not None:
            row.spans.append((*self.span, "yellow"))
        return row

    def changed(self) -> None:
        """After any write: re-read this transcript and redraw only the rows that changed."""
        self.moved = True
        ordinals = self.session.reload()
        self.segment_list.refresh_rows(self.session.index_of[o] for o in ordinals)
        self.show_codes()
        self.show_status()

    # -- suggestions (worker threads; never applied without a key) ---------------------------

    def request_suggestions(self) -> None:
        """Compute the current segment's suggestions (and the next segment's, ahead of
        time) in a worker thread when they are not known yet; `show_codes` shows known ones."""
        if self.source is None:
            self.suggestions_panel.show_message(
                "starting the suggester…" if self.suggester_starting else "no suggester")
            return
        cached = self.suggestions.get(self.segment.id)
        if cached is None:
            self.suggestions_panel.show_message("thinking…")
        ahead = self.next_segment()
        if cached is None or (ahead is not None and ahead.id not in self.suggestions):
            self.compute_suggestions(self.segment, ahead)

    def next_segment(self) -> Segment | None:
        if self.position + 1 < len(self.order):
            return self.session.segments[self.order[self.position + 1]]
        return None

    @work(thread=True, exclusive=True, group="suggest")
    def compute_suggestions(self, segment: Segment, then: Segment | None) -> None:
        """Suggest for the current segment, then the next one ahead of time."""
        worker = get_current_worker()
        for wanted in (segment, then):
            with self.suggest_lock:
                if wanted is None or worker.is_cancelled or wanted.id in self.suggestions:
                    continue
                try:
                    found = self.source.for_segment(wanted)
                except QualcodeError as e:
                    self.app.call_from_thread(self.suggestions_panel.show_message, str(e))
                    return
            self.app.call_from_thread(self.got_suggestions, wanted.id, found)

    def got_suggestions(self, segment_id: int, found: list[Suggestion]) -> None:
        self.suggestions[segment_id] = found
        if segment_id == self.segment.id:
            self.suggestions_panel.show(found, self.session.codes_on(self.segment.ordinal)[0])

    def source_ready(self, source: SuggestionSource | None) -> None:
        self.source = source
        self.request_suggestions()
        if self.order_mode == "uncertain":
            if source is None:
                self.notify("no suggester: segments in transcript order")
            else:
                self.walk_uncertain_first()

    @work(thread=True, exclusive=True, group="uncertainty")
    def walk_uncertain_first(self) -> None:
        tid = self.session.transcript_id
        with self.suggest_lock:
            try:
                values = self.source.uncertainties(self.session.segments)
            except QualcodeError:
                values = None
        self.app.call_from_thread(self.got_uncertainty, tid, values)

    def got_uncertainty(self, transcript_id: str, values: list[float] | None) -> None:
        if transcript_id != self.session.transcript_id:
            return
        if values is None:
            self.notify("the suggester gives no uncertainty: segments in transcript order")
            return
        current = self.index
        self.order = sorted(range(len(values)), key=lambda i: -values[i])
        self.position = self.order.index(current)
        if not self.moved:
            todo = self.session.next_unfinished(self.order, len(self.order) - 1)
            self.position = self.position if todo is None else todo
            self.segment_list.set_current(self.index)
            self.show_segment()
        self.notify("walking this transcript least-sure segments first")

    # -- actions ---------------------------------------------------------------------------

    def action_move(self, step: int) -> None:
        self.go(self.position + step)

    @reported
    def action_done(self) -> None:
        if self.segment.ordinal not in self.session.done:
            self.session.mark_done(self.segment)
            self.changed()
        if self.position + 1 < len(self.order):
            self.go(self.position + 1)
        else:
            self.notify("last segment; n goes to the next one not done")

    @reported
    def toggle(self, code: Code, provenance: str = "manual",
               confidence: float | None = None) -> None:
        applied = self.session.toggle(self.segment, code, self.span, provenance=provenance,
                                      confidence=confidence)
        self.changed()
        if not applied:
            self.notify(f"removed {code.label}", timeout=2)

    def action_toggle_code(self, code_id: str) -> None:
        self.toggle(self.session.codes[code_id])

    def action_accept(self, number: int) -> None:
        suggestions = self.suggestions.get(self.segment.id)
        if suggestions is None:
            self.notify("the suggestions are not ready yet", timeout=2)
        elif number > len(suggestions):
            self.notify(f"there is no suggestion {number}", timeout=2)
        else:
            chosen = suggestions[number - 1]
            self.toggle(self.session.codes[chosen.code_id], "suggestion", chosen.score)

    def action_search(self) -> None:
        def picked(code_id: str | None) -> None:
            if code_id:
                self.toggle(self.session.codes[code_id])

        applied = self.session.codes_on(self.segment.ordinal)[0]
        self.app.push_screen(CodeSearchScreen(self.session.codebook, applied), picked)

    def action_excerpt(self) -> None:
        def picked(selection: Selection | None) -> None:
            if selection is not None:
                self.span = selection.span()
                self.segment_list.refresh_rows([self.index])
                self.show_status()

        self.app.push_screen(ExcerptScreen(self.segment.text, self.span), picked)

    def action_whole_segment(self) -> None:
        if self.span is not None:
            self.span = None
            self.segment_list.refresh_rows([self.index])
            self.show_status()

    def action_memo(self) -> None:
        segment = self.segment
        session = self.session
        targets = [MemoTarget(f"segment {segment.ordinal}", None,
                              session.memos.get(segment.ordinal, ""))]
        for c in session.mine.get(segment.ordinal, []):
            where = f" on {c.span_start}-{c.span_end}" if c.span else ""
            targets.append(MemoTarget(f"coding {session.codes[c.code_id].label}{where}", c.id,
                                      c.memo or ""))

        self.app.push_screen(MemoScreen(targets, functools.partial(self.save_memo, segment)))

    @reported
    def save_memo(self, segment: Segment, coding_id: int | None, text: str) -> None:
        self.session.save_memo(segment, coding_id, text)
        self.changed()

    def _after_undo(self, result: UndoResult | None, verb: str) -> None:
        if result is None:
            self.notify(f"nothing to {verb}", timeout=2)
            return
        if result.transcript_id and result.transcript_id != self.session.transcript_id:
            self.open_transcript(result.transcript_id, result.ordinal)
        else:
            self.changed()
            if result.ordinal in self.session.index_of:
                self.go(self.order.index(self.session.index_of[result.ordinal]))
        self.notify(result.describe(f"{verb} of"), timeout=3)

    @reported
    def action_undo(self) -> None:
        self._after_undo(self.session.undo(), "undo")

    @reported
    def action_redo(self) -> None:
        self._after_undo(self.session.redo(), "redo")

    def action_next_unfinished(self) -> None:
        found = self.session.next_unfinished(self.order, self.position)
        if found is None:
            self.notify("every segment of this transcript is done; t switches transcript")
        else:
            self.go(found)

    def action_transcripts(self) -> None:
        choices = transcript_progress(self.session.project, self.session.coder)
        self.app.push_screen(TranscriptScreen(choices, self.session.transcript_id),
                             self.switch_to)

    @reported
    def switch_to(self, transcript_id: str | None) -> None:
        """Open another transcript at this coder's first unfinished segment of it."""
        if transcript_id and transcript_id != self.session.transcript_id:
            self.moved = False
            self.open_transcript(*starting_point(self.session.project, self.session.coder,
                                                 transcript_id))

    def action_definition(self) -> None:
        mine = self.session.mine.get(self.segment.ordinal, [])
        suggested = self.suggestions.get(self.segment.id) or []
        code_id = (mine[-1].code_id if mine else suggested[0].code_id if suggested
                   else self.session.codebook.codes[0].id)
        self.app.push_screen(DefinitionScreen(self.session.codebook, code_id))

    def action_others(self) -> None:
        self.session.show_others = not self.session.show_others
        self.changed()
        self.notify("showing other coders' codings" if self.session.show_others
                    else "showing only your codings", timeout=2)

    def action_explain(self) -> None:
        self.app.push_screen(ExplainScreen(self.suggestions.get(self.segment.id),
                                           self.session.codebook))

    def action_help(self) -> None:
        rows = [(" ".join(KEY_NAMES.get(k, k) for k in b.key.split(",")), b.tooltip)
                for b in self.BINDINGS if b.tooltip]
        self.app.push_screen(HelpScreen([*rows, *MORE_KEYS]))

    def action_quit(self) -> None:
        self.app.exit()


class CoderApp(App[None]):
    """`qualcode code`: one coder, one project.

    `suggest` is a callable `segment -> [(code_id, score, reason), ...]`, None for no
    suggestions, or "auto" for the project's suggester when `qualcode.suggest` is available
    (in a child process started after the first screen, which never waits for it).
    `uncertainty` (`segment -> float`, higher = less sure) orders the walk for
    `order="uncertain"`.
    """

    CSS_PATH = Path(__file__).with_name("coder.tcss")
    TITLE = "qualcode"
    ENABLE_COMMAND_PALETTE = False

    def __init__(self, project: Project, coder: str, *, transcript: str | None = None,
                 order: Order = "transcript",
                 suggest: SuggestFn | Literal["auto"] | None = "auto",
                 uncertainty: UncertaintyFn | None = None) -> None:
        super().__init__()
        if not coder.strip():
            raise QualcodeError("a coder name is needed (--coder NAME)")
        self.project = project
        self.coder = coder.strip()
        self.session = Session(project, self.coder)
        start = starting_point(project, self.coder, transcript)
        self.session.open(start[0])
        source = SuggestionSource(suggest, uncertainty) if callable(suggest) else None
        self.coding_screen = CodingScreen(self.session, start, order, source)
        self.coding_screen.suggester_starting = suggest == "auto"

    def get_default_screen(self) -> Screen:
        return self.coding_screen

    def on_mount(self) -> None:
        if self.coding_screen.suggester_starting:
            self.call_after_refresh(self.start_suggester)
        elif self.coding_screen.source is None and self.coding_screen.order_mode == "uncertain":
            self.notify("no suggester: segments in transcript order")

    def start_suggester(self) -> None:
        """Start the project's suggester (a child process) once the first screen is up."""
        source = project_source(Path(self.project.folder), self.coder)
        self.coding_screen.suggester_starting = False
        self.coding_screen.source_ready(source)

    def on_unmount(self) -> None:
        if self.coding_screen.source is not None:
            self.coding_screen.source.close()
