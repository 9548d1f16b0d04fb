"""Duplicate detection: exact, near (character 5-gram Jaccard), semantic; the exhaustive checker."""

from __future__ import annotations

import itertools
import random
import re
import time

import numpy as np
import pytest

from syndgen.errors import ConfigError, InputError
from syndgen.text.similarity import Deduplicator, DedupResult, lsh_bands, pairs_above, shingles


def reference_grams(text: str, n: int = 5) -> set[str]:
    """The documented measure written out independently: casefold, punctuation to spaces,
    single spaces, then every n-character window (a shorter text is one gram)."""
    norm = " ".join(re.sub(r"[\W_]+", " ", text.casefold()).split())
    if not norm:
        return set()
    return {norm} if len(norm) <= n else {norm[i : i + n] for i in range(len(norm) - n + 1)}


def reference_jaccard(a: str, b: str) -> float:
    x, y = reference_grams(a), reference_grams(b)
    return len(x & y) / len(x | y)


BASE = "The mitochondria is the powerhouse of the cell and produces most of its chemical energy."
WORDS = [
    "apple",
    "river",
    "stone",
    "cloud",
    "engine",
    "garden",
    "silver",
    "planet",
    "yellow",
    "window",
    "market",
    "bridge",
    "candle",
    "forest",
    "ladder",
    "mirror",
    "pocket",
    "rocket",
    "saddle",
    "temple",
    "violin",
    "wagon",
    "zipper",
    "anchor",
    "butter",
    "castle",
    "dragon",
    "feather",
    "guitar",
    "harbor",
    "island",
    "jacket",
    "kettle",
    "lemon",
    "magnet",
    "needle",
    "orange",
    "pepper",
    "quartz",
]


def random_text(rng: random.Random, words: int) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(words))


def mutate(rng: random.Random, text: str, edits: int) -> str:
    tokens = text.split()
    for _ in range(edits):
        tokens[rng.randrange(len(tokens))] = rng.choice(WORDS)
    return " ".join(tokens)


@pytest.fixture(scope="session")
def embed():
    from syndgen.embed import get_embedder

    return get_embedder().encode


def test_shingles_match_the_documented_measure():
    for text in [BASE, "Hi!", "", "  A-B  c ", "Ünïcode ßtraße"]:
        assert shingles(text) == reference_grams(text)


def test_exact_duplicates_ignore_case_punctuation_and_spacing():
    dedup = Deduplicator()
    dedup.add("a", BASE)
    result = dedup.check(
        "b", "the MITOCHONDRIA is the powerhouse of the cell,   and produces most of its chemical energy"
    )
    assert result == DedupResult(True, "exact", "a", 1.0)


def test_near_duplicate_reports_the_exact_jaccard():
    variant = BASE.replace("most", "much")
    similarity = reference_jaccard(BASE, variant)
    assert 0.8 <= similarity < 1.0  # a one-word change in a long sentence
    dedup = Deduplicator()
    dedup.add("a", BASE)
    result = dedup.check("b", variant)
    assert (result.duplicate, result.kind, result.of) == (True, "near", "a")
    assert result.similarity == pytest.approx(similarity)


def test_below_threshold_is_not_a_duplicate_but_similarity_is_reported():
    other = "The mitochondria is the powerhouse of the cell; the nucleus stores the genetic code."
    similarity = reference_jaccard(BASE, other)
    assert 0.3 < similarity < 0.8
    dedup = Deduplicator(near_threshold=0.8)
    dedup.add("a", BASE)
    result = dedup.check("b", other)
    assert not result.duplicate and result.kind is None and result.of is None
    # The best exact Jaccard among the candidates the LSH index proposed: this pair or none.
    assert result.similarity in (0.0, pytest.approx(similarity))
    assert Deduplicator(near_threshold=similarity - 0.01).check_and_add("x", BASE).duplicate is False


def test_check_does_not_add_and_add_does():
    dedup = Deduplicator()
    assert not dedup.check("a", BASE).duplicate
    assert not dedup.check("b", BASE).duplicate  # "a" was only checked
    assert len(dedup) == 0
    dedup.add("a", BASE)
    assert "a" in dedup and len(dedup) == 1
    assert dedup.check("b", BASE).duplicate
    assert not dedup.check("a", BASE).duplicate  # a text never duplicates itself
    with pytest.raises(InputError, match="already added"):
        dedup.add("a", "something else")


def test_check_and_add_keeps_only_first_of_each_duplicate():
    dedup = Deduplicator()
    results = [
        dedup.check_and_add(str(i), t) for i, t in enumerate([BASE, BASE.upper(), "Other text entirely."])
    ]
    assert [r.duplicate for r in results] == [False, True, False]
    assert len(dedup) == 2


def test_kinds_can_be_switched_off():
    dedup = Deduplicator(exact=False, near_threshold=None)
    dedup.add("a", BASE)
    assert not dedup.check("b", BASE).duplicate
    near_only = Deduplicator(exact=False)
    near_only.add("a", BASE)
    assert near_only.check("b", BASE) == DedupResult(True, "near", "a", 1.0)


@pytest.mark.parametrize(
    "kwargs", [{"near_threshold": 0.0}, {"near_threshold": 1.2}, {"semantic_threshold": -1}]
)
def test_thresholds_are_checked(kwargs):
    with pytest.raises(ConfigError):
        Deduplicator(**kwargs)


def test_lsh_bands_give_the_promised_recall():
    for threshold in (0.5, 0.7, 0.8, 0.9, 0.95):
        bands, rows = lsh_bands(threshold, 128)
        assert bands * rows <= 128
        assert 1 - (1 - threshold**rows) ** bands >= 0.995
        # One more row per band would fall below the recall target (so the choice is the tightest).
        more = rows + 1
        assert 1 - (1 - threshold**more) ** (128 // more) < 0.995


def test_same_inputs_same_decisions():
    rng = random.Random(5)
    texts = [random_text(rng, 30) for _ in range(40)]
    texts += [mutate(rng, t, 1) for t in texts[:20]]
    rng.shuffle(texts)
    runs = []
    for _ in range(2):
        dedup = Deduplicator()
        runs.append([dedup.check_and_add(str(i), t) for i, t in enumerate(texts)])
    assert runs[0] == runs[1]
    assert any(r.duplicate for r in runs[0])


def brute_force_pairs(texts, threshold):
    out = []
    for i, j in itertools.combinations(range(len(texts)), 2):
        if reference_grams(texts[i]) and reference_grams(texts[j]):
            sim = reference_jaccard(texts[i], texts[j])
            if sim >= threshold:
                out.append((i, j, sim))
    return out


@pytest.mark.parametrize("threshold", [0.5, 0.8, 0.95, 1.0])
def test_pairs_above_equals_brute_force(threshold):
    rng = random.Random(int(threshold * 100))
    texts = [random_text(rng, rng.randint(3, 25)) for _ in range(60)]
    texts += [mutate(rng, t, rng.randint(0, 2)) for t in texts[:30]]
    texts += ["", "Hi", "hi!", BASE, BASE.replace("most", "much")]
    found = pairs_above(texts, threshold)
    expected = brute_force_pairs(texts, threshold)
    assert [(i, j) for i, j, _ in found] == [(i, j) for i, j, _ in expected]
    assert [s for *_, s in found] == pytest.approx([s for *_, s in expected])
    assert len(expected) > 0


def test_dedup_output_has_no_near_duplicate_pairs():
    rng = random.Random(11)
    texts = [random_text(rng, rng.randint(20, 40)) for _ in range(300)]
    texts += [mutate(rng, t, 1) for t in texts[:150]]
    rng.shuffle(texts)
    assert pairs_above(texts, 0.8)  # the input has near-duplicates
    dedup = Deduplicator(near_threshold=0.8)
    kept = [t for i, t in enumerate(texts) if not dedup.check_and_add(str(i), t).duplicate]
    assert len(kept) < len(texts)
    assert pairs_above(kept, 0.8) == []


def test_ten_thousand_records_stay_fast():
    rng = random.Random(2)
    vocabulary = [
        "".join(rng.choice("abcdefghijklmnopqrstuvwxyz") for _ in range(rng.randint(2, 9)))
        for _ in range(3000)
    ]
    texts = [" ".join(rng.choice(vocabulary) for _ in range(rng.randint(10, 40))) for _ in range(10_000)]
    dedup = Deduplicator()
    start = time.perf_counter()
    for i, text in enumerate(texts):
        dedup.check_and_add(str(i), text)
    per_record = (time.perf_counter() - start) / len(texts)
    assert per_record < 0.005, f"{per_record * 1000:.2f} ms per record"
    start = time.perf_counter()
    pairs_above(texts, 0.8)
    assert time.perf_counter() - start < 30


def test_semantic_duplicates_with_a_fake_embedding():
    vectors = {"cat on mat": [1.0, 0.0], "feline on rug": [0.96, 0.28], "stock prices": [0.0, 1.0]}

    def fake(texts):
        return np.array([vectors[t] for t in texts], dtype=np.float32)

    dedup = Deduplicator(embed=fake, semantic_threshold=0.95)
    dedup.add("a", "cat on mat")
    result = dedup.check("b", "feline on rug")
    assert (result.duplicate, result.kind, result.of) == (True, "semantic", "a")
    assert result.similarity == pytest.approx(0.96, abs=1e-6)
    assert not dedup.check("c", "stock prices").duplicate
    assert not Deduplicator(embed=fake, semantic_threshold=0.97).check_and_add("a", "cat on mat").duplicate


def test_semantic_index_grows_past_its_first_allocation():
    def fake(texts):
        return np.array([[np.cos(int(t)), np.sin(int(t))] for t in texts], dtype=np.float32)

    dedup = Deduplicator(embed=fake, semantic_threshold=0.9999, near_threshold=None, exact=False)
    for i in range(0, 200, 5):  # angles 5 radians apart in turn: none within the threshold of another
        assert not dedup.check_and_add(str(i), str(i)).duplicate or i > 0
    assert dedup.check("x", "0").of == "0"


def test_semantic_with_the_real_embedder(embed):
    dedup = Deduplicator(embed=embed)  # default semantic threshold 0.92
    dedup.add("q1", "How do I reset my password?")
    dedup.add("q2", "Explain how vaccines train the immune system.")
    paraphrase = dedup.check("q3", "How can I reset my password?")
    assert (paraphrase.duplicate, paraphrase.of) == (True, "q1")
    assert paraphrase.kind in ("near", "semantic")
    assert not dedup.check("q4", "What is the boiling point of water at sea level?").duplicate


def test_check_can_be_limited_to_the_first_texts_added():
    dedup = Deduplicator()
    dedup.add("first", "An unrelated opening text about sailing boats and harbours.")
    dedup.add("second", BASE)
    assert not dedup.check("new", BASE, before=1).duplicate  # BASE was the second text added
    assert dedup.check("new", BASE, before=2).of == "second"
    near = BASE.replace("most", "much")
    assert not dedup.check("new", near, before=1).duplicate
    assert dedup.check("new", near, before=2).kind == "near"
