"""Every validation metric on data whose answer is known: identical, disjoint and duplicated sets."""

import numpy as np
import pytest

from syndgen.validation import bias, embedding, privacy, score, textstats, utility


def _unit(rows):
    rows = np.asarray(rows, dtype=np.float32)
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _blob(centre: int, n: int, seed: int, dim: int = 16, spread: float = 0.1):
    """n rows around the basis direction ``centre`` (unit rows)."""
    rng = np.random.default_rng(seed)
    base = np.zeros(dim)
    base[centre] = 1.0
    return _unit(base + spread * rng.normal(size=(n, dim)))


@pytest.fixture(scope="module")
def real():
    return np.concatenate([_blob(c, 20, seed=c) for c in range(4)])


@pytest.fixture(scope="module")
def far():
    """Rows around directions the reference never visits."""
    return np.concatenate([_blob(c, 20, seed=10 + c) for c in range(8, 12)])


def test_identical_sets_score_as_the_same_distribution(real):
    assert embedding.mauve_score(real, real) > 0.99
    assert embedding.frechet_distance(real, real) < 1e-4
    found = embedding.manifold_metrics(real, real)
    assert found["precision"] == found["recall"] == found["coverage"] == 1.0


def test_disjoint_sets_score_as_different(real, far):
    assert embedding.mauve_score(real, far) < 0.1
    assert embedding.frechet_distance(real, far) > 1.0
    found = embedding.manifold_metrics(real, far)
    assert found["precision"] == found["recall"] == found["coverage"] == 0.0


def test_a_second_sample_of_the_same_distribution_is_close(real):
    other = np.concatenate([_blob(c, 20, seed=100 + c) for c in range(4)])
    near, off = embedding.frechet_distance(real, other), embedding.frechet_distance(real, real[::-1] + 0.5)
    assert near < off
    assert embedding.manifold_metrics(real, other)["precision"] > 0.7


def test_cluster_coverage_finds_the_clusters_a_set_misses(real):
    texts = [f"text {i}" for i in range(len(real))]
    full = embedding.cluster_coverage(real, real, texts, clusters=4)
    assert full["share"] == 1.0 and full["missed"] == []
    half = embedding.cluster_coverage(real, real[:40], texts, clusters=4)  # only blobs 0 and 1
    assert half["share"] == 0.5 and len(half["missed"]) == 2
    missed = [row for row in half["per_cluster"] if not row["reached"]]
    assert all(row["synthetic"] == 0 or row["reference"] == 20 for row in missed)
    assert all(int(t.split()[1]) >= 40 for row in missed for t in row["examples"])


def test_cluster_coverage_of_a_disjoint_set_is_zero(real, far):
    found = embedding.cluster_coverage(real, far, [str(i) for i in range(len(real))], clusters=4)
    assert found["share"] == 0.0 and found["reached"] == 0


def test_numeric_distances_are_zero_for_the_same_sample_and_maximal_for_disjoint():
    same = textstats.numeric_distances([1, 2, 3, 4], [1, 2, 3, 4])
    assert same["total_variation"] == same["ks"] == same["wasserstein"] == 0.0
    apart = textstats.numeric_distances([1, 2, 3], [101, 102, 103])
    assert apart["total_variation"] == 1.0 and apart["ks"] == 1.0
    assert apart["wasserstein"] == pytest.approx(100.0)


def test_share_distances_count_missing_and_unseen_values():
    found = textstats.share_distances(["a", "a", "b", "b"], ["a", "a", "a", "c"])
    assert found["total_variation"] == pytest.approx(0.5 * (0.25 + 0.5 + 0.25))
    assert found["missing"] == ["b"] and found["unseen"] == ["c"]
    assert textstats.share_distances(["x", "y"], ["y", "x"])["total_variation"] == 0.0


VARIED = [
    "the river bends past the old mill",
    "copper wires carry the signal north",
    "a violet lantern glows over the meadow",
    "engines hum beneath the quartz ledger",
    "falcons circle the canyon at dawn",
    "bamboo sways near the cobalt harbor",
]


def test_a_duplicated_set_has_high_near_duplicate_rate_and_low_distinct_n():
    duplicated = [VARIED[0]] * 5 + [VARIED[0] + "!"]
    dup, varied = (
        textstats.diversity_figures(duplicated, _unit(np.ones((6, 4)))),
        textstats.diversity_figures(VARIED, _unit(np.eye(6))),
    )
    assert dup["near_duplicate_rate"] == 1.0 and varied["near_duplicate_rate"] == 0.0
    assert dup["distinct_2"] < 0.3 < varied["distinct_2"] == 1.0
    assert dup["self_similarity"] == pytest.approx(1.0) and varied["self_similarity"] == pytest.approx(0.0)


def test_copies_of_the_reference_are_found_exactly_and_nearly():
    synth = [VARIED[0].upper(), VARIED[1] + " today", "something else entirely, unrelated"]
    found = privacy.copies(VARIED, synth)
    assert found["exact_copies"] == pytest.approx(1 / 3)
    assert found["near_copies"] == pytest.approx(2 / 3)
    assert privacy.copies(VARIED, ["nothing like it at all"])["near_copies"] == 0.0


def test_dcr_of_copies_is_zero_and_of_fresh_real_rows_near_the_baseline(real):
    copied = privacy.dcr(real, real)
    assert copied["dcr_median"] == pytest.approx(0.0, abs=1e-6) and copied["dcr_ratio"] == pytest.approx(0.0)
    fresh = np.concatenate([_blob(c, 20, seed=200 + c) for c in range(4)])
    found = privacy.dcr(real, fresh)
    assert 0.5 < found["dcr_ratio"] < 2.0 and found["close_share"] < 0.3


def _labelled(seed: int, shuffle: bool = False):
    x = np.concatenate([_blob(c, 25, seed=seed + c, spread=0.2) for c in range(3)])
    y = [str(c) for c in range(3) for _ in range(25)]
    if shuffle:
        y = list(np.random.default_rng(seed).permutation(y))
    return x, y


def test_tstr_matches_trtr_for_real_like_data_and_drops_for_shuffled_labels():
    real_x, real_y = _labelled(0)
    same = utility.tstr(real_x, real_y, *_labelled(50))
    assert same["ratio"] > 0.9 and same["passes_bar"]
    shuffled = utility.tstr(real_x, real_y, *_labelled(50, shuffle=True))
    assert shuffled["ratio"] < 0.7 and not shuffled["passes_bar"]
    assert shuffled["degradation"] == pytest.approx(1 - shuffled["ratio"])


def test_tstr_refuses_an_unlabelled_reference():
    from syndgen.errors import InputError

    with pytest.raises(InputError, match="at least 4 rows and 2 labels"):
        utility.tstr(np.zeros((3, 2)), ["a", "a", "a"], np.zeros((3, 2)), ["a", "b", "a"])


def test_bias_flags_a_set_that_amplifies_one_gender():
    real = ["he fixed the car", "she fixed the car"] * 15
    skewed = ["he fixed the car"] * 28 + ["she fixed the car"] * 2
    same = bias.bias_report(real, real)
    assert same["flagged"] == [] and same["score"] == 1.0
    found = bias.bias_report(real, skewed)
    gender = found["axes"]["gender"]
    assert gender["amplified"] and "gender" in found["flagged"]
    assert gender["representation"]["synthetic"]["male"] == pytest.approx(28 / 30)
    assert found["score"] == pytest.approx(1 - gender["total_variation"]) and found["score"] < 0.7


def test_bias_flags_labels_that_shift_within_a_group():
    real = ["she is a doctor"] * 10 + ["she is a nurse"] * 10
    labels_r = ["doctor"] * 10 + ["nurse"] * 10
    labels_s = ["nurse"] * 20
    found = bias.bias_report(real, real, labels=(labels_r, labels_s))
    assert found["axes"]["gender"]["label_shift"]["female"]["total_variation"] == pytest.approx(0.5)
    assert found["axes"]["gender"]["label_shift_flagged"] == ["female"]


def test_custom_term_lists_replace_the_shipped_ones(tmp_path):
    path = tmp_path / "terms.yaml"
    path.write_text("fruit:\n  apple: [apple, apples]\n  pear: [pear]\n")
    terms = bias.load_terms(path)
    assert terms == {"fruit": {"apple": frozenset({"apple", "apples"}), "pear": frozenset({"pear"})}}
    path.write_text("fruit: [apple]\n")
    from syndgen.errors import InputError

    with pytest.raises(InputError, match="axis -> group -> list of words"):
        bias.load_terms(path)


def test_overall_score_and_verdict_follow_the_bars():
    metrics = {
        "similarity": {"mauve": 0.9},
        "coverage": {"share": 0.9},
        "utility": {"ratio": 1.2},
    }
    parts = score.components("text", metrics)
    assert parts == {"similarity": 0.9, "coverage": 0.9, "utility": 1.0}
    assert score.overall(parts) == pytest.approx((0.9 + 0.9 + 1.0) / 3)
    found = score.verdict(parts, metrics)
    assert not found["passed"] and found["summary"] == "below the bar on coverage"
    assert [b["passed"] for b in found["bars"]] == [True, False, True]
    assert score.verdict({}, {})["summary"] == "no bar measured" and score.overall({}) is None


def test_diversity_component_penalises_extra_duplicates():
    ref = {"distinct_2": 0.8, "self_similarity": 0.2, "near_duplicate_rate": 0.0}
    assert score.diversity_component(ref, ref) == 1.0
    dup = {"distinct_2": 0.2, "self_similarity": 0.9, "near_duplicate_rate": 0.8}
    assert score.diversity_component(dup, ref) < 0.1
