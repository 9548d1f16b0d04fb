import numpy as np
import pytest

from syndgen.errors import ConfigError
from syndgen.verify.voting import cluster, vote


def test_no_answers_no_winner():
    result = vote([], "exact")
    assert (result.winner_index, result.winner, result.agreement, result.clusters) == (None, None, 0.0, [])


def test_exact_majority_with_normalisation():
    result = vote(["Paris", "London", "paris.", "  PARIS ", "London"], "exact")
    assert result.winner_index == 0
    assert result.winner == "Paris"
    assert result.clusters == [[0, 2, 3], [1, 4]]
    assert result.agreement == pytest.approx(3 / 5)


def test_ties_go_to_the_earliest_index():
    result = vote(["b", "a", "a", "b"], "exact")
    assert result.winner_index == 0
    assert result.agreement == 0.5


def test_all_different_picks_the_first():
    result = vote(["x", "y", "z"], "exact")
    assert (result.winner_index, result.agreement) == (0, pytest.approx(1 / 3))


def test_numeric_groups_by_value():
    answers = ["The answer is 12.", "So \\boxed{12.0}", "#### 13", "I get 24/2", "no idea"]
    result = vote(answers, "numeric")
    assert result.winner_index == 0
    assert result.clusters[0] == [0, 1, 3]
    assert result.agreement == pytest.approx(3 / 5)


def test_numeric_answers_without_a_number_never_win():
    result = vote(["no idea", "no idea", "maybe 5"], "numeric")
    assert result.winner_index == 2
    assert result.agreement == pytest.approx(1 / 3)
    assert vote(["none", "nothing"], "numeric").winner_index is None


def _fake_embed(texts):
    """Two topics: texts about cats point one way, everything else the other."""
    rows = [[1.0, 0.1] if "cat" in t else [0.1, 1.0] for t in texts]
    rows = np.asarray(rows, dtype=np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_semantic_clusters_by_cosine_similarity():
    answers = ["a dog barks", "cats purr", "the cat sleeps", "my cat", "dogs run"]
    result = vote(answers, "semantic", embed=_fake_embed, threshold=0.9)
    assert result.clusters == [[0, 4], [1, 2, 3]]
    assert result.winner_index == 1
    assert result.agreement == pytest.approx(3 / 5)


def test_semantic_threshold_matters():
    answers = ["a dog barks", "cats purr"]
    # cos between the two directions is about 0.2
    assert vote(answers, "semantic", embed=_fake_embed, threshold=0.9).clusters == [[0], [1]]
    assert vote(answers, "semantic", embed=_fake_embed, threshold=0.1).clusters == [[0, 1]]


def test_semantic_normalises_unnormalised_vectors():
    def embed(texts):
        return np.asarray([[10.0, 0.0], [0.5, 0.0], [0.0, 3.0]])

    assert vote(["a", "b", "c"], "semantic", embed=embed).clusters == [[0, 1], [2]]


def test_semantic_embedder_with_wrong_row_count_is_an_error():
    with pytest.raises(ConfigError, match="returned 1 vectors for 2 answers"):
        vote(["a", "b"], "semantic", embed=lambda texts: np.ones((1, 2)))


def test_judge_decides_equivalence():
    calls = []

    def judge(a, b):
        calls.append((a, b))
        return a[0] == b[0]

    result = vote(["apple", "banana", "avocado", "blueberry", "apricot"], "judge", judge=judge)
    assert result.clusters == [[0, 2, 4], [1, 3]]
    assert result.winner == "apple"
    assert ("apple", "banana") in calls


def test_judge_method_needs_a_judge():
    with pytest.raises(ConfigError, match="needs a judge"):
        vote(["a"], "judge")


def test_unknown_method():
    with pytest.raises(ConfigError, match="unknown voting method 'mode'"):
        vote(["a"], "mode")  # type: ignore[arg-type]


def test_deterministic():
    answers = ["4", "four", "4.0", "5", "4"]
    first = vote(answers, "numeric")
    assert all(vote(answers, "numeric") == first for _ in range(3))


def test_cluster_compares_with_the_first_member_only():
    # 1~2 and 2~3 but not 1~3: greedy clustering against the first member keeps 3 apart
    same = {(1, 2), (2, 3)}
    assert cluster([1, 2, 3], lambda a, b: (a, b) in same or (b, a) in same) == [[1, 2], [3]]
