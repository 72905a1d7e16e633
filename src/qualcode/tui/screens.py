"""The coder app's dialogs: help, code search, definitions, explanations, transcripts, memos."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils
from rich.table import Table
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.events import Key
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Input, OptionList, Static, TextArea
from textual.widgets.option_list import Option

from qualcode.codebook import Code, Codebook
from qualcode.tui.segments import code_colour
from qualcode.tui.session import TranscriptProgress
from qualcode.tui.suggestions import Suggestion

SEARCH_CUTOFF = 50
KEYWORD_WEIGHT = 0.95
MEMO_SAVE_DELAY_S = 0.4


class Dialog(ModalScreen):
    """A modal dialog in a bordered box; Escape closes it."""

    BINDINGS = [Binding("escape", "close", "close")]
    TITLE_TEXT = ""

    def action_close(self) -> None:
        self.dismiss(None)

    def on_mount(self) -> None:
        self.query_one(".dialog").border_title = self.TITLE_TEXT


class HelpScreen(Dialog):
    """The key map."""

    TITLE_TEXT = "Keys (Esc closes)"
    BINDINGS = [Binding("question_mark,q", "close", "close")]

    def __init__(self, rows: list[tuple[str, str]]) -> None:
        super().__init__()
        self.rows = rows

    def compose(self) -> ComposeResult:
        table = Table.grid(padding=(0, 2))
        table.add_column(style="bold", no_wrap=True)
        table.add_column()
        for keys, meaning in self.rows:
            table.add_row(keys, meaning)
        with VerticalScroll(classes="dialog"):
            yield Static(table)


# -- code search -------------------------------------------------------------------------------

def rank_codes(codes: list[Code], query: str) -> list[Code]:
    """Codes whose id, label or a keyword fuzzily matches `query`, best first; a keyword
    match counts a little less than the same match on the label or id (all codes, in
    codebook order, for an empty query)."""
    if not query.strip():
        return list(codes)
    choices: list[str] = []
    owners: list[tuple[int, float]] = []
    for number, code in enumerate(codes):
        for text, weight in ((code.id, 1.0), (code.label, 1.0),
                             *((k, KEYWORD_WEIGHT) for k in code.keywords)):
            choices.append(text)
            owners.append((number, weight))
    best: dict[int, float] = {}
    for _, score, at in process.extract(query, choices, scorer=fuzz.WRatio,
                                        processor=utils.default_process, limit=None,
                                        score_cutoff=SEARCH_CUTOFF):
        number, weight = owners[at]
        best[number] = max(best.get(number, 0.0), score * weight)
    return [codes[n] for n in sorted(best, key=lambda n: (-best[n], n))]


class CodeSearchScreen(Dialog):
    """Fuzzy search over code ids, labels and keywords; Enter picks (dismisses the code id)."""

    TITLE_TEXT = "Apply or remove a code"
    BINDINGS = [Binding("down", "cursor(1)", show=False), Binding("up", "cursor(-1)", show=False)]

    def __init__(self, codebook: Codebook, applied: set[str]) -> None:
        super().__init__()
        self.codes = codebook.codes
        self.applied = applied

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Input(placeholder="id, label or keyword", id="search-input")
            yield OptionList(id="search-results")
            yield Static("↑/↓ choose  Enter apply (remove if applied)  Esc cancel", classes="hint")

    def on_mount(self) -> None:
        super().on_mount()
        self._fill("")

    @on(Input.Changed, "#search-input")
    def _changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def _fill(self, query: str) -> None:
        options = self.query_one("#search-results", OptionList)
        options.clear_options()
        for code in rank_codes(self.codes, query):
            prompt = Text.assemble(
                ("✓ " if code.id in self.applied else "  ", "bold green"),
                ("█ ", code_colour(code.id, code.colour)), code.label,
                (f"  {code.id}", "dim"))
            options.add_option(Option(prompt, id=code.id))
        if options.option_count:
            options.highlighted = 0

    def action_cursor(self, step: int) -> None:
        options = self.query_one("#search-results", OptionList)
        if options.option_count:
            current = options.highlighted or 0
            options.highlighted = min(max(current + step, 0), options.option_count - 1)

    @on(Input.Submitted, "#search-input")
    def _submitted(self) -> None:
        options = self.query_one("#search-results", OptionList)
        if options.highlighted is not None:
            self.dismiss(options.get_option_at_index(options.highlighted).id)

    @on(OptionList.OptionSelected, "#search-results")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


# -- definitions and explanations --------------------------------------------------------------

def definition_text(code: Code) -> Text:
    text = Text()
    text.append(f"{code.label}\n", style=f"bold {code_colour(code.id, code.colour)}")
    text.append(f"{code.id}", style="dim")
    text.append(f"   key {code.shortcut}\n" if code.shortcut else "\n", style="dim")
    for title, body in (("Definition", code.definition), ("Use when", code.use_when),
                        ("Do not use when", code.do_not_use_when)):
        if body:
            text.append(f"\n{title}: ", style="bold")
            text.append(body + "\n")
    for example in code.examples:
        text.append("\nExample: ", style="bold")
        text.append(f"\u201c{example}\u201d\n", style="italic")
    if code.keywords:
        text.append("\nKeywords: ", style="bold")
        text.append(", ".join(code.keywords))
    return text


class DefinitionScreen(Dialog):
    """A code's definition; ←/→ (or a code's shortcut) shows another code."""

    TITLE_TEXT = "Code definition  (←/→ or a code key: other code; Esc closes)"
    BINDINGS = [Binding("d", "close", show=False), Binding("left", "step(-1)", show=False),
                Binding("right", "step(1)", show=False)]

    def __init__(self, codebook: Codebook, code_id: str) -> None:
        super().__init__()
        self.codes = codebook.codes
        self.shortcuts = codebook.by_shortcut()
        self.index = next((i for i, c in enumerate(self.codes) if c.id == code_id), 0)

    def compose(self) -> ComposeResult:
        with VerticalScroll(classes="dialog"):
            yield Static(id="definition")

    def on_mount(self) -> None:
        super().on_mount()
        self._draw()

    def _draw(self) -> None:
        self.query_one("#definition", Static).update(definition_text(self.codes[self.index]))

    def action_step(self, step: int) -> None:
        self.index = (self.index + step) % len(self.codes)
        self._draw()

    def on_key(self, event: Key) -> None:
        code = self.shortcuts.get(event.character or "")
        if code is not None:
            event.stop()
            self.index = self.codes.index(code)
            self._draw()


class ExplainScreen(Dialog):
    """Why each suggestion for the current segment was made."""

    TITLE_TEXT = "Why these suggestions (Esc closes)"
    BINDINGS = [Binding("w", "close", show=False)]

    def __init__(self, suggestions: list[Suggestion] | None, codebook: Codebook) -> None:
        super().__init__()
        self.suggestions = suggestions
        self.labels = {code.id: code.label for code in codebook.codes}

    def compose(self) -> ComposeResult:
        text = Text()
        if self.suggestions is None:
            text.append("The suggestions are not ready yet.", style="italic")
        elif not self.suggestions:
            text.append("No suggestion for this segment.", style="italic")
        for number, s in enumerate(self.suggestions or [], 1):
            text.append(f"{number}  {self.labels.get(s.code_id, s.code_id)}", style="bold")
            text.append(f"  {round(s.score * 100)}%  {s.code_id}\n", style="dim")
            text.append(f"   {s.reason or 'no reason given'}\n")
        with VerticalScroll(classes="dialog"):
            yield Static(text)


# -- switching transcript ----------------------------------------------------------------------

class TranscriptScreen(Dialog):
    """Pick a transcript (dismisses its id); typing filters the list."""

    TITLE_TEXT = "Switch transcript"
    BINDINGS = [Binding("down", "cursor(1)", show=False), Binding("up", "cursor(-1)", show=False)]

    def __init__(self, choices: list[TranscriptProgress], current: str) -> None:
        super().__init__()
        self.choices = choices
        self.current = current

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield Input(placeholder="filter by id or title", id="transcript-filter")
            yield OptionList(id="transcript-list")
            yield Static("↑/↓ choose  Enter open  Esc cancel", classes="hint")

    def on_mount(self) -> None:
        super().on_mount()
        self._fill("")

    @on(Input.Changed, "#transcript-filter")
    def _changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def _fill(self, query: str) -> None:
        wanted = query.strip().lower()
        options = self.query_one("#transcript-list", OptionList)
        options.clear_options()
        highlight = 0
        for choice in self.choices:
            if wanted and wanted not in choice.id.lower() and wanted not in choice.title.lower():
                continue
            if choice.id == self.current:
                highlight = options.option_count
            percent = round(100 * choice.done / choice.total) if choice.total else 0
            prompt = Text.assemble((f"{percent:>3}% ", "bold green" if percent == 100 else "dim"),
                                   choice.id, (f"  {choice.title}" if choice.title != choice.id
                                               else "", "dim"))
            options.add_option(Option(prompt, id=choice.id))
        if options.option_count:
            options.highlighted = highlight

    def action_cursor(self, step: int) -> None:
        options = self.query_one("#transcript-list", OptionList)
        if options.option_count:
            current = options.highlighted or 0
            options.highlighted = min(max(current + step, 0), options.option_count - 1)

    @on(Input.Submitted, "#transcript-filter")
    def _submitted(self) -> None:
        options = self.query_one("#transcript-list", OptionList)
        if options.highlighted is not None:
            self.dismiss(options.get_option_at_index(options.highlighted).id)

    @on(OptionList.OptionSelected, "#transcript-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)


# -- memos -------------------------------------------------------------------------------------

@dataclass
class MemoTarget:
    label: str
    coding_id: int | None  # None: the memo on the segment
    text: str


class MemoScreen(Dialog):
    """Edit the memo on the segment or on one of its codings; saved as you type."""

    TITLE_TEXT = "Memo"

    def __init__(self, targets: list[MemoTarget],
                 save: Callable[[int | None, str], None]) -> None:
        super().__init__()
        self.targets = targets
        self.target = targets[0]
        self.save = save
        self._pending: Timer | None = None

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog"):
            yield OptionList(*(Option(t.label) for t in self.targets), id="memo-targets")
            yield TextArea(self.target.text, id="memo-text", soft_wrap=True)
            yield Static("Saved as you type. Esc saves and closes. Tab: choose what the memo "
                         "is on.", classes="hint", id="memo-hint")

    def on_mount(self) -> None:
        super().on_mount()
        targets = self.query_one("#memo-targets", OptionList)
        targets.highlighted = 0
        targets.display = len(self.targets) > 1
        self.query_one("#memo-text", TextArea).focus()

    @on(TextArea.Changed, "#memo-text")
    def _typed(self) -> None:
        """Save once typing pauses (a pause of MEMO_SAVE_DELAY_S)."""
        if self._pending is not None:
            self._pending.stop()
        self._pending = self.set_timer(MEMO_SAVE_DELAY_S, self._save)

    @on(OptionList.OptionHighlighted, "#memo-targets")
    def _retarget(self, event: OptionList.OptionHighlighted) -> None:
        target = self.targets[event.option_index]
        if target is not self.target:
            self._save()
            self.target = target
            self.query_one("#memo-text", TextArea).text = target.text

    def _save(self) -> None:
        text = self.query_one("#memo-text", TextArea).text
        if text != self.target.text:
            self.save(self.target.coding_id, text)
            self.target.text = text
            self.query_one("#memo-hint", Static).update(
                "Saved. Esc closes. Tab: choose what the memo is on.")

    def action_close(self) -> None:
        self._save()
        self.dismiss(None)
