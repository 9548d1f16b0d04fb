"""Diversity metrics: distinct-n by hand, embedding spread with fake and real embedders."""

from __future__ import annotations

import json

import numpy as np
import pytest

from syndgen.diversity import distinct_n, diversity, mean_cosine_distance, sample_indices


@pytest.fixture(scope="session")
def embed():
    from syndgen.embed import get_embedder

    return get_embedder().encode


def test_distinct_n_by_hand():
    # "a b a b": unigrams a,b,a,b -> 2 unique of 4; bigrams ab,ba,ab -> 2 unique of 3.
    assert distinct_n(["a b a b"], 1) == 0.5
    assert distinct_n(["a b a b"], 2) == pytest.approx(2 / 3)


def test_distinct_n_counts_within_texts_and_lowercases():
    # Bigrams never cross text boundaries: "x y" and "Y, X!" give (x,y) and (y,x): 2 of 2.
    assert distinct_n(["x y", "Y, X!"], 2) == 1.0
    # Same bigram in two texts: 1 unique of 2.
    assert distinct_n(["Hello world", "hello WORLD"], 2) == 0.5
    assert distinct_n(["one", ""], 2) == 0.0  # no bigrams at all
    with pytest.raises(ValueError):
        distinct_n(["a"], 0)


def test_sample_is_everything_when_small_and_deterministic_when_large():
    assert sample_indices(5, 10) == [0, 1, 2, 3, 4]
    picked = sample_indices(1000, 50, seed=3)
    assert len(picked) == len(set(picked)) == 50 and picked == sorted(picked)
    assert picked == sample_indices(1000, 50, seed=3)
    assert picked != sample_indices(1000, 50, seed=4)


def one_hot(texts):
    """Every distinct text gets its own axis: different texts are orthogonal."""
    vocabulary = sorted(set(texts))
    return np.eye(len(vocabulary), dtype=np.float32)[[vocabulary.index(t) for t in texts]]


def test_mean_cosine_distance_extremes():
    assert mean_cosine_distance(["a", "b", "c"], one_hot) == pytest.approx(1.0)  # orthogonal
    assert mean_cosine_distance(["a", "a", "a"], one_hot) == pytest.approx(0.0)  # identical
    # Two identical, one different: pairs (a,a)=0, (a,b)=1, (a,b)=1 -> mean 2/3.
    assert mean_cosine_distance(["a", "a", "b"], one_hot) == pytest.approx(2 / 3)
    assert mean_cosine_distance(["only one"], one_hot) is None


def test_unnormalised_rows_are_normalised():
    def scaled(texts):
        return np.array([[3.0, 0.0] if t == "x" else [0.0, 0.5] for t in texts])

    assert mean_cosine_distance(["x", "x", "y"], scaled) == pytest.approx(2 / 3)


def test_diversity_samples_before_embedding():
    seen = []

    def recording(texts):
        seen.append(list(texts))
        return one_hot(texts)

    texts = [f"text number {i}" for i in range(40)]
    report = diversity(texts, embed=recording, sample=10, seed=1)
    assert len(seen) == 1 and len(seen[0]) == 10
    assert report["n"] == 40
    assert report["mean_cosine_distance"] == pytest.approx(1.0)
    # distinct-n uses every text, not the sample: unigrams "text", "number" repeat 40 times.
    assert report["distinct_1"] == pytest.approx(42 / 120)
    assert diversity(texts, embed=recording, sample=10, seed=1) == report  # deterministic


def test_diversity_without_embedder_is_json_safe():
    report = diversity(["a b", "a c"])
    assert report == {"mean_cosine_distance": None, "distinct_1": 0.75, "distinct_2": 1.0, "n": 2}
    json.dumps(report, allow_nan=False)
    assert diversity([])["n"] == 0


def test_real_embedder_ranks_varied_texts_above_paraphrases(embed):
    paraphrases = [
        "How do I reset my password?",
        "How can I reset my password?",
        "What is the way to reset my password?",
        "How should I go about resetting my password?",
    ]
    varied = [
        "How do I reset my password?",
        "Explain how vaccines train the immune system.",
        "What is the boiling point of water at sea level?",
        "Describe the causes of the French Revolution.",
    ]
    low = diversity(paraphrases, embed=embed)["mean_cosine_distance"]
    high = diversity(varied, embed=embed)["mean_cosine_distance"]
    assert low is not None and high is not None
    assert 0.0 <= low < 0.3 < 0.6 < high <= 1.2
