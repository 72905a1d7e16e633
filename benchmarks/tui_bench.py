"""Benchmark: the coder app on a project of 1,000 transcripts.

Builds a synthetic project (1,000 transcripts x 120 segments, written in bulk through the store;
the coder has finished the first 500 transcripts, so resuming has to look past them), then drives
the app headless through Textual's pilot, at 100x30:

- time to first screen: from constructing the app (project read, resume point found) to its
  first frame; baseline: an empty Textual app started the same way, in the same process;
- time per keystroke action, 200 presses each: from the key to the first frame showing its
  effect, for next segment (j) and apply/remove a code (c, one transaction each), and for j
  to the last frame it causes (the new segment's suggestions, from a worker thread). The
  pilot's own round trip for a key bound to nothing is printed for scale.

    python benchmarks/tui_bench.py
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from textual import events
from textual.app import App

from qualcode.project import init_project
from qualcode.store import Project, now
from qualcode.tui import CoderApp

TRANSCRIPTS, SEGMENTS, DONE, PRESSES, SIZE = 1_000, 120, 500, 200, (100, 30)
TURN = ("We mostly need people who run many fast experiments, and someone who can see the "
        "whole agenda. Funding is not the constraint for us; hiring is.")


def build(folder: Path) -> Project:
    """A project with TRANSCRIPTS transcripts; coder 'ana' has done the first DONE of them."""
    project = init_project(folder).project
    stamp = now()
    for first in range(0, TRANSCRIPTS, 100):
        transcripts, segments = [], []
        for number in range(first, first + 100):
            tid = f"int-{number:04d}"
            text = ""
            for ordinal in range(1, SEGMENTS + 1):
                speaker = "Interviewer" if ordinal % 2 else "Participant"
                said = f"Question {ordinal}?" if ordinal % 2 else TURN
                text += f"{speaker}: "
                segments.append({
                    "transcript_id": tid, "ordinal": ordinal, "turn": ordinal, "part": 1,
                    "speaker": speaker, "role": speaker.lower(), "text": said,
                    "char_start": len(text), "char_end": len(text) + len(said)})
                text += said + "\n\n"
            transcripts.append({
                "id": tid, "title": tid, "source_name": f"{tid}.txt",
                "source_hash": hashlib.sha256(tid.encode()).hexdigest(), "format": "text",
                "encoding": "utf-8", "text": text, "attributes": json.dumps({}),
                "anonymized": 1, "imported_at": stamp})
        with project.transaction():
            project.db["transcripts"].insert_all(transcripts)
            project.db["segments"].insert_all(segments)
    with project.transaction():
        project.db.execute(
            "INSERT INTO reviews (segment_id, coder, reviewed_at) SELECT id, 'ana', ? "
            "FROM segments WHERE transcript_id < ?", [stamp, f"int-{DONE:04d}"])
    return project


def quick_suggest(segment):
    return [("need.funding", 0.7, "mentions funding"), ("archetype.iterator", 0.4, "experiments")]


class TimedApp(CoderApp):
    """The coder app, noting when a key reaches it and when each frame is handed to the
    terminal (headless: then dropped)."""

    paints: list[float]
    key_at = 0.0

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            self.key_at = time.perf_counter()
        await super().on_event(event)

    def _display(self, screen, renderable) -> None:
        super()._display(screen, renderable)
        if renderable is not None:
            self.paints.append(time.perf_counter())


def summary(times: list[float]) -> tuple[float, float]:
    """Median and 95th percentile, in milliseconds."""
    ordered = sorted(times)
    return (statistics.median(ordered) * 1000,
            ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))] * 1000)


async def time_first_screen(project: Project) -> tuple[float, float]:
    """Seconds from constructing the app to its first frame: wall clock, and CPU."""
    TimedApp.paints = []
    start, cpu = time.perf_counter(), time.process_time()
    app = TimedApp(project, "ana", suggest=quick_suggest)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        cpu = time.process_time() - cpu
    return app.paints[0] - start, cpu


async def time_empty_app() -> tuple[float, float]:
    start, cpu = time.perf_counter(), time.process_time()
    async with App().run_test(size=SIZE) as pilot:
        await pilot.pause()
        return time.perf_counter() - start, time.process_time() - cpu


async def time_presses(project: Project) -> dict[str, list[float]]:
    """Per press: wall time from the key reaching the app to the first frame showing its
    effect (and, for j, to the last frame, with the new segment's suggestions from a worker
    thread); and the process CPU time of the whole press, the pilot's included."""
    TimedApp.paints = []
    app = TimedApp(project, "ana", suggest=quick_suggest)
    times: dict[str, list[float]] = {}
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        for press in range(PRESSES):
            for name, key in (("next segment (j)", "j" if press < SEGMENTS - 1 else "k"),
                              ("apply/remove code (c)", "c"), ("no action (unbound key)", "f12")):
                app.paints.clear()
                cpu = time.process_time()
                await pilot.press(key)
                await pilot.pause()
                times.setdefault(f"{name}: CPU per press", []).append(time.process_time() - cpu)
                if app.paints:
                    times.setdefault(f"{name}: key to first frame", []).append(
                        app.paints[0] - app.key_at)
                if key in "jk":
                    times.setdefault(f"{name}: key to last frame", []).append(
                        app.paints[-1] - app.key_at)
    return times


def import_time() -> float:
    """Seconds to import the app in a fresh interpreter (paid once, before the first screen)."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import qualcode.tui"], check=True)
    return time.perf_counter() - start


async def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        project = build(Path(tmp) / "study")
        print(f"built {TRANSCRIPTS:,} transcripts x {SEGMENTS} segments in "
              f"{time.perf_counter() - started:.1f} s; 'ana' has done {DONE} of them")
        print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.1f} (wall "
              "times include waiting for a CPU; CPU times do not)")

        empties = [await time_empty_app() for _ in range(3)]
        firsts = [await time_first_screen(project) for _ in range(5)]
        first, first_cpu = (statistics.median(t) for t in zip(*firsts, strict=True))
        empty, empty_cpu = (statistics.median(t) for t in zip(*empties, strict=True))
        print(f"\nfirst screen: {first * 1000:.0f} ms ({first_cpu * 1000:.0f} ms CPU), median "
              f"of 5, target < 1000 ms; an empty Textual app: {empty * 1000:.0f} ms "
              f"({empty_cpu * 1000:.0f} ms CPU), ratio {first / empty:.1f}x")
        print(f"import qualcode.tui in a fresh python: {import_time():.2f} s (before any screen)")

        times = await time_presses(project)
        print(f"\nper keystroke, {PRESSES} presses each, ms:")
        print(f"{'':52}{'median':>8}{'p95':>8}")
        ok = first < 1.0
        for label, values in sorted(times.items()):
            median, p95 = summary(values)
            print(f"{label:52}{median:8.1f}{p95:8.1f}")
            if "first frame" in label:
                ok &= median < 50
        print("\ntargets (first screen < 1 s, action median < 50 ms):", "met" if ok else "MISSED")
        project.close()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
