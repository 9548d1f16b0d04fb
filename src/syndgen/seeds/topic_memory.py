"""Memory of the topics a run already used, so a model-expanded topic tree does not repeat itself.

A topic is *covered* when the memory holds one that is the same after normalisation (spaces
ignored, so "thermo-dynamics" is "thermodynamics"), or close to it by one of these measures:

* **token Jaccard** of the content-word sets (default >= 0.8), where two words of 5+ letters
  also match when one edit apart (two for 9+ letters): catches reordering, filler words and
  spelling variants ("History of art" / "art history", "colour theory" / "color theory") while
  "machine learning basics" stays apart from "machine learning" (2/3);
* **character 3-gram Jaccard** of the normalised text (default >= 0.8);
* **embedding cosine** (default >= 0.85), only with an injected ``embed`` callable returning
  L2-normalised rows (``syndgen.embed.get_embedder().encode``): catches paraphrases. With
  MiniLM, "heart disease" / "cardiovascular disease" score 0.87 and "quantum mechanics" /
  "quantum computing" 0.66.

The lexical measures are computed exactly on candidates from an inverted index of words plus a
MinHash LSH index over the character 3-grams (bands from :func:`syndgen.text.similarity.lsh_bands`
for Jaccard 0.5, so a misspelt single word is still proposed).

Normalisation casefolds, turns punctuation into spaces, collapses whitespace and strips simple
English plurals per word ("Black Holes" -> "black hole"); a few filler words (the, of, and, ...)
are ignored for the token measure only.

``parse_topic_list`` turns a model's answer (a JSON list, or bullet or numbered lines) into
clean topic strings; the model call that asks for subtopics is made elsewhere.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from datasketch import MinHash, MinHashLSH

from syndgen.errors import ConfigError
from syndgen.reasoning import split_reasoning
from syndgen.text.normalise import topic_key as normalise_topic
from syndgen.text.similarity import lsh_bands

Embed = Callable[[Sequence[str]], Any]
"""Texts -> a 2-D array of L2-normalised rows (numpy)."""

_FILLER = frozenset({"a", "an", "the", "of", "and", "or", "in", "on", "for", "to", "with", "about"})
_NUM_PERM = 64
_GRAM = 3
_LSH_JACCARD = 0.5
_EMPTY_MINHASH = MinHash(num_perm=_NUM_PERM, seed=1)


def _tokens(normalised: str) -> frozenset[str]:
    words = normalised.split()
    content = [w for w in words if w not in _FILLER]
    return frozenset(content or words)


def _grams(normalised: str) -> frozenset[str]:
    padded = f" {normalised} "
    return frozenset(padded[i : i + _GRAM] for i in range(max(1, len(padded) - _GRAM + 1)))


def _close(a: str, b: str) -> bool:
    """Same word, or a spelling variant: one edit apart at 5+ letters, two at 9+."""
    if a == b:
        return True
    shorter, longer = sorted((len(a), len(b)))
    limit = 2 if shorter >= 9 else 1 if shorter >= 5 else 0
    if limit == 0 or longer - shorter > limit:
        return False
    previous = list(range(len(b) + 1))
    for i, char_a in enumerate(a, start=1):
        current = [i]
        for j, char_b in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (char_a != char_b)))
        previous = current
    return previous[-1] <= limit


def token_jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    """Jaccard of word sets where spelling variants (:func:`_close`) count as the same word."""
    if not a and not b:
        return 1.0
    unmatched = sorted(b - a)
    matched = len(a & b)
    for word in sorted(a - b):
        hit = next((other for other in unmatched if _close(word, other)), None)
        if hit is not None:
            unmatched.remove(hit)
            matched += 1
    return matched / (len(a) + len(b) - matched)


def jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    if not a and not b:
        return 1.0
    return len(a & b) / len(a | b)


class TopicMemory:
    """Topics seen so far; ``add`` refuses one that is already covered."""

    def __init__(
        self,
        *,
        token_threshold: float = 0.8,
        char_threshold: float = 0.8,
        embed: Embed | None = None,
        semantic_threshold: float = 0.85,
    ) -> None:
        for name, value in (
            ("token", token_threshold),
            ("char", char_threshold),
            ("semantic", semantic_threshold),
        ):
            if not 0.0 < value <= 1.0:
                raise ConfigError(f"topic memory: {name} threshold must be in (0, 1], got {value}")
        self.token_threshold = token_threshold
        self.char_threshold = char_threshold
        self.semantic_threshold = semantic_threshold
        self._embed = embed
        self._topics: list[str] = []
        self._norms: list[str] = []
        self._exact: dict[str, int] = {}
        self._by_token: dict[str, list[int]] = {}
        self._grams: list[frozenset[str]] = []
        self._lsh = MinHashLSH(num_perm=_NUM_PERM, params=lsh_bands(_LSH_JACCARD, _NUM_PERM))
        self._vectors: list[Any] = []

    def __len__(self) -> int:
        return len(self._topics)

    @property
    def topics(self) -> list[str]:
        return list(self._topics)

    @staticmethod
    def _minhash(grams: frozenset[str]) -> MinHash:
        mh = _EMPTY_MINHASH.copy()  # reuses the permutations instead of rebuilding them
        mh.update_batch([g.encode("utf-8") for g in sorted(grams)])
        return mh

    def _lexical_match(self, norm: str) -> int | None:
        compact = norm.replace(" ", "")
        if compact in self._exact:
            return self._exact[compact]
        tokens, grams = _tokens(norm), _grams(norm)
        candidates = {i for t in tokens for i in self._by_token.get(t, ())}
        candidates |= {int(key) for key in self._lsh.query(self._minhash(grams))}
        for i in sorted(candidates):
            if token_jaccard(tokens, _tokens(self._norms[i])) >= self.token_threshold:
                return i
            if jaccard(grams, self._grams[i]) >= self.char_threshold:
                return i
        return None

    def _vector(self, topic: str) -> Any:
        assert self._embed is not None
        import numpy as np

        row = np.asarray(self._embed([topic]), dtype=np.float32).reshape(-1)
        norm = float(np.linalg.norm(row))
        return row / norm if norm > 0 else row

    def _semantic_match(self, vector: Any) -> int | None:
        if not self._vectors:
            return None
        import numpy as np

        sims = np.stack(self._vectors) @ vector
        best = int(np.argmax(sims))
        return best if float(sims[best]) >= self.semantic_threshold else None

    def match(self, topic: str) -> str | None:
        """The remembered topic that covers ``topic``, or None."""
        norm = normalise_topic(topic)
        if not norm:
            return None
        found = self._lexical_match(norm)
        if found is None and self._embed is not None:
            found = self._semantic_match(self._vector(topic))
        return None if found is None else self._topics[found]

    def contains(self, topic: str) -> bool:
        return self.match(topic) is not None

    def __contains__(self, topic: object) -> bool:
        return isinstance(topic, str) and self.contains(topic)

    def add(self, topic: str) -> bool:
        """Remember ``topic``; False (and nothing stored) when it is empty or already covered."""
        norm = normalise_topic(topic)
        if not norm or self._lexical_match(norm) is not None:
            return False
        vector = None
        if self._embed is not None:
            vector = self._vector(topic)
            if self._semantic_match(vector) is not None:
                return False
        index = len(self._topics)
        self._topics.append(topic.strip())
        self._norms.append(norm)
        self._exact[norm.replace(" ", "")] = index
        for token in _tokens(norm):
            self._by_token.setdefault(token, []).append(index)
        grams = _grams(norm)
        self._grams.append(grams)
        self._lsh.insert(str(index), self._minhash(grams))
        if vector is not None:
            self._vectors.append(vector)
        return True

    def add_all(self, topics: Iterable[str]) -> list[str]:
        """Add each topic in order; the ones that were new."""
        return [t for t in topics if self.add(t)]

    def to_list(self) -> list[str]:
        return list(self._topics)

    @classmethod
    def from_list(cls, topics: Iterable[str], **options: Any) -> TopicMemory:
        """A memory holding ``topics`` (added in order, so covered ones are skipped again)."""
        memory = cls(**options)
        memory.add_all(topics)
        return memory


# --------------------------------------------------------------------------- parsing model output

_FENCE = re.compile(r"```(?:json|JSON)?\s*(.*?)```", re.DOTALL)
_ITEM = re.compile(r"^\s*(?:[-*•+·]|\(?\d{1,3}[.)\]:]|\(?[a-zA-Z][.)](?=\s))\s*(.*\S)\s*$")
_BOLD_HEAD = re.compile(r"^(\*\*|__)(.+?)\1")
_DESCRIPTION = re.compile(r"\s*(?::\s|\s[-–—]\s).*$")
_OBJECT_KEYS = ("topic", "name", "title", "subtopic", "text")


def _from_json_value(value: Any) -> list[str] | None:
    if isinstance(value, dict):
        lists = [v for v in value.values() if isinstance(v, list)]
        return _from_json_value(lists[0]) if len(lists) == 1 else None
    if not isinstance(value, list):
        return None
    out: list[str] = []
    for item in value:
        if isinstance(item, dict):
            item = next((item[k] for k in _OBJECT_KEYS if isinstance(item.get(k), str)), None)
        if isinstance(item, str):
            out.append(item)
    return out or None


def _json_items(text: str) -> list[str] | None:
    candidates = [m.group(1) for m in _FENCE.finditer(text)] + [text]
    for candidate in candidates:
        for opener, closer in (("[", "]"), ("{", "}")):
            start, end = candidate.find(opener), candidate.rfind(closer)
            if start < 0 or end <= start:
                continue
            try:
                items = _from_json_value(json.loads(candidate[start : end + 1]))
            except json.JSONDecodeError:
                continue
            if items is not None:
                return items
    return None


def _line_items(text: str) -> list[str]:
    lines = [line for line in text.splitlines() if line.strip() and not line.strip().startswith("```")]
    listed = [(len(line) - len(line.lstrip()), m.group(1)) for line in lines if (m := _ITEM.match(line))]
    if listed:  # nested lists: only the outermost level (sub-bullets describe their parent)
        outer = min(indent for indent, _ in listed)
        return [item for indent, item in listed if indent == outer]
    return [line for line in lines if not line.rstrip().endswith(":") and not line.lstrip().startswith("#")]


def clean_topic(item: str) -> str:
    """One list item as a bare topic: no markdown, quotes, description or trailing punctuation."""
    text = item.strip()
    bold = _BOLD_HEAD.match(text)
    text = bold.group(2) if bold else _DESCRIPTION.sub("", text)
    text = text.replace("**", "").replace("__", "")
    for _ in range(2):  # quotes and trailing punctuation nest either way round: "x". or "x."
        text = text.strip(" \t`*_\"'“”‘’").rstrip(".,;:!").strip()
    return text


def parse_topic_list(model_text: str) -> list[str]:
    """Topics from a model's answer: a JSON list (bare, in a code fence, or under one key) or
    bullet/numbered lines (the outermost level of a nested list); without list markers, every
    line that is not a heading. Reasoning in ``<think>`` tags is ignored; duplicates (after
    normalisation) are dropped, order kept."""
    answer = split_reasoning(model_text).answer
    items = _json_items(answer)
    if items is None:
        items = _line_items(answer)
    out: list[str] = []
    seen: set[str] = set()
    for item in items:
        topic = clean_topic(item)
        key = normalise_topic(topic)
        if key and key not in seen:
            seen.add(key)
            out.append(topic)
    return out
