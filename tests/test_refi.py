"""REFI-QDA export (`.qdc`, `.qdpx`): schema validity, the checks the schemas miss, stable
GUIDs, and the round trip export -> import of the shared coded study."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from builders import add_transcript
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from test_export import coded_study

from qualcode.codebook import parse_codebook, project_codebook
from qualcode.coding import apply_code
from qualcode.project import init_project
from qualcode.refi import (
    check_qdc,
    check_qdpx,
    codebook_from_qdc,
    codebook_yaml,
    export_qdc,
    export_qdpx,
    import_qdpx,
)
from qualcode.store import Project, now

SCHEMAS = Path(__file__).resolve().parents[2] / "shared" / "refi-qda"
NS = {"q": "urn:QDA-XML:project:1.0"}


def schema(name: str) -> etree.XMLSchema:
    if not (SCHEMAS / name).is_file():
        pytest.skip(f"the official REFI-QDA schema {name} is not at {SCHEMAS} (it lives in "
                    "the shared/ folder beside the repository)")
    return etree.XMLSchema(etree.parse(str(SCHEMAS / name)))


def add_memos(project: Project) -> None:
    """One memo of every kind besides the coding memo the study has."""
    segment = project.segment("p01", 4)
    rows = [("ana", "project", None, "Journal: <first> & last"),
            ("ben", "transcript", "p02", "Call dropped twice."),
            ("ana", "code", "need.funding", "Money, not people."),
            ("ben", "segment", str(segment.id), "Ask about this again.")]
    with project.transaction():
        for coder, target, target_id, text in rows:
            project.db.execute("INSERT INTO memos (coder, target, target_id, text, created_at, "
                               "updated_at) VALUES (?, ?, ?, ?, ?, ?)",
                               [coder, target, target_id, text, now(), now()])


@pytest.fixture
def study(project):
    coded_study(project)
    add_memos(project)
    return project


def codings(project: Project) -> set[tuple]:
    """Every coding by transcript offsets: (transcript, start, end, code, coder, memo)."""
    return set(project.db.execute(
        "SELECT s.transcript_id, s.char_start + ifnull(c.span_start, 0), "
        "ifnull(s.char_start + c.span_end, s.char_end), c.code_id, c.coder, c.memo "
        "FROM codings c JOIN segments s ON s.id = c.segment_id").fetchall())


def memos(project: Project) -> set[tuple]:
    """Every memo, a segment memo named by its transcript and offsets."""
    return set(project.db.execute(
        "SELECT m.coder, m.target, CASE m.target WHEN 'segment' THEN s.transcript_id || ':' || "
        "s.char_start || '-' || s.char_end ELSE m.target_id END, m.text FROM memos m "
        "LEFT JOIN segments s ON m.target = 'segment' AND CAST(s.id AS TEXT) = m.target_id"
    ).fetchall())


def attributes(project: Project) -> dict[str, dict]:
    return {t: project.transcript(t).attributes for t in project.transcript_ids()}


def test_qdc_is_valid_and_complete(study, tmp_path):
    path = tmp_path / "codebook.qdc"
    assert export_qdc(study, path).codes == 5
    schema("Codebook.xsd").assertValid(etree.parse(str(path)))
    assert check_qdc(path) == []
    root = etree.parse(str(path)).getroot()
    assert root.tag == "{urn:QDA-XML:codebook:1.0}CodeBook"
    categories = root.findall("{*}Codes/{*}Code")
    assert [(c.get("name"), c.get("isCodable")) for c in categories] == [
        ("Archetype", "false"), ("Need", "false")]
    early = root.find(".//{*}Code[@name='Iterator']/{*}Code")
    assert early.get("name") == "Early-career iterator"


def test_qdc_round_trips_every_field_of_the_codebook(study, tmp_path):
    export_qdc(study, tmp_path / "codebook.qdc")
    mapping = codebook_from_qdc(tmp_path / "codebook.qdc")
    assert mapping.problems == []
    assert mapping.codebook.groups == project_codebook(study).groups
    yaml_text = codebook_yaml(mapping.codebook)
    parsed, problems = parse_codebook(yaml_text)
    assert problems == [] and parsed.groups == project_codebook(study).groups


def test_qdpx_is_valid_with_exact_positions(study, tmp_path):
    path = tmp_path / "study.qdpx"
    summary = export_qdpx(study, path)
    assert (summary.sources, summary.users, summary.codings) == (3, 3, 15)
    assert summary.notes == 5 and summary.variables == 2
    with zipfile.ZipFile(path) as archive:
        names = archive.namelist()
        document = archive.read("project.qde")
        texts = {n: archive.read(n) for n in names if n != "project.qde"}
    assert names[0] == "project.qde" and all(n.startswith("sources/") for n in names[1:])
    assert not document.startswith(b"\xef\xbb\xbf")
    root = etree.fromstring(document)
    schema("Project.xsd").assertValid(root)
    assert check_qdpx(path) == []
    for source in root.iterfind(".//q:TextSource", NS):
        text = texts[f"sources/{source.get('guid')}.txt"]
        assert text == study.transcript(source.get("name")).text.encode("utf-8")
        for selection in source.iterfind("q:PlainTextSelection", NS):
            start, end = int(selection.get("startPosition")), int(selection.get("endPosition"))
            assert selection.get("name") == text.decode("utf-8")[start:end]
    tricky = root.find(".//q:TextSource[@name='p03']/q:PlainTextSelection[@name='=SUM(A1)']", NS)
    assert tricky is not None  # a span inside a segment: segment start + span


def test_every_coder_is_a_user_on_selections_and_codings(study, tmp_path):
    export_qdpx(study, tmp_path / "study.qdpx")
    with zipfile.ZipFile(tmp_path / "study.qdpx") as archive:
        root = etree.fromstring(archive.read("project.qde"))
    users = {u.get("guid"): u.get("name") for u in root.iterfind(".//q:User", NS)}
    assert sorted(users.values()) == ["ana", "ben", "consensus"]
    for selection in root.iterfind(".//q:PlainTextSelection", NS):
        for coding in selection.iterfind("q:Coding", NS):
            assert coding.get("creatingUser") == selection.get("creatingUser")
            assert users[coding.get("creatingUser")]


def test_guids_are_stable_across_exports_and_differ_between_projects(study, tmp_path,
                                                                     tiny_codebook):
    export_qdpx(study, tmp_path / "a.qdpx")
    export_qdpx(study, tmp_path / "b.qdpx")
    assert (tmp_path / "a.qdpx").read_bytes() == (tmp_path / "b.qdpx").read_bytes()
    other = init_project(tmp_path / "other", tiny_codebook).project
    export_qdc(study, tmp_path / "a.qdc")
    export_qdc(other, tmp_path / "o.qdc")
    guids = {e.get("guid") for e in etree.parse(str(tmp_path / "a.qdc")).iter()} - {None}
    others = {e.get("guid") for e in etree.parse(str(tmp_path / "o.qdc")).iter()} - {None}
    assert guids and not guids & others
    other.close()


def test_round_trip_reproduces_codings_memos_coders_and_attributes(study, tmp_path,
                                                                   tiny_codebook):
    export_qdpx(study, tmp_path / "study.qdpx")
    copy = init_project(tmp_path / "copy", tiny_codebook).project
    summary = import_qdpx(copy, tmp_path / "study.qdpx")
    assert summary.transcripts == ["p01", "p02", "p03"] and summary.codes_added == []
    assert summary.codings == 15 and summary.duplicates == 0
    assert summary.coders == ["ana", "ben", "consensus"]
    assert codings(copy) == codings(study)
    assert memos(copy) == memos(study)
    assert attributes(copy) == attributes(study)
    assert [t.text for t in map(copy.transcript, copy.transcript_ids())] == \
        [t.text for t in map(study.transcript, study.transcript_ids())]
    export_qdpx(copy, tmp_path / "again.qdpx")
    assert check_qdpx(tmp_path / "again.qdpx") == []
    copy.close()


WORDS = ["money", "people", "café", "naïve", "😀", "🧪x", '"quoted"', "<&>", "a,b", "=SUM",
         "-dash", "straße", "日本語", "ǅ"]  # stored text is NFC, as the importer keeps it
TURN = st.lists(st.sampled_from(WORDS), min_size=1, max_size=8).map(" ".join)


@settings(max_examples=25, deadline=None)
@given(turns=st.lists(st.lists(TURN, min_size=1, max_size=2).map("\n".join),
                      min_size=1, max_size=4),
       spans=st.lists(st.tuples(st.integers(0, 3), st.integers(0, 60), st.integers(1, 60)),
                      max_size=6))
def test_any_text_and_span_survive_the_round_trip(tmp_path_factory, turns, spans):
    folder = tmp_path_factory.mktemp("roundtrip")
    tiny = Path(__file__).parent / "data" / "tiny_codebook.yaml"
    source = init_project(folder / "a", tiny).project
    segments = add_transcript(source, "t", [("Participant", t) for t in turns])
    for i, (which, start, length) in enumerate(spans):
        segment = segments[which % len(segments)]
        start = min(start, len(segment.text) - 1)
        end = min(len(segment.text), start + length)
        apply_code(source, segment.id, ["funding", "connector"][i % 2], f"c{i % 3}",
                   span=(start, end))
    export_qdpx(source, folder / "t.qdpx")
    assert check_qdpx(folder / "t.qdpx") == []
    copy = init_project(folder / "b", tiny).project
    import_qdpx(copy, folder / "t.qdpx")
    assert codings(copy) == codings(source)
    source.close()
    copy.close()


def test_importing_into_the_same_project_adds_nothing(study, tmp_path):
    export_qdpx(study, tmp_path / "study.qdpx")
    before = (codings(study), memos(study), attributes(study))
    summary = import_qdpx(study, tmp_path / "study.qdpx")
    assert summary.matched == ["p01", "p02", "p03"] and summary.transcripts == []
    assert (summary.codings, summary.duplicates, summary.memos) == (0, 15, 0)
    assert (codings(study), memos(study), attributes(study)) == before


def flat(text: str) -> str:
    """Terminal output without rich's line wrapping."""
    return " ".join(text.split())


def test_cli_exports_and_imports(study, cli, tmp_path, tiny_codebook):
    where = ("--project", study.folder)
    exported = cli("export", "qdpx", tmp_path / "s.qdpx", *where)
    assert exported.exit_code == 0 and "3 transcripts" in flat(exported.stdout)
    assert "no place in REFI-QDA" in flat(exported.stdout)
    assert cli("export", "qdc", tmp_path / "s.qdc", *where).exit_code == 0
    fresh = init_project(tmp_path / "fresh", tiny_codebook).project
    imported = cli("import", "qdpx", tmp_path / "s.qdpx", "--project", fresh.folder)
    assert imported.exit_code == 0 and "15 codings" in flat(imported.stdout)
    assert "anonymized, codings moved with the text" in flat(imported.stdout)
    assert codings(fresh) == codings(study)
    as_yaml = cli("codebook", "import", tmp_path / "s.qdc", "--output", tmp_path / "cb.yaml")
    assert as_yaml.exit_code == 0
    assert cli("codebook", "validate", tmp_path / "cb.yaml").exit_code == 0
    installed = cli("codebook", "import", tmp_path / "s.qdc", "--project", fresh.folder)
    assert installed.exit_code == 0 and "codebook version" in flat(installed.stdout)
    assert project_codebook(fresh).groups == project_codebook(study).groups
    fresh.close()
