"""Where the coder app gets its suggestions: an injected callable, or `qualcode.suggest`.

The app only needs `suggest(segment) -> [(code_id, score, reason), ...]` (best first, score in
[0, 1]) and, for `--order uncertain`, an optional `uncertainty(segment) -> float` (higher =
the model is less sure). Both are called from worker threads, one call at a time.

The project's own suggester runs in a child process (`python -m qualcode.tui.suggestions
FOLDER CODER`, one JSON request and one JSON answer per line): loading spaCy and scoring take
seconds of CPU that, in a thread, would hold the interpreter lock and freeze the screen.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from qualcode.errors import QualcodeError
from qualcode.store import Project, Segment

SuggestFn = Callable[[Segment], Sequence[tuple[str, float, str]]]
UncertaintyFn = Callable[[Segment], float | None]
TOP = 9


@dataclass(frozen=True)
class Suggestion:
    code_id: str
    score: float
    reason: str


@dataclass
class SuggestionSource:
    """The suggester as the app sees it."""

    suggest: SuggestFn
    uncertainty: UncertaintyFn | None = None
    close: Callable[[], None] = lambda: None

    def for_segment(self, segment: Segment) -> list[Suggestion]:
        ranked = list(self.suggest(segment))
        return [Suggestion(code_id, min(max(float(score), 0.0), 1.0), reason)
                for code_id, score, reason in ranked[:TOP]]

    def uncertainties(self, segments: Sequence[Segment]) -> list[float] | None:
        """How unsure the model is about each segment, or None if it cannot say."""
        if self.uncertainty is None:
            return None
        values = [self.uncertainty(segment) for segment in segments]
        return None if any(v is None for v in values) else [float(v) for v in values]


class SuggesterProcess:
    """`qualcode.suggest.Suggester` for one project and coder, in a child process."""

    def __init__(self, folder: Path, coder: str) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "qualcode.tui.suggestions", str(folder), coder],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True, encoding="utf-8")

    def _ask(self, request: str, segment: Segment) -> Any:
        try:
            self._process.stdin.write(json.dumps({"request": request,
                                                  "segment": asdict(segment)}) + "\n")
            self._process.stdin.flush()
            answer = self._process.stdout.readline()
        except (OSError, ValueError) as e:
            raise QualcodeError("the suggester process stopped") from e
        if not answer:
            raise QualcodeError("the suggester process stopped")
        reply = json.loads(answer)
        if not reply["ok"]:
            raise QualcodeError(f"the suggester failed: {reply['error']}")
        return reply["value"]

    def suggest(self, segment: Segment) -> list[tuple[str, float, str]]:
        return [tuple(item) for item in self._ask("suggest", segment)]

    def uncertainty(self, segment: Segment) -> float | None:
        return self._ask("uncertainty", segment)

    def close(self) -> None:
        self._process.terminate()


def project_source(folder: Path, coder: str) -> SuggestionSource | None:
    """The project's own suggester, or None when `qualcode.suggest` is not installed."""
    if importlib.util.find_spec("qualcode.suggest") is None:
        return None
    process = SuggesterProcess(folder, coder)
    return SuggestionSource(process.suggest, process.uncertainty, process.close)


def serve(folder: Path, coder: str) -> None:
    """The child process: build the suggester, then answer requests until stdin closes."""
    answers, sys.stdout = sys.stdout, sys.stderr  # stray prints must not break the protocol
    try:
        from qualcode.suggest import Suggester

        suggester = Suggester.for_project(Project.open(folder), coder=coder)
        failure = None
    except Exception as e:  # reported on every request: the app shows it
        suggester, failure = None, f"{type(e).__name__}: {e}"
    for line in sys.stdin:
        try:
            if failure is not None:
                raise QualcodeError(failure)
            request = json.loads(line)
            segment = Segment(**request["segment"])
            if request["request"] == "suggest":
                value: Any = [(s.code_id, float(s.score), s.reason)
                              for s in suggester.suggest(segment, top=TOP)]
            else:
                measure = getattr(suggester, "uncertainty", None)
                value = None if measure is None else float(measure(segment))
            reply = {"ok": True, "value": value}
        except Exception as e:
            reply = {"ok": False, "error": str(e) if isinstance(e, QualcodeError)
                     else f"{type(e).__name__}: {e}"}
        answers.write(json.dumps(reply) + "\n")
        answers.flush()


if __name__ == "__main__":
    serve(Path(sys.argv[1]), sys.argv[2])
