"""Topic memory: normalisation, near-duplicate topics, persistence, parsing a model's topic list."""

from __future__ import annotations

import numpy as np
import pytest

from syndgen.errors import ConfigError
from syndgen.seeds.topic_memory import TopicMemory, normalise_topic, parse_topic_list, token_jaccard


@pytest.fixture(scope="session")
def embed():
    from syndgen.embed import get_embedder

    return get_embedder().encode


@pytest.mark.parametrize(
    "raw, normalised",
    [
        ("  Black   Holes!! ", "black hole"),
        ("Cities & Countries", "city country"),
        ("Boxes, Churches", "box church"),
        ("Class analysis", "class analysis"),  # -ss and -is endings are not plurals
        ("Virus", "virus"),
        ("ÉCOLE d'été", "école d été"),
    ],
)
def test_normalise_topic(raw, normalised):
    assert normalise_topic(raw) == normalised


def test_token_jaccard_counts_spelling_variants_once():
    assert token_jaccard(frozenset({"colour", "theory"}), frozenset({"color", "theory"})) == 1.0
    # Short words must match exactly: "mode" is not "model".
    assert token_jaccard(frozenset({"mode"}), frozenset({"model"})) == 0.0
    assert (
        token_jaccard(frozenset({"machine", "learning"}), frozenset({"machine", "learning", "basic"}))
        == 2 / 3
    )


COVERED = [
    ("Photosynthesis", "photosynthesis!"),
    ("Black Holes", "black hole"),
    ("History of art", "Art history"),
    ("The French Revolution", "French revolution"),
    ("colour theory", "color theory"),
    ("photosynthesis", "photosynthesys"),
    ("Cell biology", "cell biologies"),
]
DISTINCT = [
    ("machine learning", "machine learning basics"),
    ("quantum mechanics", "quantum computing"),
    ("optics", "mechanics"),
    ("model training", "mode training"),
    ("cats", "dogs"),
]


@pytest.mark.parametrize("first, second", COVERED)
def test_near_duplicates_are_covered(first, second):
    memory = TopicMemory()
    assert memory.add(first) is True
    assert memory.contains(second)
    assert memory.match(second) == first
    assert memory.add(second) is False
    assert len(memory) == 1


@pytest.mark.parametrize("first, second", DISTINCT)
def test_different_topics_are_kept(first, second):
    memory = TopicMemory()
    assert memory.add(first)
    assert second not in memory
    assert memory.add(second)
    assert memory.to_list() == [first, second]


def test_empty_topic_is_not_added():
    memory = TopicMemory()
    assert memory.add("  ...  ") is False
    assert len(memory) == 0 and not memory.contains("")


def test_persistence_round_trip_keeps_behaviour():
    memory = TopicMemory()
    added = memory.add_all(["Optics", "Thermodynamics", "optic", "Quantum field theory"])
    assert added == ["Optics", "Thermodynamics", "Quantum field theory"]
    restored = TopicMemory.from_list(memory.to_list())
    assert restored.to_list() == memory.to_list()
    assert restored.contains("thermodynamic") and not restored.contains("Acoustics")


def test_thresholds_are_checked():
    with pytest.raises(ConfigError, match="token threshold"):
        TopicMemory(token_threshold=0)
    with pytest.raises(ConfigError, match="semantic threshold"):
        TopicMemory(semantic_threshold=1.5)


def test_injected_embedding_catches_paraphrases_with_a_fake_model():
    # A fake model: topics in the same group get the same unit vector.
    groups = {"car repair": 0, "automobile upkeep": 0, "baking bread": 1}

    def fake(texts):
        return np.eye(3, dtype=np.float32)[[groups[t] for t in texts]]

    memory = TopicMemory(embed=fake)
    assert memory.add("car repair")
    assert memory.match("automobile upkeep") == "car repair"
    assert memory.add("automobile upkeep") is False
    assert memory.add("baking bread")
    assert TopicMemory().add("car repair") and TopicMemory().contains("automobile upkeep") is False


def test_real_embedding_paraphrases(embed):
    memory = TopicMemory.from_list(["heart disease", "World War II", "quantum mechanics"], embed=embed)
    assert memory.match("cardiovascular disease") == "heart disease"
    assert memory.match("the Second World War") == "World War II"
    assert not memory.contains("quantum computing")
    assert not memory.contains("baking bread")


# --------------------------------------------------------------------------- parse_topic_list


@pytest.mark.parametrize(
    "text, topics",
    [
        ('["Optics", "Thermodynamics", "Acoustics"]', ["Optics", "Thermodynamics", "Acoustics"]),
        ('Sure!\n```json\n{"topics": ["Optics", {"name": "Lasers"}, 3]}\n```', ["Optics", "Lasers"]),
        ('[{"topic": "Optics"}, {"title": "Lasers"}]', ["Optics", "Lasers"]),
        (
            "- Optics\n* Thermodynamics\n• Acoustics\n+ Lasers",
            ["Optics", "Thermodynamics", "Acoustics", "Lasers"],
        ),
        (
            "1. Optics\n2) Thermodynamics\n(3) Acoustics\n10. Lasers",
            ["Optics", "Thermodynamics", "Acoustics", "Lasers"],
        ),
        (
            "Here are some subtopics of physics:\n\n1. **Optics**: the study of light\n"
            '2. Thermodynamics - heat and work\n3. "Acoustics".\n\nLet me know if you need more!',
            ["Optics", "Thermodynamics", "Acoustics"],
        ),
        ("<think>The user wants topics. Optics?</think>\n- Optics\n- optics\n- Optic", ["Optics"]),
        ("Subtopics:\nOptics\nThermodynamics\n", ["Optics", "Thermodynamics"]),
        ("# Topics\nOptics", ["Optics"]),
        ("1. Optics\n   - Lenses\n   - Mirrors\n2. Lasers\n    * Diodes", ["Optics", "Lasers"]),
        ("- 3D printing\n- 1990s music", ["3D printing", "1990s music"]),
        ("", []),
        ("[]", []),
    ],
)
def test_parse_topic_list(text, topics):
    assert parse_topic_list(text) == topics


def test_parsed_topics_feed_the_memory():
    memory = TopicMemory.from_list(["Optics"])
    new = memory.add_all(parse_topic_list("1. Optics\n2. Thermo-dynamics\n3. Thermodynamics\n4. Lasers"))
    assert new == ["Thermo-dynamics", "Lasers"]
