from syndgen.export.formats import dpo_rows, sft_rows
from syndgen.records import Attempt, Message, Question, Rejection, Sample, Seed, SeedOutcome, Usage, Verdict


def attempt(no, reasoning, answer):
    return Attempt(
        seed_index=3,
        attempt_no=no,
        messages=(Message(role="user", content="Q?"),),
        raw_text="",
        reasoning=reasoning,
        answer=answer,
        usage=Usage(),
        latency_s=0.1,
        model="gen",
    )


def verdict(no, score):
    return Verdict(seed_index=3, attempt_no=no, score=score, rationale="r", critic_model="crit", raw_text="")


def outcome(regenerated=True):
    seed = Seed(index=3, topic="t")
    q = Question(text="Q?", model="gen")
    first, second = attempt(1, "bad steps", "wrong"), attempt(2, "good steps", "right")
    if not regenerated:
        return SeedOutcome(
            seed=seed,
            question=q,
            attempts=(second,),
            verdicts=(verdict(2, 5),),
            sample=Sample(seed=seed, question=q, attempt=second, verdict=verdict(2, 5)),
        )
    return SeedOutcome(
        seed=seed,
        question=q,
        attempts=(first, second),
        verdicts=(verdict(1, 2), verdict(2, 5)),
        rejections=(Rejection(seed_index=3, attempt_no=1, stage="critic", reason="low_score"),),
        sample=Sample(seed=seed, question=q, attempt=second, verdict=verdict(2, 5)),
    )


def rejected_only():
    seed = Seed(index=4, topic="t")
    return SeedOutcome(
        seed=seed,
        question=Question(text="Z?", model="gen"),
        attempts=(attempt(1, "x", "y"),),
        rejections=(Rejection(seed_index=4, attempt_no=1, stage="critic", reason="low_score"),),
    )


def test_sft_inline_strip_field():
    (row,) = sft_rows([outcome(), rejected_only()], "inline")
    assert row["messages"] == [
        {"role": "user", "content": "Q?"},
        {"role": "assistant", "content": "<think>\ngood steps\n</think>\n\nright"},
    ]
    assert (row["id"], row["score"], row["attempt_no"], row["topic"]) == ("seed-000003", 5, 2, "t")
    assert "reasoning" not in row
    (row,) = sft_rows([outcome()], "strip")
    assert row["messages"][-1]["content"] == "right"
    (row,) = sft_rows([outcome()], "field", system_prompt="Be brief.")
    assert row["messages"][0] == {"role": "system", "content": "Be brief."}
    assert row["messages"][-1]["content"] == "right" and row["reasoning"] == "good steps"


def test_dpo_pairs_rejected_attempt_with_both_scores():
    (row,) = dpo_rows([outcome(), outcome(regenerated=False), rejected_only()], "inline")
    assert row["prompt"] == [{"role": "user", "content": "Q?"}]
    assert row["chosen"] == [{"role": "assistant", "content": "<think>\ngood steps\n</think>\n\nright"}]
    assert row["rejected"] == [{"role": "assistant", "content": "<think>\nbad steps\n</think>\n\nwrong"}]
    assert (row["chosen_score"], row["rejected_score"], row["rejected_reason"]) == (5, 2, "low_score")


def test_dpo_field_mode_moves_traces_to_columns():
    (row,) = dpo_rows([outcome()], "field")
    assert row["chosen"][0]["content"] == "right"
    assert (row["chosen_reasoning"], row["rejected_reasoning"]) == ("good steps", "bad steps")


def test_reasoning_cap_is_a_rejection_reason():
    from syndgen.config import QualityConfig, TaskConfig
    from syndgen.steps.filters import check_attempt

    capped = attempt(1, "long " * 10, "answer text").model_copy(update={"finish_reason": "reasoning_cap"})
    assert check_attempt(capped, TaskConfig(), QualityConfig())[0] == "reasoning_too_long"
    wordy = attempt(1, "x" * 400, "a fine answer")
    assert (
        check_attempt(wordy, TaskConfig(max_reasoning_tokens=50), QualityConfig())[0] == "reasoning_too_long"
    )
    assert check_attempt(wordy, TaskConfig(max_reasoning_tokens=500), QualityConfig()) is None
