"""The side panels and the status bar of the coder app."""

from __future__ import annotations

from rich.text import Text
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Static

from qualcode.codebook import Code, Codebook
from qualcode.tui.segments import code_colour
from qualcode.tui.suggestions import Suggestion

BAR_CELLS = 5


def confidence_bar(score: float) -> str:
    filled = round(score * BAR_CELLS)
    return "█" * filled + "░" * (BAR_CELLS - filled)


class CodebookPanel(VerticalScroll):
    """Groups and codes with their shortcut keys; the current segment's codes checked.

    One line widget per code, so checking a code redraws that line only.
    """

    def __init__(self, codebook: Codebook, *, id: str | None = None) -> None:
        super().__init__(id=id, can_focus=False)
        self.codebook = codebook
        self.border_title = "Codebook"
        self._lines = {code.id: Static(self._line(code, " "), classes="code-line")
                       for code in codebook.codes}
        self._boxes = {code.id: " " for code in codebook.codes}

    def compose(self):
        for number, group in enumerate(self.codebook.groups):
            title = Text(group.label, style="bold underline")
            title.append(" (one)" if group.exclusive else "", style="dim")
            yield Static(title, classes="group-line" + (" later" if number else ""))
            for code in group.codes:
                yield self._lines[code.id]

    @staticmethod
    def _line(code: Code, box: str) -> Text:
        text = Text("  " if code.parent else "")
        text.append(f"[{box}]", style="bold green" if box != " " else "dim")
        text.append(f" {code.shortcut or ' '} ", style="bold reverse" if code.shortcut else "")
        text.append("█ ", style=code_colour(code.id, code.colour))
        text.append(code.label)
        return text

    def show(self, checked: set[str], partial: set[str]) -> None:
        """Check the codes in `checked` ([~] for those applied to an excerpt only)."""
        for code in self.codebook.codes:
            box = "~" if code.id in partial else "x" if code.id in checked else " "
            if box != self._boxes[code.id]:
                self._boxes[code.id] = box
                self._lines[code.id].update(self._line(code, box), layout=False)


class SuggestionsPanel(Static):
    """The ranked suggestions for the current segment, keys 1-9."""

    def __init__(self, codebook: Codebook, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.labels = {code.id: code.label for code in codebook.codes}
        self.border_title = "Suggestions 1-9"
        self._lines = 0

    def _show(self, text: Text) -> None:
        """Update, laying out again only when the number of lines changes."""
        lines = len(text.plain.splitlines())
        self.update(text, layout=lines != self._lines)
        self._lines = lines

    def show_message(self, message: str) -> None:
        """A one-line message, padded to the lines shown before so nothing moves."""
        self._show(Text(message + "\n" * max(self._lines - 1, 0), style="dim italic"))

    def show(self, suggestions: list[Suggestion], applied: set[str]) -> None:
        if not suggestions:
            self.show_message("no suggestion for this segment")
            return
        text = Text(no_wrap=True, overflow="ellipsis")
        for number, suggestion in enumerate(suggestions, 1):
            if number > 1:
                text.append("\n")
            text.append(f"{number} ", style="bold reverse")
            text.append(f" {confidence_bar(suggestion.score)}", style="cyan")
            text.append(f" {round(suggestion.score * 100):>3}% ")
            text.append("✓ " if suggestion.code_id in applied else "", style="bold green")
            text.append(self.labels.get(suggestion.code_id, suggestion.code_id))
        self._show(text)


class StatusBar(Static):
    """Transcript, position, this coder's progress, and the excerpt being coded."""

    def show(self, *, transcript: str, position: int, count: int, done: int, codings: int,
             coder: str, others: bool, order: str, excerpt: str | None) -> None:
        percent = round(100 * done / count) if count else 0
        text = Text(no_wrap=True, overflow="ellipsis")
        text.append(f" {transcript} ", style="bold reverse")
        text.append(f" seg {position}/{count}  {percent}% done  {codings} codings  {coder}")
        if order == "uncertain":
            text.append("  least sure first", style="italic")
        if others:
            text.append("  +others", style="bold magenta")
        if excerpt:
            text.append(f"  excerpt {excerpt} (Esc: whole)", style="bold yellow")
        self.update(text, layout=False)


class KeyBar(Static):
    """The footer: the main keys and what they do (every key is on the ? screen)."""

    def __init__(self, bindings: list[Binding], *, id: str | None = None) -> None:
        text = Text(no_wrap=True, overflow="ellipsis")
        for binding in bindings:
            if binding.show:
                text.append(f" {binding.key_display or binding.key}", style="bold yellow")
                text.append(f" {binding.description} ")
        super().__init__(text, id=id)
