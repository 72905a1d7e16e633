"""Code suggestions: cold start, learned model, blending, caching, active learning, and
the promise that a suggestion never becomes a coding without a keystroke."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
import yaml
from builders import add_transcript

from qualcode.codebook import load_codebook, project_codebook
from qualcode.coding import apply_code, set_done
from qualcode.project import init_project
from qualcode.store import Project
from qualcode.suggest import Suggester, evaluate, predict_codes, uncertainty_order
from qualcode.suggest import cache as cache_module
from qualcode.suggest import learned as learned_module
from qualcode.suggest import suggester as suggester_module
from qualcode.suggest.coldstart import ColdStart
from qualcode.suggest.data import labeled_examples
from qualcode.suggest.features import Featurizer
from qualcode.suggest.learned import LearnedModel
from qualcode.suggest.text import stem

CORPUS = Path(__file__).parent / "data" / "suggest"


def build_corpus(folder: Path) -> Project:
    """The invented interviews of tests/data/suggest, coded by ana (and partly ben) the way
    the coder app codes: codes applied, every participant turn marked reviewed."""
    project = init_project(folder, CORPUS / "codebook.yaml").project
    corpus = yaml.safe_load((CORPUS / "corpus.yaml").read_text(encoding="utf-8"))
    for tid, turns in corpus["transcripts"].items():
        segments = add_transcript(project, tid, [(turn[0], turn[1]) for turn in turns])
        for segment, turn in zip(segments, turns, strict=True):
            if len(turn) < 3:
                continue
            coders = {"ana": turn[2]}
            if tid in corpus["ben"]:
                coders["ben"] = turn[3] if len(turn) > 3 else turn[2]
            for coder, codes in coders.items():
                for code in codes:
                    apply_code(project, segment.id, code, coder)
                set_done(project, segment.id, coder)
    return project


def snapshot(project: Project) -> dict[str, list]:
    return {table: list(project.db.execute(f"SELECT * FROM {table} ORDER BY 1, 2"))
            for table in ("codings", "reviews", "events", "memos")}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Project:
    """Shared by the tests that only read."""
    project = build_corpus(tmp_path_factory.mktemp("corpus") / "study")
    yield project
    project.close()


@pytest.fixture
def fresh(tmp_path) -> Project:
    """A corpus project of one's own, for tests that write."""
    project = build_corpus(tmp_path / "study")
    yield project
    project.close()


@pytest.fixture(scope="module")
def evaluation(corpus):
    return evaluate(corpus, coder="ana", folds=4)


@pytest.fixture(scope="module")
def codebook():
    return load_codebook(CORPUS / "codebook.yaml")


# -- cold start ----------------------------------------------------------------------------

def test_stem_meets_inflections():
    assert stem("experiments") == stem("experimenting") == stem("experiment")
    assert stem("iterated") == stem("iterate") == stem("iterating")
    assert stem("studies") == stem("study")
    assert stem("running") == "run"


def test_cold_start_finds_keywords_and_near_misses(codebook):
    cold = ColdStart(codebook)
    hiring = [c.id for c in cold.codes].index("topic.hiring")
    plain = cold.score("Yes, sure.").probabilities
    exact = cold.score("We are hiring two researchers this year.")
    near = cold.score("Our recrutiment process changed completely.")
    assert plain.max() < 0.1
    assert exact.probabilities[hiring] > 0.25 > plain[hiring]
    assert '"hiring"' in exact.reason(hiring)
    assert near.probabilities[hiring] > 0.25
    assert "recrutiment" in near.reason(hiring)


def test_exclusion_text_lowers_a_score(codebook):
    text = "We take a long time selecting new staff, and every new person gets a mentor."
    without = dataclasses.replace(codebook, groups=[
        dataclasses.replace(g, codes=[dataclasses.replace(c, do_not_use_when="")
                                      for c in g.codes]) for g in codebook.groups])
    mentoring = [c.id for c in codebook.codes].index("topic.mentoring")
    assert ColdStart(codebook).score(text).probabilities[mentoring] < \
        ColdStart(without).score(text).probabilities[mentoring]


def test_cold_start_on_the_default_codebook():
    from qualcode.codebook import default_codebook_path

    cold = ColdStart(load_codebook(default_codebook_path()))
    result = cold.score("At the frontier labs the safety teams mostly hire strong ML engineers.")
    assert ((0 <= result.probabilities) & (result.probabilities <= 1)).all()
    top = [cold.codes[i].id for i in np.argsort(-result.probabilities)[:3]]
    assert "org_type.scaling_lab" in top


# -- features and the learned model ----------------------------------------------------------

def test_features_transform_like_fit_and_share_character_ngrams():
    texts = ["We run experiments every day.", "Experiments need a baseline.",
             "The grant pays two salaries.", "A grant from the foundation."]
    featurizer, matrix = Featurizer.fit(texts)
    assert abs(featurizer.transform(texts) - matrix).max() < 1e-6
    assert abs(featurizer.transform(texts[1:2]) - matrix[1]).max() < 1e-6  # one-text path
    unseen = featurizer.transform(["experimentation"])
    assert unseen.nnz > 0 and (unseen @ matrix[0].T).toarray()[0, 0] > 0
    assert np.allclose(np.linalg.norm(matrix.toarray(), axis=1), 1, atol=1e-5)


def test_learned_model_beats_cold_start_on_held_out_transcripts(evaluation):
    learned, cold = evaluation.learned, evaluation.cold_start
    assert evaluation.folds == 4 and evaluation.transcripts == 8
    assert learned.f1 > cold.f1 + 0.15
    assert learned.macro_f1 > cold.macro_f1
    assert learned.top1 >= cold.top1
    assert learned.uncoded_kept >= 0.8
    for method in (learned, cold):
        for value in (method.precision, method.recall, method.f1, method.top1, method.top3):
            assert 0 <= value <= 1


def test_large_projects_calibrate_on_one_held_out_fold(corpus, monkeypatch):
    monkeypatch.setattr(learned_module, "HOLDOUT_FROM", 10)
    calibrated_on = []
    real = learned_module.stack

    def spy(z, cold_logit, y, prior, strength):
        if strength == learned_module.CODE_STRENGTH:
            calibrated_on.append(len(z))
        return real(z, cold_logit, y, prior, strength)

    monkeypatch.setattr(learned_module, "stack", spy)
    examples = labeled_examples(corpus, "ana")
    model = learned_module.train(examples, project_codebook(corpus),
                                 np.full((len(examples), 6), 0.1))
    held_out = len(learned_module._folds(examples)[0][1])
    assert held_out < len(examples)
    assert calibrated_on == [held_out] * 6  # every code has a classifier, scored out of fold
    assert (model.stack[:, 0] > 0).all()


def test_scores_are_probabilities_ranked_best_first(corpus):
    trained = Suggester.for_project(corpus, "ana")
    assert trained.model is not None
    untrained = Suggester(project_codebook(corpus))
    exclusive = [c.id for c in project_codebook(corpus).group("stance").codes]
    for tid in corpus.transcript_ids():
        for segment in corpus.segments(tid):
            for suggester in (trained, untrained):
                found = suggester.suggest(segment, top=9, min_score=0)
                scores = [s.score for s in found]
                assert scores == sorted(scores, reverse=True)
                assert all(0 <= s <= 1 for s in scores)
                assert all(s.reason for s in found)
                probabilities = suggester.probabilities(segment.text)
                assert sum(probabilities[c] for c in exclusive) <= 1 + 1e-9
                assert len(suggester.predict(segment) & set(exclusive)) <= 1


def test_a_clear_segment_gets_its_code_with_a_reason(corpus):
    suggester = Suggester.for_project(corpus, "ana")
    best = suggester.suggest("Last month we brought on two people after a paid work trial "
                             "and an interview loop.", top=1)[0]
    assert best.code_id == "topic.hiring" and best.score > 0.5
    assert "coded examples" in best.reason


def test_model_round_trips_through_numpy_without_pickle(corpus, tmp_path):
    model = Suggester.for_project(corpus, "ana").model
    model.save(tmp_path / "model.npz")
    with np.load(tmp_path / "model.npz", allow_pickle=False) as arrays:
        assert "coef" in arrays
    loaded = LearnedModel.load(tmp_path / "model.npz")
    texts = [s.text for s in corpus.segments("alder")]
    cold = np.full((len(texts), len(model.code_ids)), 0.2)
    assert np.allclose(loaded.probabilities(loaded.featurizer.transform(texts), cold),
                       model.probabilities(model.featurizer.transform(texts), cold))


# -- what the model learns from ---------------------------------------------------------------

def test_examples_are_one_coders_or_everyones(corpus):
    ana = labeled_examples(corpus, "ana")
    ben = labeled_examples(corpus, "ben")
    everyone = labeled_examples(corpus)
    assert {e.transcript_id for e in ben} == {"alder", "birch", "cedar"}
    assert len(everyone) == len(ana) + len(ben)
    roles = dict(corpus.db.execute("SELECT id, role FROM segments"))
    assert {roles[e.segment_id] for e in everyone} == {"participant"}
    birch_4 = corpus.segment("birch", 4).id
    assert next(e for e in ben if e.segment_id == birch_4).codes == {
        "topic.hiring", "stance.plentiful"}


def test_codings_without_reviews_count_up_to_the_last_coded_segment(project):
    turns = [("Interviewer", "Question?")] + [("Participant", f"Answer number {i}.")
                                              for i in range(1, 7)]
    segments = add_transcript(project, "imported", turns)
    apply_code(project, segments[2].id, "funding", "cleo")
    apply_code(project, segments[4].id, "connector", "cleo")
    examples = labeled_examples(project, "cleo")
    assert [e.segment_id for e in examples] == [s.id for s in segments[1:5]]
    assert [bool(e.codes) for e in examples] == [False, True, False, True]


# -- never a coding without a keystroke -----------------------------------------------------

def test_accepted_suggestion_is_stored_as_a_suggestion(fresh):
    segment = fresh.segment("hazel", 3)
    best = Suggester.for_project(fresh, "ana").suggest(segment, top=1)[0]
    coding = apply_code(fresh, segment.id, best.code_id, "dana", provenance="suggestion",
                        confidence=best.score)
    row = fresh.db.execute("SELECT code_id, provenance, confidence FROM codings WHERE id = ?",
                           [coding.id]).fetchone()
    assert row == (best.code_id, "suggestion", best.score)


def test_suggesting_writes_no_coding(fresh):
    before = snapshot(fresh)
    suggester = Suggester.for_project(fresh)
    for segment in fresh.segments("alder"):
        suggester.suggest(segment)
        suggester.uncertainty(segment)
    uncertainty_order(fresh, "birch", "ana")
    predict_codes(fresh, [s.id for s in fresh.segments("cedar")])
    evaluate(fresh, folds=2)
    assert snapshot(fresh) == before


# -- caching and retraining -----------------------------------------------------------------

def test_models_are_cached_in_memory_and_on_disk(fresh, monkeypatch):
    first = Suggester.for_project(fresh, "ana")
    assert Suggester.for_project(fresh, "ana") is first
    cached = list((fresh.folder / cache_module.CACHE_FOLDER).glob("suggest-ana-*.npz"))
    assert len(cached) == 1
    suggester_module.forget_models()
    monkeypatch.setattr(suggester_module, "train_if_enough",
                        lambda *a: pytest.fail("retrained though nothing changed"))
    again = Suggester.for_project(fresh, "ana")
    text = fresh.segment("alder", 4).text
    assert again is not first
    assert again.probabilities(text) == pytest.approx(first.probabilities(text))


def test_features_and_cold_start_scores_are_kept_on_disk(fresh, monkeypatch):
    Suggester.for_project(fresh, "ana")
    suggester_module.forget_models()
    monkeypatch.setattr(Featurizer, "fit", classmethod(lambda *a: pytest.fail("refeaturized")))
    monkeypatch.setattr(ColdStart, "probabilities", lambda *a: pytest.fail("rescored"))
    apply_code(fresh, fresh.segment("alder", 2).id, "funding", "ana")
    assert Suggester.for_project(fresh, "ana").model.positives.sum() > 0


def test_a_change_invalidates_the_cached_model(fresh):
    first = Suggester.for_project(fresh, "ana")
    apply_code(fresh, fresh.segment("alder", 2).id, "funding", "ana")
    second = Suggester.for_project(fresh, "ana")
    funding = first.code_ids.index("topic.funding")
    assert second.model.positives[funding] == first.model.positives[funding] + 1


def test_a_live_suggester_retrains_after_a_few_codings(fresh, monkeypatch):
    monkeypatch.setattr(suggester_module, "CHECK_EVERY_S", 0.0)
    live = Suggester.for_project(fresh, "ana")
    funding = live.code_ids.index("topic.funding")
    before = live.model.positives[funding]
    apply_code(fresh, fresh.segment("alder", 2).id, "funding", "ana")
    live.suggest("Some text.")
    assert live.model.positives[funding] == before  # one change: not yet
    for ordinal in (10, 11):
        apply_code(fresh, fresh.segment("birch", ordinal).id, "funding", "ana")
    live.suggest("Some other text.")
    assert live.model.positives[funding] == before + 3


def test_a_project_without_codings_uses_the_codebook_alone(project):
    add_transcript(project, "t1", [("Participant", "Our funding comes from one grant.")])
    suggester = Suggester.for_project(project)
    assert suggester.model is None
    best = suggester.suggest(project.segment("t1", 1))[0]
    assert best.code_id == "need.funding" and '"funding"' in best.reason


# -- active learning and the model as a coder ---------------------------------------------

def test_uncertainty_order_walks_unsure_participant_turns_first(corpus):
    segments = corpus.segments("cedar")
    order = uncertainty_order(corpus, "cedar", "ana")
    assert sorted(order) == [s.ordinal for s in segments]
    suggester = Suggester.for_project(corpus, "ana")
    participant = [s for s in segments if s.role == "participant"]
    values = {s.ordinal: suggester.uncertainty(s) for s in participant}
    assert order[:len(participant)] == sorted(values, key=lambda o: (-values[o], o))
    assert all(0 <= v <= 1 for v in values.values())
    interviewer = [s for s in segments if s.role == "interviewer"]
    assert order[len(participant):] == [s.ordinal for s in interviewer]
    assert suggester.uncertainty(interviewer[0]) == 0.0


def test_predict_codes_trains_without_the_held_out_segments(corpus, monkeypatch):
    held_out = [s.id for s in corpus.segments("hazel")]
    seen = []
    real = suggester_module.train_if_enough

    def spy(examples, *rest):
        seen.extend(e.segment_id for e in examples)
        return real(examples, *rest)

    monkeypatch.setattr(suggester_module, "train_if_enough", spy)
    predicted = predict_codes(corpus, held_out, coder="ana")
    assert seen and not set(seen) & set(held_out)
    assert set(predicted) == set(held_out)
    assert predicted[corpus.segment("hazel", 6).id] >= {"topic.mentoring"}
    assert all(len(codes & {"stance.scarce", "stance.plentiful"}) <= 1
               for codes in predicted.values())
