"""The transcript pane: every segment of one transcript, drawn with Textual's line API.

A row is a one-line header (done mark, number, speaker, code tags) and the segment text,
word-wrapped here rather than by Rich, so that every row's height is known without drawing
it. Only rows on screen are drawn; a drawn row is kept until it changes, so moving or coding
redraws one or two rows, never the whole transcript.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from rich.cells import cell_len
from rich.console import Console
from rich.style import Style
from rich.text import Text
from textual.geometry import Region, Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")
INDENT = 2
WORD = re.compile(r"\S+")


def code_colour(code_id: str, colour: str | None) -> str:
    """The codebook colour, or a stable one from a palette."""
    return colour or PALETTE[sum(code_id.encode()) % len(PALETTE)]


def tag_style(colour: str) -> Style:
    """A filled tag with black or white text, whichever reads better on `colour`."""
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    ink = "black" if 0.299 * r + 0.587 * g + 0.114 * b > 140 else "white"
    return Style(color=ink, bgcolor=colour, bold=True)


def wrap_offsets(text: str, width: int) -> list[tuple[int, int]]:
    """Greedy word wrap of `text` into lines `width` cells wide: (start, end) of each line,
    spaces at line ends left out; an over-long word is cut."""
    measure = (lambda s, e: e - s) if text.isascii() else (lambda s, e: cell_len(text[s:e]))
    width = max(width, 1)
    lines: list[tuple[int, int]] = []
    offset = 0
    for paragraph in text.split("\n"):
        start = end = -1
        for word in WORD.finditer(paragraph):
            word_start, word_end = offset + word.start(), offset + word.end()
            while measure(word_start, word_end) > width:
                if start >= 0:
                    lines.append((start, end))
                    start = -1
                cut = word_start + 1
                while cut < word_end and measure(word_start, cut + 1) <= width:
                    cut += 1
                lines.append((word_start, cut))
                word_start = cut
            if start < 0:
                start, end = word_start, word_end
            elif measure(start, word_end) <= width:
                end = word_end
            else:
                lines.append((start, end))
                start, end = word_start, word_end
        lines.append((start, end) if start >= 0 else (offset, offset))
        offset += len(paragraph) + 1
    return lines


@dataclass
class Tag:
    label: str
    colour: str
    partial: bool = False  # on part of the segment only (an excerpt)
    coder: str | None = None  # set for another coder's coding


@dataclass
class RowView:
    """Everything one row shows."""

    ordinal: int
    speaker: str
    interviewer: bool
    text: str
    current: bool = False
    done: bool = False
    memo: bool = False
    tags: list[Tag] = field(default_factory=list)
    spans: list[tuple[int, int, str]] = field(default_factory=list)  # excerpts: start, end, colour

    def height(self, width: int) -> int:
        """Header, wrapped text, and a blank line."""
        return len(wrap_offsets(self.text, width - INDENT)) + 2

    def header(self) -> Text:
        header = Text(no_wrap=True, overflow="ellipsis")
        header.append("▶" if self.current else " ", style="bold")
        header.append("✓ " if self.done else "  ", style="bold green")
        header.append(f"{self.ordinal} ", style="dim")
        header.append(self.speaker, style="italic" if self.interviewer else "bold")
        if self.memo:
            header.append(" ✎", style="bold yellow")
        for tag in self.tags:
            header.append(" ")
            if tag.coder is None:
                header.append(f"{'~' if tag.partial else ''}{tag.label}",
                              style=tag_style(tag.colour))
            else:
                header.append(f"{tag.coder}:{tag.label}",
                              style=Style(color=tag.colour, italic=True))
        return header

    def lines(self, width: int) -> list[Text]:
        body = Text(self.text, style="dim" if self.interviewer else "")
        for start, end, colour in self.spans:
            body.stylize(Style(underline=True, color=colour), start, end)
        offsets = wrap_offsets(self.text, width - INDENT)
        cuts = [cut for line in offsets for cut in line]
        pieces = body.divide(cuts)  # text before the first cut, then line, gap, line, ...
        header = self.header()
        header.truncate(width, overflow="ellipsis")
        return [header, *(Text(" " * INDENT) + pieces[1 + 2 * i] for i in range(len(offsets))),
                Text()]


def to_strip(text: Text, console: Console, width: int, style: Style) -> Strip:
    return Strip(text.render(console)).apply_style(style).extend_cell_length(width, style)


class SegmentList(ScrollView, can_focus=True, inherit_bindings=False):
    """A scrollable list of segment rows with one current row."""

    COMPONENT_CLASSES = {"segment-list--current"}
    DEFAULT_CSS = """
    SegmentList { scrollbar-size-vertical: 1; overflow-y: scroll; overflow-x: hidden; }
    SegmentList > .segment-list--current { background: $boost; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._row_view: Callable[[int], RowView] = lambda index: RowView(0, "", False, "")
        self._count = 0
        self.current = 0
        self._strips: dict[int, list[Strip]] = {}
        self._heights: list[int] = []
        self._tops: list[int] = [0]
        self._width = 0

    def load(self, count: int, row_view: Callable[[int], RowView], current: int) -> None:
        """Show a new transcript: `count` rows drawn by `row_view(index)`."""
        self._row_view = row_view
        self._count = count
        self.current = current
        self._strips.clear()
        self._heights = []
        self._tops = [0]
        self.scroll_to(y=0, animate=False, immediate=True)
        if self.scrollable_content_region.width:
            self._layout_rows()
            self._show_current()

    def set_current(self, index: int) -> None:
        """Move the highlight to row `index` and scroll it into view."""
        previous, self.current = self.current, index
        if self._heights:
            self.refresh_rows([previous, index])
            self._show_current()

    def refresh_rows(self, indices: Iterable[int]) -> None:
        """Redraw the rows whose content changed (re-laying out only if a height changed)."""
        if not self._heights:
            return
        wanted = [i for i in set(indices) if 0 <= i < self._count]
        moved = False
        for index in wanted:
            self._strips.pop(index, None)
            height = self._row_view(index).height(self._width)
            if height != self._heights[index]:
                self._heights[index] = height
                moved = True
        if moved:
            self._set_tops()
            self.refresh()
        else:
            for index in wanted:
                self.refresh_lines(self._tops[index], self._heights[index])

    def row_region(self, index: int) -> Region:
        return Region(0, self._tops[index], self._width, self._heights[index])

    def _layout_rows(self) -> None:
        self._width = self.scrollable_content_region.width
        self._heights = [self._row_view(i).height(self._width) for i in range(self._count)]
        self._set_tops()

    def _set_tops(self) -> None:
        tops = [0]
        for height in self._heights:
            tops.append(tops[-1] + height)
        self._tops = tops
        self.virtual_size = Size(self._width, tops[-1])

    def _show_current(self) -> None:
        """Scroll only when the current row is not all in view, then so that it sits a
        quarter down the pane: the next few moves redraw two rows, not the whole pane."""
        if not self._heights:
            return
        row = self.row_region(self.current)
        top, height = round(self.scroll_offset.y), self.scrollable_content_region.height
        if row.y < top or row.bottom > top + height:
            context = height // 4 if row.height <= height - height // 4 else 0
            self.scroll_to(y=max(row.y - context, 0), animate=False, immediate=True)

    def _row_strips(self, index: int) -> list[Strip]:
        strips = self._strips.get(index)
        if strips is None:
            row = self._row_view(index)
            row.current = index == self.current
            style = (self.get_component_rich_style("segment-list--current")
                     if row.current else self.rich_style)
            lines = row.lines(self._width)
            strips = [to_strip(line, self.app.console, self._width, style) for line in lines[:-1]]
            strips.append(Strip.blank(self._width, self.rich_style))
            self._strips[index] = strips
        return strips

    def on_resize(self) -> None:
        if self._count and (self.scrollable_content_region.width != self._width
                            or not self._heights):
            self._strips.clear()
            self._layout_rows()
            self._show_current()
        self.refresh()

    def render_line(self, y: int) -> Strip:
        line = y + self.scroll_offset.y
        width = self.scrollable_content_region.width
        if not self._count or line >= self._tops[-1]:
            return Strip.blank(width, self.rich_style)
        index = bisect_right(self._tops, line) - 1
        strips = self._row_strips(index)
        offset = line - self._tops[index]
        strip = strips[offset] if offset < len(strips) else Strip.blank(width, self.rich_style)
        return strip if strip.cell_length == width else strip.crop_extend(0, width,
                                                                            self.rich_style)
