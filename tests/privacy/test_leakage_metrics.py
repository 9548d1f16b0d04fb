"""The leakage measures on known texts: spans, n-gram overlap, MinHash Jaccard, embedding distance."""

import numpy as np
import pytest
from pydantic import ValidationError

from syndgen.config_privacy import LeakageConfig, PrivacyConfig
from syndgen.privacy.leakage import LeakageChecker, analyse, baseline
from syndgen.privacy.leakage_metrics import TokenIndex, distribution, tokens
from syndgen.privacy.leakage_sources import Source

WORDS = [f"w{i}" for i in range(200)]
SOURCE = " ".join(WORDS)
OTHER = " ".join(f"x{i}" for i in range(100))


def test_tokens_ignore_case_and_punctuation():
    assert tokens("The Patient, aged 54!") == ["the", "patient", "aged", "54"]


def test_longest_span_is_exact_and_located():
    index = TokenIndex([OTHER, SOURCE])
    record = ["a", "b", *WORDS[30:90], "c", *WORDS[100:110]]
    span = index.longest_span(record)
    assert (span.source, span.record_start, span.source_start, span.length) == (1, 2, 30, 60)


def test_a_span_below_eight_tokens_is_not_found():
    index = TokenIndex([SOURCE])
    assert index.longest_span(["q", *WORDS[5:12], "q"]) is None
    assert index.longest_span(["q", *WORDS[5:13], "q"]).length == 8


def test_repeated_anchors_extend_to_the_longest_copy():
    repeated = " ".join(["alpha beta gamma delta epsilon zeta eta theta"] * 3 + ["iota"])
    index = TokenIndex([repeated])
    span = index.longest_span(tokens(repeated))
    assert span.length == len(tokens(repeated))


def test_ngram_overlap_counts_the_shared_share_of_one_source():
    index = TokenIndex([OTHER, SOURCE], n=13)
    record = [*WORDS[0:26], *(f"new{i}" for i in range(26))]  # 52 tokens, 40 distinct 13-grams
    overlap = index.overlap(record)
    assert overlap.source == 1
    assert overlap.shared == 14 and overlap.total == 40
    assert overlap.share == pytest.approx(14 / 40)
    assert index.overlap([f"n{i}" for i in range(30)]) is None


def checker(**kw):
    config = LeakageConfig(enabled=True, **kw)
    sources = [
        Source("examples", "ex.jsonl row 1", SOURCE),
        Source("reference", "ref.txt paragraph 1", OTHER),
    ]
    return LeakageChecker(sources, [], config)


def test_a_verbatim_copy_leaks_by_span_and_names_source_and_span():
    text = "Here is my answer. " + " ".join(WORDS[40:120]) + " That is all."
    measures = checker().measure(text)
    assert measures.span_tokens == 80
    first = measures.findings[0]
    assert (first.reason, first.measure, first.source, first.origin) == (
        "leak",
        "span_tokens",
        "ex.jsonl row 1",
        "examples",
    )
    assert first.span == (4, 40, 80)
    assert "ex.jsonl row 1" in first.detail() and "source tokens 40-120" in first.detail()
    assert "w41" not in first.detail()  # the copied text itself is never repeated


def test_an_original_text_does_not_leak():
    measures = checker().measure(
        "An original sentence about thermostats that copies nothing at all from anyone."
    )
    assert measures.findings == ()
    assert measures.span_tokens == 0 and measures.ngram_overlap == 0.0


def test_each_threshold_decides_and_null_turns_a_measure_off():
    text = " ".join(WORDS[0:30])  # a 30-token copy: span 30, overlap 1.0
    assert [f.measure for f in checker(span_tokens=31, minhash_jaccard=None).measure(text).findings] == [
        "ngram_overlap"
    ]
    assert (
        checker(span_tokens=None, ngram_overlap=None, minhash_jaccard=None, embedding_distance=0.1)
        .measure(text)
        .findings
        == ()
    )  # no embedder given: the distance is not measured
    assert checker(span_tokens=30, ngram_overlap=None, minhash_jaccard=None).measure(text).reason == "leak"


def test_minhash_finds_a_near_duplicate_with_changed_words():
    near = SOURCE.replace("w17 ", "w17x ").replace("w90 ", "w90y ")
    found = checker(span_tokens=None, ngram_overlap=None).measure(near)
    assert [f.measure for f in found.findings] == ["minhash_jaccard"]
    assert found.minhash_jaccard > 0.9


def test_contamination_counts_shared_ngrams_with_an_eval_item():
    evals = [
        Source(
            "eval",
            "bench.jsonl row 7",
            "what is the boiling point of water at sea level in degrees celsius exactly",
        )
    ]
    config = LeakageConfig(enabled=False, contamination_ngrams=2)
    gate = LeakageChecker([Source("examples", "e", SOURCE)], evals, config, leak_checks=False)
    hit = gate.measure("Q: What is the boiling point of water at sea level in degrees Celsius exactly? 100")
    assert hit.reason == "contaminated" and hit.findings[0].source == "bench.jsonl row 7"
    assert hit.eval_ngrams == 2
    assert gate.measure(" ".join(WORDS[0:80])).findings == ()  # leak checks are off: sources ignored
    one = gate.measure(
        "is the boiling point of water at sea level in degrees celsius exactly"
    )  # 1 shared 13-gram
    assert one.findings == () and one.eval_ngrams == 1


def fake_embed(texts):
    """Source ``topic{i} ...`` -> e_i + 0.5 e_(i+1) (neighbours at cosine distance 0.6); else e_7."""
    rows = []
    for text in texts:
        vec = np.zeros(8, dtype=np.float32)
        if text.startswith("topic"):
            i = int(text.split()[0].removeprefix("topic"))
            vec[i], vec[i + 1] = 1.0, 0.5
        else:
            vec[7] = 1.0
        rows.append(vec / np.linalg.norm(vec))
    return np.asarray(rows)


def test_embedding_distance_and_the_held_out_baseline():
    sources = [Source("examples", f"row {i}", f"topic{i} alpha{i} beta{i} gamma{i}") for i in range(6)]
    config = LeakageConfig(
        enabled=True, span_tokens=None, ngram_overlap=None, minhash_jaccard=None, embedding_distance=0.05
    )
    check = LeakageChecker(sources, [], config, embed=fake_embed)
    same = check.measure(sources[2].text)
    assert same.embedding_distance == pytest.approx(0.0, abs=1e-6)
    assert same.findings[0].measure == "embedding_distance"
    base = baseline(check)
    assert base["n"] == 6 and base["p50"] == pytest.approx(0.6)
    report = analyse([("a", sources[2].text), ("b", "zzz yyy xxx www")], check)
    assert report["leaks"] == 1 and report["copies"][0]["record"] == "a"
    assert report["embedding_distance"]["n"] == 2
    assert report["closer_than_baseline_p5"] == 0.5


def test_distribution_summary():
    assert distribution([]) == {"n": 0, "min": None, "p5": None, "p50": None, "p95": None, "max": None}
    d = distribution([0, 1, 2, 3, 4])
    assert (d["n"], d["min"], d["p50"], d["max"]) == (5, 0, 2, 4)


@pytest.mark.parametrize(
    "bad",
    [
        {"span_tokens": 4},
        {"ngram_overlap": 1.5},
        {"minhash_jaccard": 0},
        {"embedding_distance": -0.1},
        {"ngram": 2},
    ],
)
def test_thresholds_out_of_range_are_refused(bad):
    with pytest.raises(ValidationError):
        LeakageConfig(**bad)


def test_enabled_with_every_measure_off_is_refused():
    with pytest.raises(ValidationError, match="every measure is null"):
        LeakageConfig(enabled=True, span_tokens=None, ngram_overlap=None, minhash_jaccard=None)


def test_default_privacy_section_checks_nothing():
    assert not PrivacyConfig().checks_leakage
    assert PrivacyConfig(decontaminate=["eval.jsonl"]).checks_leakage


def test_the_gate_withholds_a_copied_question_that_got_no_answer():
    from syndgen.privacy.leakage_gate import LeakageGate
    from syndgen.records import Question, Rejection, Seed, SeedOutcome

    events = []
    gate = LeakageGate(checker(), "reject", on_event=lambda kind, payload: events.append((kind, payload)))
    outcome = SeedOutcome(
        seed=Seed(index=3, topic="t"),
        question=Question(text=" ".join(WORDS[10:70]) + "?", model="m"),
        rejections=(Rejection(seed_index=3, stage="question", reason="not_a_question"),),
    )
    guarded = gate.guard(outcome)
    assert guarded.question.text == "" and guarded.rejections == outcome.rejections
    ((kind, payload),) = events
    assert kind == "leakage" and payload["action"] == "withheld" and payload["attempt_no"] is None
    assert payload["source"] == "ex.jsonl row 1" and payload["span"] == [0, 10, 60]
    untouched = outcome.model_copy(update={"question": Question(text="An original question?", model="m")})
    assert gate.guard(untouched) == untouched
