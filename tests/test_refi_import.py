"""Importing `.qdpx` files as other tools write them, and refusing hostile ones.

The foreign file below is hand-made in the ways real tools differ from the standard: an
`<Name>.qde`, a `Sources/` folder, GUIDs in braces and upper case, a CRLF text with a BOM,
positions counted with CRLF as one character or in UTF-16 units, memos as linked notes and
as selection descriptions, variables on the source and on a nameless case, codes nested
four levels deep, colours as rgb() and with alpha.
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest

from qualcode.codebook import project_codebook
from qualcode.errors import QualcodeError
from qualcode.refi import import_qdpx, loader, reader
from qualcode.refi.text import SourceText

TEXT = ("\ufeffInterviewer: What do you need?\r\n\r\nDana P: People who run fast experiments."
        "\r\n\r\nInterviewer: And money?\r\n\r\nDana P: Funding is fine 😀 really fine.\r\n")
ORIGINAL = TEXT[1:]  # positions count from after the BOM


def g(n: int) -> str:
    return f"{n:08x}-0000-4000-8000-000000000000"


def at(phrase: str, convention: str = "standard") -> tuple[int, int]:
    """Positions of `phrase` in the source text as a tool with `convention` counts them."""
    start = ORIGINAL.index(phrase)
    before = ORIGINAL[:start]
    if convention == "crlf-as-one":
        start -= before.count("\r\n")
    elif convention == "utf-16":
        start += sum(ord(c) > 0xFFFF for c in before)
    return start, start + len(phrase)


def selection(guid: int, phrase: str, body: str, convention: str = "standard",
              user: str | None = None, name: str | None = None) -> str:
    start, end = at(phrase, convention)
    who = f' creatingUser="{user}"' if user else ""
    return (f'<PlainTextSelection guid="{g(guid)}" name="{name or phrase}" '
            f'startPosition="{start}" endPosition="{end}"{who}>{body}</PlainTextSelection>')


def coding(guid: int, code: int, user: str | None = None) -> str:
    who = f' creatingUser="{user}"' if user else ""
    return f'<Coding guid="{g(guid)}"{who}><CodeRef targetGUID="{g(code)}"/></Coding>'


DANA = "{" + g(1).upper() + "}"
ELI = g(2)
SELECTIONS = "".join([
    selection(100, "fast experiments", coding(101, 12), user=DANA),
    selection(110, "really fine", coding(111, 15, user=ELI), convention="utf-16"),
    selection(120, "And money?", coding(121, 15), convention="crlf-as-one", user=DANA),
    selection(130, "experiments.\r\n\r\nInterviewer: And", coding(131, 15, user=DANA),
              name="experiments. Interviewer: And"),
    selection(140, "Funding is fine", "<Description>Ask again.</Description>", user=DANA),
    selection(150, "What do you need?", coding(151, 99, user=DANA)),
    selection(160, "People who run", coding(161, 11, user=DANA) + coding(162, 14, user=DANA)),
])
PROJECT = f"""<?xml version="1.0" encoding="utf-8"?>
<Project xmlns="urn:QDA-XML:project:0:10" name="Foreign study" origin="OtherTool 3">
  <Users><User guid="{DANA}" name="Dana"/><User guid="{ELI}" name="Eli"/></Users>
  <CodeBook><Codes>
    <Code guid="{g(11)}" name="Talent" isCodable="true" color="rgb(255, 0, 0)">
      <Description>Kinds of people.</Description>
      <Code guid="{g(12)}" name="Research taste" isCodable="true" color="#0F0">
        <Description>Judgement of what to work on.</Description>
        <Code guid="{g(13)}" name="Deep level" isCodable="true">
          <Code guid="{g(14)}" name="Deeper" isCodable="true"/>
        </Code>
      </Code>
    </Code>
    <Code guid="{g(15)}" name="Funding" isCodable="true" color="#11223344"/>
  </Codes></CodeBook>
  <Variables>
    <Variable guid="{g(21)}" name="org_type" typeOfVariable="Text"/>
    <Variable guid="{g(22)}" name="fte" typeOfVariable="Integer"/>
  </Variables>
  <Cases><Case guid="{g(31)}"><VariableValue><VariableRef targetGUID="{g(21)}"/>
    <TextValue>small_org</TextValue></VariableValue><SourceRef targetGUID="{g(41)}"/></Case>
  </Cases>
  <Sources>
    <TextSource guid="{g(41)}" name="Interview A.docx" plainTextPath="internal://{g(41)}.txt">
      <Description>Recorded remotely.</Description>
      {SELECTIONS}
      <VariableValue><VariableRef targetGUID="{g(22)}"/><IntegerValue>8</IntegerValue>
      </VariableValue>
    </TextSource>
    <TextSource guid="{g(42)}" name="Secrets" plainTextPath="absolute:///etc/passwd"/>
    <TextSource guid="{g(43)}" name="Escape" plainTextPath="internal://../../evil.txt"/>
    <PDFSource guid="{g(44)}" name="paper.pdf" path="internal://{g(44)}.pdf"/>
  </Sources>
  <Notes>
    <Note guid="{g(51)}" name="linked" creatingUser="{ELI}">
      <PlainTextContent>Linked note.</PlainTextContent></Note>
    <Note guid="{g(52)}" name="journal"><PlainTextContent>Project journal.</PlainTextContent>
    </Note>
  </Notes>
  <Links><Link guid="{g(61)}" originGUID="{g(51)}" targetGUID="{g(100)}"/></Links>
</Project>
"""


def make_qdpx(path: Path, document: str | bytes, files: dict[str, bytes] | None = None,
              qde: str = "Foreign study.qde") -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(qde, document if isinstance(document, bytes) else document.encode())
        for name, data in (files or {}).items():
            archive.writestr(name, data)
    return path


@pytest.fixture
def foreign(tmp_path) -> Path:
    return make_qdpx(tmp_path / "foreign.qdpx", PROJECT,
                     {f"Sources/{g(41)}.txt": TEXT.encode("utf-8")})


def test_a_foreign_project_comes_in_with_what_it_can_carry(project, foreign):
    summary = import_qdpx(project, foreign, anonymize=False)
    assert summary.transcripts == ["interview-a"]
    transcript = project.transcript("interview-a")
    assert transcript.text == ORIGINAL.replace("\r\n", "\n")  # LF, no BOM
    assert not transcript.anonymized
    assert transcript.attributes == {"org_type": "small_org", "fte": 8}
    segments = project.segments("interview-a")
    assert [(s.speaker, s.role, s.text) for s in segments] == [
        ("Interviewer", "interviewer", "What do you need?"),
        ("Dana P", "participant", "People who run fast experiments."),
        ("Interviewer", "interviewer", "And money?"),
        ("Dana P", "participant", "Funding is fine 😀 really fine.")]
    found = {(s.ordinal, c, coder, text[a:b] if a is not None else None, memo)
             for s in segments
             for c, coder, a, b, memo, text in project.db.execute(
                 "SELECT code_id, coder, span_start, span_end, memo, ? FROM codings "
                 "WHERE segment_id = ?", [s.text, s.id])}
    assert found == {
        (2, "talent.research_taste", "Dana", "fast experiments", "Linked note."),
        (4, "imported.funding", "Eli", "really fine", None),
        (3, "imported.funding", "Dana", None, None),
        (2, "imported.funding", "Dana", "experiments.", None),  # straddling: split
        (3, "imported.funding", "Dana", "And", None),
        (2, "talent.talent", "Dana", "People who run", None),
        (2, "talent.research_taste.deeper", "Dana", "People who run", None),
    }
    memos = set(project.db.execute("SELECT coder, target, target_id, text FROM memos"))
    assert memos == {("Dana", "segment", str(segments[3].id), "Ask again."),
                     ("imported", "transcript", "interview-a", "Recorded remotely."),
                     ("imported", "project", None, "Project journal.")}
    assert summary.coders == ["Dana", "Eli", "imported"]


def test_foreign_text_is_anonymized_and_codings_move_with_it(project, foreign):
    """A .qdpx from another tool may carry real names: they are replaced before the text is
    stored, and each coding still covers the words it covered."""
    summary = import_qdpx(project, foreign)
    assert any("anonymized, codings moved with the text" in p for p in summary.problems)
    transcript = project.transcript("interview-a")
    assert transcript.anonymized and "Dana" not in transcript.text
    segments = project.segments("interview-a")
    assert [(s.speaker, s.role) for s in segments] == [  # roles from the original labels
        ("Interviewer", "interviewer"), ("[PERSON_1] P", "participant"),
        ("Interviewer", "interviewer"), ("[PERSON_1] P", "participant")]
    assert all(transcript.text[s.char_start:s.char_end] == s.text for s in segments)
    raw = project.db_path.read_bytes() + project.db_path.with_name("qualcode.db-wal").read_bytes()
    assert b"Dana P" not in raw
    covered = {project.db.execute("SELECT substr(s.text, c.span_start + 1, "
                                  "c.span_end - c.span_start) FROM codings c JOIN segments s "
                                  "ON s.id = c.segment_id WHERE c.id = ?", [cid]).fetchone()[0]
               for (cid,) in project.db.execute(
                   "SELECT id FROM codings WHERE span_start IS NOT NULL")}
    assert {"fast experiments", "really fine"} <= covered
    replaced = project.db.execute("SELECT count(*) FROM replacements "
                                  "WHERE transcript_id = 'interview-a'").fetchone()[0]
    assert replaced >= 2  # both mentions of the participant, for review


def test_foreign_codes_become_groups_and_codes(project, foreign):
    summary = import_qdpx(project, foreign)
    codebook = project_codebook(project)
    talent = codebook.group("talent")
    assert [(c.id, c.parent, c.colour) for c in talent.codes] == [
        ("talent.talent", None, "#ff0000"),
        ("talent.research_taste", None, "#00ff00"),
        ("talent.research_taste.deep_level", "talent.research_taste", None),
        ("talent.research_taste.deeper", "talent.research_taste", None)]
    assert talent.codes[1].definition == "Judgement of what to work on."
    assert codebook.code("imported.funding").colour == "#112233"
    assert codebook.group("archetype")  # the project's own codes stay
    assert sorted(summary.codes_added) == sorted(
        [*(c.id for c in talent.codes), "imported.funding"])


def test_the_summary_says_what_was_not_carried(project, foreign):
    problems = "\n".join(import_qdpx(project, foreign, anonymize=False).problems)
    for expected in ("PDFSource 'paper.pdf'", "points outside the archive (absolute://)",
                     "source 'Escape' has an unusable internal path",
                     "'Deep level' has child codes below the second level",
                     "1 × selection positions: UTF-16 units",
                     "1 × selection positions: CRLF counted as one character",
                     "1 × selection straddling segments",
                     "1 × coding of a code that is not in the codebook",
                     "NOT anonymized"):
        assert expected in problems
    assert "passwd" not in problems and "root:" not in problems


def test_positions_map_onto_the_normalized_text():
    original = "\ufeffCafe\u0301 one.\r\nSecond 😀 line.\rThird."
    source = SourceText.from_original(original)
    assert source.text == "Café one.\nSecond 😀 line.\nThird."
    file_text = original[1:]
    for phrase in ("one.", "Second", "line.", "Third."):
        start = file_text.index(phrase)
        mapped = source.position(start), source.position(start + len(phrase))
        assert source.text[mapped[0]:mapped[1]] == phrase
    assert source.locate(0, 4, "Cafe\u0301") == (0, 4, "unmatched")  # a cut accent
    assert source.locate(0, 5, "Café"[:3] + "…") == (0, 5, "standard")
    assert source.locate(90, 99, None) is None


def test_an_import_is_all_or_nothing(project, foreign, monkeypatch):
    before = [project.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
              for t in ("transcripts", "segments", "codings", "memos", "codes", "events")]

    def fail(self):
        raise RuntimeError("disk full")

    monkeypatch.setattr(loader._Loader, "write_memos", fail)
    with pytest.raises(RuntimeError):
        import_qdpx(project, foreign)
    after = [project.db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
             for t in ("transcripts", "segments", "codings", "memos", "codes", "events")]
    assert after == before


def test_entities_and_doctypes_are_refused(project, tmp_path):
    bomb = ('<?xml version="1.0"?><!DOCTYPE p [<!ENTITY a "aaaaaaaaaa">'
            '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><Project name="&b;"/>')
    external = ('<?xml version="1.0"?><!DOCTYPE p [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                '<Project name="x">&x;</Project>')
    for document in (bomb, external):
        with pytest.raises(QualcodeError, match="refused"):
            import_qdpx(project, make_qdpx(tmp_path / "evil.qdpx", document))


def test_zip_members_are_never_extracted_and_sizes_are_capped(project, tmp_path,
                                                              monkeypatch):
    minimal = f"""<Project xmlns="urn:QDA-XML:project:1.0" name="p"><Sources>
      <TextSource guid="{g(1)}" name="big" plainTextPath="internal://{g(1)}.txt"/>
      </Sources></Project>"""
    path = make_qdpx(tmp_path / "bomb.qdpx", minimal, {
        f"sources/{g(1)}.txt": b"a" * 3_000_000, "../../escaped.txt": b"x",
        "/abs.txt": b"x"}, qde="project.qde")
    monkeypatch.setattr(reader, "MAX_SOURCE_BYTES", 1_000_000)
    with pytest.raises(QualcodeError, match="inflates beyond the size limit"):
        import_qdpx(project, path)
    assert not (tmp_path.parent / "escaped.txt").exists() and not Path("/abs.txt").exists()
    assert project.transcript_ids() == []


def test_files_that_are_no_qdpx_are_clear_errors(project, tmp_path):
    (tmp_path / "notes.qdpx").write_text("hello")
    with pytest.raises(QualcodeError, match="not a .qdpx file"):
        import_qdpx(project, tmp_path / "notes.qdpx")
    two = io.BytesIO()
    with zipfile.ZipFile(two, "w") as archive:
        archive.writestr("a.qde", "<Project name='a'/>")
        archive.writestr("b.qde", "<Project name='b'/>")
    (tmp_path / "two.qdpx").write_bytes(two.getvalue())
    with pytest.raises(QualcodeError, match="found 2"):
        import_qdpx(project, tmp_path / "two.qdpx")
    with pytest.raises(QualcodeError, match="not well-formed"):
        import_qdpx(project, make_qdpx(tmp_path / "bad.qdpx", "<Project", qde="project.qde"))
    with pytest.raises(QualcodeError, match="no such file"):
        import_qdpx(project, tmp_path / "missing.qdpx")


CODEBOOK = f"""<?xml version="1.0" encoding="utf-8"?>
<CodeBook xmlns="urn:QDA-XML:codebook:1.0" origin="OtherTool 3">
  <Codes>
    <Code guid="{g(1)}" name="Talent needs" isCodable="false">
      <Code guid="{g(2)}" name="Research taste" isCodable="true" color="#ABC">
        <Description>Judgement of what to work on.</Description>
      </Code>
      <Code guid="{g(3)}" name="Funding" isCodable="true" color="rgba(1, 2, 3, 0.5)"/>
    </Code>
    <Code guid="{g(4)}" name="Hype" isCodable="true" color="teal"/>
  </Codes>
</CodeBook>
"""


def test_a_foreign_codebook_is_installed_merged_or_written_as_yaml(project, cli, tmp_path):
    path = tmp_path / "needs.qdc"
    path.write_text(CODEBOOK, encoding="utf-8")
    merged = cli("codebook", "import", path, "--merge", "--project", project.folder)
    assert merged.exit_code == 0 and "colour 'teal' not understood" in merged.stdout
    codebook = project_codebook(project)
    assert codebook.group("archetype") and codebook.code("talent_needs.research_taste")
    assert codebook.code("talent_needs.research_taste").colour == "#aabbcc"
    assert codebook.code("talent_needs.funding").colour == "#010203"
    assert codebook.code("imported.hype").colour is None
    written = cli("codebook", "import", path, "--output", tmp_path / "needs.yaml")
    assert written.exit_code == 0
    assert cli("codebook", "validate", tmp_path / "needs.yaml").exit_code == 0
    replaced = cli("codebook", "import", path, "--project", project.folder)
    assert replaced.exit_code == 0
    assert [g.id for g in project_codebook(project).groups] == ["talent_needs", "imported"]


def test_a_codebook_with_a_doctype_is_refused(project, cli, tmp_path):
    path = tmp_path / "evil.qdc"
    path.write_text('<!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                    '<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>&x;</Codes></CodeBook>')
    result = cli("codebook", "import", path, "--project", project.folder)
    assert result.exit_code == 1 and "refused" in result.stderr
