"""Narrowing a coding to part of a segment: sentences or an exact character range."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

SENTENCE = re.compile(r"\S.*?(?:[.!?…]+[\"')\]]*(?=\s|$)|$)", re.DOTALL)
WORD = re.compile(r"\S+")


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence, without the spaces between them."""
    spans = [(m.start(), m.end()) for m in SENTENCE.finditer(text)]
    return [(s, e - (len(text[s:e]) - len(text[s:e].rstrip()))) for s, e in spans] or [
        (0, len(text))]


@dataclass
class Selection:
    """A half-open character range inside a segment, moved by sentence, word or character."""

    text: str
    start: int
    end: int
    moving_end: bool = False

    def __post_init__(self) -> None:
        self.sentences = sentences(self.text)
        self.words = [(m.start(), m.end()) for m in WORD.finditer(self.text)]

    def _sentence_at(self, offset: int) -> int:
        return max((i for i, (s, _) in enumerate(self.sentences) if s <= offset), default=0)

    def sentence(self, step: int) -> None:
        """Select the previous (-1) or next (+1) sentence alone."""
        index = min(max(self._sentence_at(self.start) + step, 0), len(self.sentences) - 1)
        self.start, self.end = self.sentences[index]

    def grow(self, step: int) -> None:
        """Extend (+1) or shrink (-1) the selection by one sentence at its end."""
        last = self._sentence_at(max(self.end - 1, self.start))
        first = self._sentence_at(self.start)
        index = min(max(last + step, first), len(self.sentences) - 1)
        self.end = self.sentences[index][1]

    def _put(self, offset: int) -> None:
        if self.moving_end:
            self.end = min(max(offset, self.start + 1), len(self.text))
        else:
            self.start = max(min(offset, self.end - 1), 0)

    def char(self, step: int) -> None:
        self._put((self.end if self.moving_end else self.start) + step)

    def word(self, step: int) -> None:
        """Move the active boundary to the next or previous word start (or end, for the end)."""
        edges = [e if self.moving_end else s for s, e in self.words]
        here = self.end if self.moving_end else self.start
        later = [x for x in edges if x > here] if step > 0 else [x for x in edges if x < here]
        if later:
            self._put(later[0] if step > 0 else later[-1])

    def whole(self) -> None:
        self.start, self.end = 0, len(self.text)

    def span(self) -> tuple[int, int] | None:
        """The range to store: None when it is the whole segment."""
        if self.text[:self.start].strip() == "" and self.text[self.end:].strip() == "":
            return None
        return self.start, self.end


class ExcerptScreen(ModalScreen[Selection | None]):
    """Pick the part of the segment that the next codes apply to (None: cancelled)."""

    BINDINGS = [
        Binding("left", "sentence(-1)", "prev sentence"),
        Binding("right", "sentence(1)", "next sentence"),
        Binding("shift+right", "grow(1)", "+ sentence"),
        Binding("shift+left", "grow(-1)", "- sentence"),
        Binding("tab", "flip", "start/end"),
        Binding("h", "char(-1)", "char left"),
        Binding("l", "char(1)", "char right"),
        Binding("b", "word(-1)", "word left"),
        Binding("w", "word(1)", "word right"),
        Binding("a", "whole", "whole"),
        Binding("enter", "done", "use it"),
        Binding("escape", "cancel", "cancel"),
    ]

    def __init__(self, text: str, span: tuple[int, int] | None) -> None:
        super().__init__()
        self.selection = Selection(text, *(span or sentences(text)[0]))

    def compose(self) -> ComposeResult:
        with Vertical(id="excerpt-box", classes="dialog"):
            yield Static(id="excerpt-text")
            yield Static(id="excerpt-info")
            yield Static(
                "←/→ sentence  shift+→/← grow/shrink  tab start/end  h/l char  b/w word  "
                "a whole  Enter use  Esc cancel", classes="hint")

    def on_mount(self) -> None:
        self.query_one("#excerpt-box").border_title = "Narrow the excerpt"
        self._draw()

    def _draw(self) -> None:
        sel = self.selection
        text = Text(sel.text)
        text.stylize("reverse", sel.start, sel.end)
        edge = sel.end - 1 if sel.moving_end else sel.start
        text.stylize("bold underline yellow", edge, edge + 1)
        self.query_one("#excerpt-text", Static).update(text)
        which = "end" if sel.moving_end else "start"
        self.query_one("#excerpt-info", Static).update(
            f"characters {sel.start}-{sel.end} of {len(sel.text)}; moving the {which}")

    def action_sentence(self, step: int) -> None:
        self.selection.sentence(step)
        self._draw()

    def action_grow(self, step: int) -> None:
        self.selection.grow(step)
        self._draw()

    def action_flip(self) -> None:
        self.selection.moving_end = not self.selection.moving_end
        self._draw()

    def action_char(self, step: int) -> None:
        self.selection.char(step)
        self._draw()

    def action_word(self, step: int) -> None:
        self.selection.word(step)
        self._draw()

    def action_whole(self) -> None:
        self.selection.whole()
        self._draw()

    def action_done(self) -> None:
        self.dismiss(self.selection)

    def action_cancel(self) -> None:
        self.dismiss(None)
