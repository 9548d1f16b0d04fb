"""The embedded backend keeps the exact tokens of recent exchanges for follow-up requests."""

from syndgen.backends.llamacpp import ExchangeMemo


def chars(text: str, first: bool) -> list[int]:
    """A stand-in tokenizer: one token per character, a BOS (0) where the prompt starts."""
    return ([0] if first else []) + [ord(c) for c in text]


def test_a_follow_up_reuses_the_exact_tokens_of_the_exchange_it_extends():
    memo = ExchangeMemo(capacity=4)
    # the model wrote "hi" as one token (999), which re-tokenizing the text would not give
    memo.remember("<u>q</u><a>hi", [0, *map(ord, "<u>q</u><a>"), 999])
    tokens = memo.tokens("<u>q</u><a>hi</a><u>grade</u>", chars)
    assert tokens == [0, *map(ord, "<u>q</u><a>"), 999, *map(ord, "</a><u>grade</u>")]


def test_the_longest_remembered_prefix_wins_and_unknown_text_is_tokenized_whole():
    memo = ExchangeMemo(capacity=4)
    memo.remember("ab", [0, 1])
    memo.remember("abcd", [0, 1, 2])
    assert memo.tokens("abcdef", chars) == [0, 1, 2, ord("e"), ord("f")]
    assert memo.tokens("xyz", chars) == [0, ord("x"), ord("y"), ord("z")]


def test_old_exchanges_are_forgotten_beyond_capacity():
    memo = ExchangeMemo(capacity=2)
    memo.remember("a", [7])
    memo.remember("b", [8])
    memo.remember("c", [9])
    assert memo.tokens("a!", chars) == [0, ord("a"), ord("!")]  # "a" was evicted
    assert memo.tokens("c!", chars) == [9, ord("!")]
