"""The coding commands: apply, unapply, done, undo, redo, codings, progress, assign, coder
packs and merge."""

from __future__ import annotations

import json
import shutil

import pytest
from builders import add_sample

from qualcode.store import Project


@pytest.fixture
def folder(project):
    add_sample(project)
    return str(project.folder)


def codings(cli, folder, *args):
    result = cli("codings", "--project", folder, "--json", *args)
    assert result.exit_code == 0, result.stderr
    return [(c["transcript_id"], c["ordinal"], c["coder"], c["code_id"], c["span_start"])
            for c in json.loads(result.stdout)]


def test_apply_unapply_and_list(cli, folder):
    result = cli("apply", "int-01", "2", "connector", "Iterator", "--coder", "ana",
                 "--project", folder, "--memo", "both")
    assert result.exit_code == 0, result.stderr
    assert "int-01 #2: archetype.connector (ana)" in result.stdout
    assert cli("apply", "int", "2", "x", "-c", "ana", "-p", folder).exit_code == 1
    cli("apply", "int-02", "1", "iterator.early", "-c", "ben", "--span", "0:5", "-p", folder)
    assert codings(cli, folder) == [
        ("int-01", 2, "ana", "archetype.connector", None),
        ("int-01", 2, "ana", "archetype.iterator", None),
        ("int-02", 1, "ben", "archetype.iterator.early", 0)]
    assert codings(cli, folder, "--code", "iterator") == [
        ("int-01", 2, "ana", "archetype.iterator", None),
        ("int-02", 1, "ben", "archetype.iterator.early", 0)]
    assert len(codings(cli, folder, "--coder", "ben", "--transcript", "int-02")) == 1
    assert len(codings(cli, folder, "--code", "archetype")) == 3
    result = cli("unapply", "int-01", "2", "connector", "--coder", "ana", "-p", folder)
    assert result.exit_code == 0 and "Removed archetype.connector" in result.stdout
    again = cli("unapply", "int-01", "2", "connector", "--coder", "ana", "-p", folder)
    assert again.exit_code == 1 and "no such coding" in again.stderr
    table = cli("codings", "-p", folder)
    assert "archetype.iterator" in table.stdout and "2 codings" in table.stdout


def test_apply_is_all_or_nothing(cli, folder):
    result = cli("apply", "int-01", "4", "need.funding", "need.connectors", "-c", "ana",
                 "-p", folder)
    assert result.exit_code == 1 and "exclusive" in result.stderr
    result = cli("apply", "int-01", "4", "connector", "nonsense", "-c", "ana", "-p", folder)
    assert result.exit_code == 1 and "no code 'nonsense'" in result.stderr
    bad_span = cli("apply", "int-01", "4", "connector", "-c", "ana", "--span", "5:1",
                   "-p", folder)
    assert bad_span.exit_code == 1 and "not inside segment 4" in bad_span.stderr
    assert codings(cli, folder) == []


def test_done_undo_redo_and_progress(cli, folder):
    assert cli("done", "int-01", "2", "--coder", "ana", "-p", folder).exit_code == 0
    result = cli("done", "int-02", "--all", "--coder", "ana", "-p", folder)
    assert "Marked 3 more segments" in result.stdout
    assert cli("done", "int-02", "--coder", "ana", "-p", folder).exit_code == 1
    cli("apply", "int-01", "2", "connector", "-c", "ana", "-p", folder)
    report = json.loads(cli("progress", "--json", "-p", folder).stdout)
    assert [(r["transcript_id"], r["done"], r["total"], r["codings"]) for r in report] == [
        ("int-01", 1, 4, 1), ("int-02", 3, 3, 0)]
    result = cli("undo", "--coder", "ana", "-p", folder)
    assert "Undid coding.apply" in result.stdout and "int-01 segment 2" in result.stdout
    assert "Undid review.set" in cli("undo", "-c", "ana", "-p", folder).stdout
    assert "Redid review.set" in cli("redo", "-c", "ana", "-p", folder).stdout
    assert "Nothing to undo" in cli("undo", "-c", "ben", "-p", folder).stdout
    assert "reviewed" in cli("progress", "-p", folder).stdout


def test_codings_import_command(cli, folder, tmp_path):
    good = tmp_path / "good.csv"
    good.write_text("transcript,segment,coder,code,extra\nint-01,2,ana,connector,x\n")
    result = cli("codings", "import", good, "-p", folder)
    assert result.exit_code == 0, result.stderr
    assert "Ignored column(s): extra" in result.stdout and "1 codings added" in result.stdout
    bad = tmp_path / "bad.csv"
    bad.write_text("transcript,segment,coder,code\nint-01,2,ana,connector\nint-01,0,ana,x\n"
                   "nope,1,ana,connector\n")
    result = cli("codings", "import", bad, "-p", folder)
    assert result.exit_code == 1
    assert f"{bad}:3: segment must be" in result.stderr
    assert f"{bad}:3: no code 'x'" in result.stderr
    assert f"{bad}:4: no transcript 'nope'" in result.stderr
    assert "nothing was imported" in result.stderr


def test_assign_progress_pack_and_merge(cli, folder, tmp_path):
    result = cli("assign", "--coders", "ana,ben", "--overlap", "50%", "--seed", "4", "-p",
                 folder, "--json")
    plan = json.loads(result.stdout)
    assert plan["seed"] == 4 and sum(a["overlap"] for a in plan["assignments"]) == 2
    again = cli("assign", "--coders", "ana,ben", "--overlap", "50%", "--seed", "4", "-p",
                folder, "--replace", "--json")
    assert json.loads(again.stdout) == plan
    text = cli("assign", "--coders", "ana,ben", "--overlap", "0.5", "-p", folder, "--replace")
    assert "Seed " in text.stdout and "ana: " in text.stdout
    report = json.loads(cli("progress", "--json", "-p", folder).stdout)
    assert all(r["assigned"] and r["done"] == 0 for r in report)

    laptop = tmp_path / "laptop"
    with Project.open(folder) as lead:
        lead.db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    shutil.copytree(folder, laptop)
    cli("apply", "int-01", "2", "connector", "-c", "ana", "-p", laptop)
    pack = tmp_path / "ana.jsonl"
    result = cli("export", "coder-pack", "--coder", "ana", pack, "-p", laptop)
    assert result.exit_code == 0 and "1 codings" in result.stdout
    result = cli("merge", pack, pack, "-p", folder)
    assert result.exit_code == 0
    assert "1 codings added" in result.stdout and "0 codings added" in result.stdout
    assert len(codings(cli, folder)) == 1
    broken = tmp_path / "broken.jsonl"
    broken.write_text(pack.read_text().replace('"int-01"', '"int-09"', 1))
    result = cli("merge", broken, "-p", folder)
    assert result.exit_code == 1
    assert "transcript int-09 is not in this project" in result.stderr
    assert "refused, nothing merged" in result.stderr
