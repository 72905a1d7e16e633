"""The reconcile app: `qualcode reconcile`, walking the open disagreements one segment at a time.

Each decision (take one coder's codes, both, or neither, with an optional memo) is recorded
the moment its key is pressed, through `qualcode.reliability.reconcile`; quitting and starting
again resumes with the disagreements still open.
"""

from __future__ import annotations

from rich.markup import escape
from rich.table import Table
from rich.text import Text
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import Footer, Input, Static

from qualcode.errors import QualcodeError
from qualcode.reliability import (
    BOTH,
    NEITHER,
    Scope,
    SegmentComparison,
    disagreements,
    reconcile,
)
from qualcode.store import Project

MAX_CODERS = 9  # coders are taken with the keys 1-9


class ReconcileApp(App[int]):
    """Decide each open disagreement; the app's result is how many were decided."""

    TITLE = "qualcode reconcile"
    CSS = """
    #where { height: 1; background: $primary-background; padding: 0 1; }
    #text { padding: 1 1; }
    #coders { padding: 0 1; }
    #status { height: 1; padding: 0 1; color: $text-muted; }
    #memo { display: none; }
    #memo.editing { display: block; }
    """
    BINDINGS = [
        *(
            Binding(str(n), f"take({n - 1})", f"coder {n}", show=n <= 2)
            for n in range(1, MAX_CODERS + 1)
        ),
        Binding("b", f"decide('{BOTH}')", BOTH),
        Binding("n", f"decide('{NEITHER}')", NEITHER),
        Binding("m", "memo", "memo"),
        Binding("j,right", "move(1)", "skip"),
        Binding("k,left", "move(-1)", "back"),
        Binding("q", "quit_counting", "quit"),
    ]

    def __init__(self, project: Project, scope: Scope, as_coder: str) -> None:
        super().__init__()
        self.project = project
        self.scope = scope
        self.as_coder = as_coder
        self.open = [d for d in disagreements(project, scope, as_coder) if not d.decided]
        self.index = 0
        self.decided = 0
        self.memo: str | None = None

    def compose(self) -> ComposeResult:
        yield Static(id="where")
        with VerticalScroll():
            yield Static(id="text")
            yield Static(id="coders")
        yield Static(id="status")
        yield Input(placeholder="memo on this decision; Enter keeps it, Esc drops it", id="memo")
        yield Footer()

    def on_mount(self) -> None:
        self.show()

    @property
    def current(self) -> SegmentComparison | None:
        return self.open[self.index] if self.open else None

    def show(self, status: str = "") -> None:
        """Draw the current disagreement, or say that none is left."""
        where, text, coders = (
            self.query_one("#where", Static),
            self.query_one("#text", Static),
            self.query_one("#coders", Static),
        )
        item = self.current
        if item is None:
            where.update("No open disagreements")
            text.update(f"{self.decided} decided as {escape(self.as_coder)}. Press q to quit.")
            coders.update("")
        else:
            where.update(
                f"{escape(item.transcript)} segment {item.ordinal} "
                f"({self.index + 1} of {len(self.open)} open)"
            )
            text.update(Text(item.text))
            coders.update(_coders_table(item))
        memo = f"memo: {self.memo}  " if self.memo else ""
        self.query_one("#status", Static).update(Text(memo + status))

    def action_take(self, n: int) -> None:
        item = self.current
        if item is not None and n < len(item.coders):
            self.action_decide(item.coders[n].coder)

    def action_decide(self, take: str) -> None:
        item = self.current
        if item is None:
            return
        try:
            kept = reconcile(
                self.project, item, take, scope=self.scope, as_coder=self.as_coder, memo=self.memo
            )
        except QualcodeError as e:
            self.show(str(e))
            return
        self.decided += 1
        self.memo = None
        self.open.pop(self.index)
        self.index = min(self.index, max(len(self.open) - 1, 0))
        self.show(f"took {take}: {', '.join(kept) or 'no code'}")

    def action_move(self, step: int) -> None:
        if self.open:
            self.index = (self.index + step) % len(self.open)
            self.memo = None
            self.show()

    def action_memo(self) -> None:
        memo = self.query_one("#memo", Input)
        memo.value = self.memo or ""
        memo.add_class("editing")
        memo.focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.memo = event.value.strip() or None
        self._close_memo()

    def key_escape(self) -> None:
        self._close_memo()

    def _close_memo(self) -> None:
        memo = self.query_one("#memo", Input)
        memo.remove_class("editing")
        self.set_focus(None)
        self.show()

    def action_quit_counting(self) -> None:
        self.exit(self.decided)


def _coders_table(item: SegmentComparison) -> Table:
    table = Table(show_header=True, box=None, padding=(0, 2))
    table.add_column("key", style="bold")
    table.add_column("coder")
    table.add_column("codes")
    table.add_column("memos")
    for n, view in enumerate(item.coders, start=1):
        codes = Text()
        for code in view.codes:
            codes.append(code + " ", style="bold yellow" if code in item.disputed else "")
        memos = "\n".join(
            [f"{c}: {m}" for c, m in view.memos.items()]
            + ([f"note: {view.note}"] if view.note else [])
        )
        table.add_row(
            str(n), view.coder, codes if view.codes else Text("(none)", "dim"), Text(memos)
        )
    table.add_row("b", BOTH, Text(" ".join(_union(item)), "bold"), "")
    table.add_row("n", NEITHER, Text(" ".join(_agreed(item)) or "(none)"), "")
    return table


def _union(item: SegmentComparison) -> list[str]:
    return list(dict.fromkeys(code for view in item.coders for code in view.codes))


def _agreed(item: SegmentComparison) -> list[str]:
    return [code for code in _union(item) if code not in item.disputed]
