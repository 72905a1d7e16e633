"""The coder app, driven through Textual's pilot as a person would, checking the database."""

from __future__ import annotations

import contextlib

import pytest
from builders import add_sample, add_transcript
from textual.worker import WorkerCancelled

from qualcode.coding import (
    apply_code,
    done_ordinals,
    segment_codings,
    segment_memos,
    set_done,
)
from qualcode.errors import QualcodeError
from qualcode.tui import CoderApp
from qualcode.tui.excerpt import ExcerptScreen
from qualcode.tui.screens import (
    CodeSearchScreen,
    DefinitionScreen,
    ExplainScreen,
    HelpScreen,
    MemoScreen,
)

LONG = ("We hired two people last year. Both came from a lab. "
        "Funding was never the problem for us.")


def fake_suggest(segment):
    return [("need.funding", 0.8, "mentions money"), ("archetype.iterator", 0.35, "experiments")]


@pytest.fixture
def sample(project):
    return add_sample(project)


def codes(project, transcript="int-01", coder="ana"):
    return {o: [(c.code_id, c.span, c.provenance, c.confidence) for c in cs]
            for o, cs in segment_codings(project, transcript, coder).items()}


def status(app) -> str:
    return str(app.screen.status.content)


def codebook_lines(app) -> list[str]:
    return [str(line.content) for line in app.screen.codebook_panel.query(".code-line")]


async def settle(app, pilot) -> None:
    """Let the suggestion workers finish (a cancelled one is fine) and the screen catch up."""
    for _ in range(2):
        for worker in list(app.workers):
            with contextlib.suppress(WorkerCancelled):
                await worker.wait()
        await pilot.pause()


async def test_first_screen_at_80x24(project, sample):
    app = CoderApp(project, "ana", suggest=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        screen = app.screen
        assert screen.session.transcript_id == "int-01"
        assert "seg 1/4" in status(app) and "0% done" in status(app)
        assert "[ ] c █ Connector" in codebook_lines(app)
        assert "no suggester" in str(screen.suggestions_panel.content)
        assert screen.segment_list.size.width > 40
        assert screen.codebook_panel.region.right <= 80


async def test_shortcut_toggles_a_code(project, sample):
    app = CoderApp(project, "ana", suggest=None)
    async with app.run_test() as pilot:
        await pilot.press("j", "c", "C")
        assert codes(project) == {2: [("archetype.connector", None, "manual", None),
                                      ("need.connectors", None, "manual", None)]}
        assert "[x] c █ Connector" in codebook_lines(app)
        assert "2 codings" in status(app)
        await pilot.press("c")
        assert codes(project) == {2: [("need.connectors", None, "manual", None)]}
        tags = [t.label for t in app.screen.row_view(1).tags]
        assert tags == ["Connectors needed"]


async def test_fuzzy_search_applies_the_best_match(project, sample):
    app = CoderApp(project, "ana", suggest=None)
    async with app.run_test() as pilot:
        await pilot.press("slash")
        assert isinstance(app.screen, CodeSearchScreen)
        await pilot.press(*"grant", "enter")
        assert codes(project) == {1: [("need.funding", None, "manual", None)]}
        await pilot.press("slash", *"early", "down", "up", "enter")
        assert [c[0] for c in codes(project)[1]] == ["archetype.iterator.early", "need.funding"]


async def test_accept_a_suggestion_with_its_confidence(project, sample):
    app = CoderApp(project, "ana", suggest=fake_suggest)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        assert "Funding" in str(app.screen.suggestions_panel.content)
        assert codes(project) == {}  # never applied without a key
        await pilot.press("2")
        assert codes(project) == {1: [("archetype.iterator", None, "suggestion", 0.35)]}
        await pilot.press("w")
        assert isinstance(app.screen, ExplainScreen)
        await pilot.press("escape", "9")
        assert len(codes(project)[1]) == 1


async def test_narrow_an_excerpt_to_a_sentence_and_to_characters(project):
    add_transcript(project, "int-09", [("Ana", LONG)])
    second = LONG.index("Both")
    app = CoderApp(project, "ana", suggest=None)
    async with app.run_test() as pilot:
        await pilot.press("e")
        assert isinstance(app.screen, ExcerptScreen)
        await pilot.press("right", "enter")
        assert f"excerpt {second}-" in status(app)
        await pilot.press("c")
        # from that sentence: grow by one, end back a word and a character, start on a word
        await pilot.press("e", "shift+right", "tab", "b", "h", "tab", "w", "enter", "f")
        found = {code: span for code, span, _, _ in codes(project, "int-09")[1]}
        start, end = found["archetype.connector"]
        assert LONG[start:end] == "Both came from a lab."
        start, end = found["need.funding"]
        assert LONG[start:end] == "came from a lab. Funding was never the problem fo"
        await pilot.press("escape", "c")  # the whole segment again: c is on an excerpt, so
        assert [c for c, _, _, _ in codes(project, "int-09")[1]] == ["need.funding"]  # off
        await pilot.press("c", "c")
        assert [c for c, _, _, _ in codes(project, "int-09")[1]] == ["need.funding"]


async def test_memo_on_segment_and_on_coding_saved_as_typed(project, sample):
    app = CoderApp(project, "ana", suggest=None)
    async with app.run_test() as pilot:
        await pilot.press("c", "m")
        assert isinstance(app.screen, MemoScreen)
        await pilot.press(*"agenda talk")
        await pilot.pause(0.6)  # typing paused: the draft is in the database already
        assert segment_memos(project, "int-01", "ana") == {1: "agenda talk"}
        await pilot.press("tab", "down", "tab", *"why c")
        await pilot.press("escape")
        assert not isinstance(app.screen, MemoScreen)
        assert segment_codings(project, "int-01", "ana")[1][0].memo == "why c"
        assert app.screen.row_view(0).memo


async def test_undo_and_redo(project, sample):
    app = CoderApp(project, "ana", suggest=None)
    async with app.run_test() as pilot:
        await pilot.press("c", "j", "f", "u")
        assert codes(project) == {1: [("archetype.connector", None, "manual", None)]}
        await pilot.press("u")
        assert codes(project) == {}
        await pilot.press("ctrl+r")
        assert codes(project) == {1: [("archetype.connector", None, "manual", None)]}
        assert app.screen.segment.ordinal == 1  # undo and redo go to the segment touched


async def test_a_refused_action_is_a_notice_not_a_crash(project, sample, monkeypatch):
    app = CoderApp(project, "ana", suggest=None)
    async with app.run_test(notifications=True) as pilot:
        def refuse():
            raise QualcodeError("cannot undo event 7: its codings row changed since")

        monkeypatch.setattr(app.screen.session, "undo", refuse)
        await pilot.press("u", "c")
        assert any("cannot undo" in n.message for n in app._notifications)
        assert codes(project) == {1: [("archetype.connector", None, "manual", None)]}


async def test_mark_done_quit_and_resume(project, sample):
    app = CoderApp(project, "ana", suggest=None)
    async with app.run_test() as pilot:
        await pilot.press("enter", "space", "k")
        assert app.screen.segment.ordinal == 2
        await pilot.press("n")
        assert app.screen.segment.ordinal == 3
        assert "50% done" in status(app)
        await pilot.press("q")
    assert done_ordinals(project, "int-01", "ana") == {1, 2}

    again = CoderApp(project, "ana", suggest=None)
    async with again.run_test() as pilot:
        assert (again.screen.session.transcript_id, again.screen.segment.ordinal) == ("int-01", 3)
    for ordinal in (3, 4):
        set_done(project, sample["int-01"][ordinal - 1].id, "ana")
    third = CoderApp(project, "ana", suggest=None)
    async with third.run_test() as pilot:
        assert (third.screen.session.transcript_id, third.screen.segment.ordinal) == ("int-02", 1)


async def test_other_coders_only_on_request(project, sample):
    apply_code(project, sample["int-01"][0].id, "funding", "ben")
    app = CoderApp(project, "ana", suggest=None)
    async with app.run_test() as pilot:
        assert app.screen.row_view(0).tags == []
        await pilot.press("o")
        assert [(t.coder, t.label) for t in app.screen.row_view(0).tags] == [("ben", "Funding")]
        assert "+others" in status(app)
        await pilot.press("o")
        assert app.screen.row_view(0).tags == []


async def test_switch_transcript_definition_and_help(project, sample):
    app = CoderApp(project, "ana", suggest=None)
    async with app.run_test() as pilot:
        await pilot.press("t", *"02", "enter")
        assert app.screen.session.transcript_id == "int-02"
        assert "seg 1/3" in status(app)
        await pilot.press("d")
        assert isinstance(app.screen, DefinitionScreen)
        await pilot.press("f")
        assert "Funding" in str(app.screen.query_one("#definition").content)
        await pilot.press("escape", "question_mark")
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        assert app.screen.session.transcript_id == "int-02"


async def test_uncertain_order_walks_least_sure_first(project, sample):
    unsure = {"Work tests": 0.9, "Someone": 0.5}

    def uncertainty(segment):
        return next((v for k, v in unsure.items() if segment.text.startswith(k)), 0.1)

    app = CoderApp(project, "ana", transcript="int-02", order="uncertain",
                   suggest=fake_suggest, uncertainty=uncertainty)
    async with app.run_test() as pilot:
        await settle(app, pilot)
        assert app.screen.segment.ordinal == 2
        await pilot.press("enter")
        assert app.screen.segment.ordinal == 3
        assert "least sure first" in status(app)


async def test_uncertain_order_without_uncertainty_keeps_transcript_order(project, sample):
    app = CoderApp(project, "ana", order="uncertain", suggest=fake_suggest)
    async with app.run_test(notifications=True) as pilot:
        await settle(app, pilot)
        assert app.screen.segment.ordinal == 1
        assert any("transcript order" in n.message for n in app._notifications)
