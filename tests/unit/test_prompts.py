import pytest

from syndgen import prompts
from syndgen.errors import ConfigError, InputError
from syndgen.prompts import PromptSet, split_messages


def test_every_shipped_template_renders_with_its_example():
    ps = PromptSet()
    assert {"answer", "critic", "question", "regenerate", "repair"} <= set(prompts.names())
    for name in prompts.names():
        messages = ps.render(name, **prompts.EXAMPLES[name])
        assert messages[-1].role == "user"
        assert all(m.content for m in messages)


def test_critic_prompt_puts_fixed_examples_before_the_record():
    msgs = PromptSet().render("critic", question="Q?", reasoning="R", answer="A")
    assert msgs[0].role == "system"
    assert msgs[-1].content == "Question: Q?\nReasoning: R\nAnswer: A"
    assert '"score": 5' in msgs[2].content and '"score": 2' in msgs[4].content


def test_regenerate_prompt_shows_the_critique():
    msgs = PromptSet().render(
        "regenerate", **{**prompts.EXAMPLES["regenerate"], "critique": "Step 2 is wrong"}
    )
    assert [m.role for m in msgs] == ["system", "user", "assistant", "user"]
    assert "Step 2 is wrong" in msgs[-1].content and "2/5" in msgs[-1].content


def test_question_prompt_variant_changes_only_after_first_round():
    ps = PromptSet()
    first = ps.render("question", topic="t", attributes={}, variant=1)
    later = ps.render("question", topic="t", attributes={"level": "hard"}, variant=3)
    assert "Variation" not in first[-1].content
    assert "Variation 3" in later[-1].content and "level: hard" in later[-1].content


def test_long_values_are_clipped():
    msgs = PromptSet().render("critic", question="q", reasoning="x" * 10_000, answer="a")
    assert len(msgs[-1].content) < 4000


def test_override_from_file(tmp_path):
    path = tmp_path / "answer.jinja"
    path.write_text("<<user>>\nAnswer briefly: {{ question }}\n")
    msgs = PromptSet({"answer": str(path)}).render("answer", question="Why?", system_prompt=None)
    assert msgs == split_messages("<<user>>\nAnswer briefly: Why?")


def test_override_errors(tmp_path):
    with pytest.raises(ConfigError, match="no template of that name"):
        PromptSet({"anwser": str(tmp_path)})
    with pytest.raises(InputError, match="template file not found"):
        PromptSet({"answer": str(tmp_path / "missing.jinja")})
    bad = tmp_path / "bad.jinja"
    bad.write_text("<<user>>\n{{ undefined_variable }}\n")
    with pytest.raises(ConfigError, match="prompt 'answer'"):
        PromptSet({"answer": str(bad)}).render("answer", question="q", system_prompt=None)


def test_split_messages_rules():
    with pytest.raises(ConfigError, match="before the first"):
        split_messages("stray\n<<user>>\nhi")
    with pytest.raises(ConfigError, match="last message must be"):
        split_messages("<<user>>\nhi\n<<assistant>>\nhello")
