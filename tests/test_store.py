"""The project store: creation, finding the project, transactions, migrations, the event log."""

from __future__ import annotations

import sqlite3

import pytest

from qualcode import store
from qualcode.errors import QualcodeError
from qualcode.store import DB_NAME, SCHEMA_VERSION, Project, find_project


def test_new_project_is_current_wal_with_foreign_keys(project):
    db = project.db
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert db.execute("PRAGMA foreign_keys").fetchone()[0] == 1
    assert len(project.project_id) == 36


def test_project_is_found_from_option_then_environment_then_parents(tmp_path, project,
                                                                     monkeypatch):
    nested = project.folder / "notes" / "deep"
    nested.mkdir(parents=True)
    assert find_project(start=nested) == project.folder.resolve()
    monkeypatch.setenv("QUALCODE_PROJECT", str(tmp_path / "elsewhere"))
    assert find_project(start=nested) == tmp_path / "elsewhere"
    assert find_project(tmp_path / "explicit", start=nested) == tmp_path / "explicit"


def test_no_project_anywhere_is_a_clear_error(tmp_path):
    with pytest.raises(QualcodeError, match="no qualcode project here"):
        find_project(start=tmp_path)
    with pytest.raises(QualcodeError, match="not a qualcode project"):
        Project.open(tmp_path)


def test_a_failed_transaction_leaves_nothing_behind(project):
    before = project.db.execute("SELECT count(*) FROM events").fetchone()[0]
    with pytest.raises(RuntimeError):
        with project.transaction():
            project.log("something", {})
            with project.transaction():  # nested: a savepoint of the same transaction
                project.log("something else", {})
            raise RuntimeError("boom")
    assert project.db.execute("SELECT count(*) FROM events").fetchone()[0] == before


def test_the_event_log_is_append_only(project):
    with project.transaction():
        event = project.log("test", {"n": 1}, coder="ana")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        project.db.execute("DELETE FROM events WHERE id = ?", [event])
    with pytest.raises(sqlite3.DatabaseError, match="append-only"):
        project.db.execute("UPDATE events SET coder = 'ben' WHERE id = ?", [event])


def test_an_older_project_is_migrated_when_opened(tmp_path, monkeypatch):
    """A project made by an older qualcode (schema v1) opens in a newer one (v2)."""
    folder = tmp_path / "old"
    Project.create(folder).close()

    def add_column(db):
        db.execute("ALTER TABLE transcripts ADD COLUMN language TEXT")

    monkeypatch.setattr(store, "MIGRATIONS", [*store.MIGRATIONS, add_column])
    monkeypatch.setattr(store, "SCHEMA_VERSION", len(store.MIGRATIONS))
    with Project.open(folder) as reopened:
        assert reopened.db.execute("PRAGMA user_version").fetchone()[0] == 2
        assert "language" in reopened.db["transcripts"].columns_dict


def test_a_project_from_a_newer_qualcode_is_refused(tmp_path):
    folder = tmp_path / "new"
    with Project.create(folder) as created:
        created.db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(QualcodeError, match="newer than this qualcode"):
        Project.open(folder)


def test_a_file_that_is_not_a_database_is_a_clear_error(tmp_path):
    (tmp_path / DB_NAME).write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(QualcodeError, match="cannot be opened as a database"):
        Project.open(tmp_path)
