"""Nothing completed is lost: a coder killed with SIGKILL, two coders writing at once."""

from __future__ import annotations

import os
import signal
import subprocess
import sys

from builders import add_transcript

from qualcode.store import Project

# Applies codes (and marks segments reviewed) in a loop, printing each completed action.
WORKER = """
import sys, time
from pathlib import Path
from qualcode.coding import apply_code, set_done
from qualcode.store import Project

folder, coder, count, go = sys.argv[1], sys.argv[2], int(sys.argv[3]), Path(sys.argv[4])
project = Project.open(folder)
print("ready", flush=True)
while not go.exists():
    time.sleep(0.005)
segments = [s.id for s in project.segments("long")]
for i in range(count):
    segment_id = segments[i % len(segments)]
    code = ("connector", "iterator", "need.funding")[i % 3]
    apply_code(project, segment_id, code, coder, span=(0, 1 + i // len(segments)))
    print("applied", segment_id, code, 1 + i // len(segments), flush=True)
    if i % 2:
        set_done(project, segment_id, coder)
        print("done", segment_id, flush=True)
"""


def long_project(project) -> Project:
    add_transcript(project, "long", [("Participant", "x" * 400)] * 60)
    return project


def start(folder, coder, count, go):
    process = subprocess.Popen(
        [sys.executable, "-c", WORKER, str(folder), coder, str(count), str(go)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert process.stdout.readline() == "ready\n"
    return process


def assert_in_database(project, coder, lines):
    codings = set(project.db.execute(
        "SELECT c.segment_id, k.id, c.span_end FROM codings c JOIN codes k ON k.id = c.code_id "
        "WHERE c.coder = ?", [coder]))
    reviews = {r[0] for r in project.db.execute("SELECT segment_id FROM reviews WHERE coder = ?",
                                                [coder])}
    ids = {"connector": "archetype.connector", "iterator": "archetype.iterator",
           "need.funding": "need.funding"}
    for line in lines:
        kind, segment_id, *rest = line.split()
        if kind == "applied":
            assert (int(segment_id), ids[rest[0]], int(rest[1])) in codings, line
        else:
            assert int(segment_id) in reviews, line


def test_sigkill_mid_session_loses_no_completed_action(project, tmp_path):
    long_project(project)
    go = tmp_path / "go"
    go.touch()
    worker = start(project.folder, "ana", 9000, go)
    printed = [worker.stdout.readline() for _ in range(150)]
    os.kill(worker.pid, signal.SIGKILL)
    printed += worker.stdout.read().splitlines()
    worker.wait()
    assert worker.returncode == -signal.SIGKILL
    with Project.open(project.folder) as reopened:
        assert reopened.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert_in_database(reopened, "ana", [line for line in printed if line.strip()])
        applied = sum(line.startswith("applied") for line in printed)
        events = reopened.db.execute(
            "SELECT count(*) FROM events WHERE action = 'coding.apply'").fetchone()[0]
        assert events >= applied >= 100


def test_two_processes_coding_at_once_all_land(project, tmp_path):
    long_project(project)
    go = tmp_path / "go"
    workers = [start(project.folder, coder, 200, go) for coder in ("ana", "ben")]
    go.touch()
    outputs = [worker.communicate(timeout=60) for worker in workers]
    for worker, (stdout, stderr), coder in zip(workers, outputs, ("ana", "ben"), strict=True):
        assert worker.returncode == 0 and stderr == ""
        assert stdout.count("applied") == 200 and stdout.count("done") == 100
        assert_in_database(project, coder, stdout.splitlines())
    assert project.db.execute("SELECT count(*) FROM codings").fetchone()[0] == 400
    coders = [row[0] for row in project.db.execute(
        "SELECT coder FROM events WHERE coder IS NOT NULL ORDER BY id")]
    # Interleaved, not one after the other (one switch); how often depends on the machine's
    # load, so more than one switch is all a busy machine can promise.
    assert sum(a != b for a, b in zip(coders, coders[1:], strict=False)) > 1
