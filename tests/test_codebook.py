"""Codebooks: the YAML format and its validation, the default codebook, codebook changes."""

from __future__ import annotations

import pytest

from qualcode.codebook import (
    RESERVED_SHORTCUTS,
    default_codebook_path,
    install_codebook,
    load_codebook,
    merge_codes,
    parse_codebook,
    project_codebook,
    rename_code,
)
from qualcode.errors import QualcodeError

DOMAIN_IDS = {
    "archetype.connector", "archetype.iterator", "archetype.iterator.experienced",
    "archetype.iterator.early", "archetype.amplifier",
    "org_type.scaling_lab", "org_type.small_org", "org_type.growing_org",
    "org_type.independent", "org_type.academia", "org_type.governance",
    "org_type.field_building",
    "need.iterators", "need.amplifiers", "need.connectors", "need.ml_engineering",
    "need.research_engineering", "need.management", "need.software_skill",
    "need.soft_skills", "need.research_taste", "need.funding",
    "theme.identification", "theme.development", "theme.programming", "theme.field_strategy",
}


def test_default_codebook_has_exactly_the_domain_ids_and_is_complete():
    book = load_codebook(default_codebook_path())
    assert {c.id for c in book.codes} == DOMAIN_IDS
    for code in book.codes:
        assert code.label and code.definition and code.use_when and code.do_not_use_when
        assert code.examples and code.keywords, code.id
        assert code.shortcut is None or code.shortcut not in RESERVED_SHORTCUTS


def test_every_problem_is_reported_with_its_line():
    text = """\
codebook: broken
title: Broken
groups:
  - id: g
    label: G
    codes:
      - id: a
        label: A
        shortcut: x
      - id: a
        label: Again
        shortcut: x
      - id: Bad-Id
        color: "#ffffff"
      - id: c
        label: C
        shortcut: j
"""
    _, problems = parse_codebook(text)
    found = {(p.line, p.message.split(":")[0]) for p in problems}
    assert (10, "duplicate code id 'g.a' (first at line 7)") in found
    assert any(p.line == 10 and "duplicate shortcut 'x'" in p.message for p in problems)
    assert any(p.line == 13 and "id must match" in p.message for p in problems)
    assert any(p.line == 13 and "has no label" in p.message for p in problems)
    assert any(p.line == 14 and "unknown key 'color'" in p.message and "colour" in p.message
               for p in problems)
    assert any(p.line == 17 and "taken by the coder app" in p.message for p in problems)


def test_invalid_yaml_names_the_line():
    _, problems = parse_codebook("codebook: x\ngroups: [\n  - a\n")
    assert problems and problems[0].message.startswith("not valid YAML")
    assert problems[0].line >= 2


def test_codes_are_found_by_id_suffix_or_label(project):
    book = project_codebook(project)
    assert book.code("archetype.iterator.early").id == "archetype.iterator.early"
    assert book.code("iterator.early").id == "archetype.iterator.early"
    assert book.code("Funding").id == "need.funding"
    with pytest.raises(QualcodeError, match="did you mean"):
        book.code("fundng")


def _code_something(project, code_id):
    """Put one coding on a fresh segment directly through the store."""
    db = project.db
    db["transcripts"].insert({"id": "t1", "title": "T", "source_name": "t1.txt",
                              "source_hash": "h", "format": "txt", "encoding": "utf-8",
                              "text": "Hello there.", "imported_at": "2026-01-01T00:00:00"})
    db["segments"].insert({"id": 1, "transcript_id": "t1", "ordinal": 1, "turn": 1,
                           "speaker": "P01", "role": "participant", "text": "Hello there.",
                           "char_start": 0, "char_end": 12})
    db["codings"].insert({"segment_id": 1, "code_id": code_id, "coder": "ana",
                          "provenance": "manual", "codebook_version": 1,
                          "created_at": "2026-01-01T00:00:00"})


def test_rename_carries_codings_and_children(project):
    _code_something(project, "archetype.iterator.early")
    rename_code(project, "archetype.iterator", "empiricist")
    ids = {c.id for c in project_codebook(project).codes}
    assert "archetype.empiricist.early" in ids and "archetype.iterator" not in ids
    coded = project.db.execute("SELECT code_id FROM codings").fetchall()
    assert coded == [("archetype.empiricist.early",)]
    assert project.codebook_version == 2


def test_merge_moves_codings_and_removes_the_source(project):
    _code_something(project, "need.connectors")
    merge_codes(project, "need.connectors", "need.funding")
    assert project.db.execute("SELECT code_id FROM codings").fetchall() == [("need.funding",)]
    assert "need.connectors" not in {c.id for c in project_codebook(project).codes}


def test_a_new_codebook_cannot_orphan_codings(project, tiny_codebook):
    _code_something(project, "need.funding")
    book = load_codebook(tiny_codebook)
    need = book.group("need")
    need.codes = [c for c in need.codes if c.id != "need.funding"]
    with pytest.raises(QualcodeError, match=r"need.funding \(1 codings\)"):
        install_codebook(project, book, change="update")
    assert "need.funding" in {c.id for c in project_codebook(project).codes}


def test_cli_validate_lists_problems_and_fails(cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("codebook: b\ntitle: B\ngroups:\n  - id: g\n    label: G\n    codes:\n"
                   "      - id: a\n        shortcut: ab\n")
    result = cli("codebook", "validate", bad)
    assert result.exit_code == 1
    assert f"{bad}:7: code 'g.a' has no label" in result.stderr
    assert f"{bad}:8: code 'g.a': shortcut must be one character" in result.stderr


def test_cli_init_show_and_refuse_a_second_init(cli, tmp_path, tiny_codebook):
    folder = tmp_path / "study"
    assert cli("init", folder, "--codebook", tiny_codebook).exit_code == 0
    shown = cli("codebook", "show", "--project", folder)
    assert "archetype.iterator.early" in shown.stdout and " y " in shown.stdout
    again = cli("init", folder)
    assert again.exit_code == 1
    assert again.stderr.strip().count("\n") == 0 and "already" in again.stderr


def test_init_with_a_bad_codebook_leaves_no_project(cli, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("codebook: b\n")
    result = cli("init", tmp_path / "study", "--codebook", bad)
    assert result.exit_code == 1
    assert not (tmp_path / "study").exists()
