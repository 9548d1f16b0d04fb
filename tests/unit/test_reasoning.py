from syndgen.reasoning import join_reasoning, reasoning_from_message, split_reasoning


def test_plain_think_block():
    out = split_reasoning("<think>\nAdd 2 and 2.\n</think>\n\nThe answer is 4.")
    assert (out.reasoning, out.answer, out.complete) == ("Add 2 and 2.", "The answer is 4.", True)


def test_r1_output_without_opening_tag():
    # R1 chat templates put "<think>\n" in the prompt, so the output starts inside the trace.
    text = "Okay, the user asks for 3*4. That is 12.\n</think>\n\n**Answer:** 12"
    out = split_reasoning(text)
    assert out.reasoning == "Okay, the user asks for 3*4. That is 12."
    assert out.answer == "**Answer:** 12"
    assert out.complete


def test_unclosed_think_is_incomplete_and_has_no_answer():
    out = split_reasoning("<think>\nLet me count the apples: one, two, thr")
    assert out.reasoning == "Let me count the apples: one, two, thr"
    assert out.answer == ""
    assert out.complete is False


def test_empty_think_block():
    out = split_reasoning("<think>\n\n</think>\n\nParis is the capital of France.")
    assert out.reasoning == ""
    assert out.answer == "Paris is the capital of France."


def test_no_tags_at_all():
    out = split_reasoning("Just an answer.")
    assert (out.reasoning, out.answer, out.complete) == ("", "Just an answer.", True)


def test_text_before_think_block_stays_in_answer():
    out = split_reasoning("Sure.\n<think>hidden</think>\nVisible.")
    assert out.reasoning == "hidden"
    assert out.answer == "Sure.\n\nVisible."


def test_multiple_blocks_and_thinking_tag_and_case():
    out = split_reasoning("<THINK>a</THINK>mid<thinking>b</thinking>end")
    assert out.reasoning == "a\n\nb"
    assert out.answer == "midend"


def test_multiline_reasoning_with_angle_brackets():
    text = "<think>\nIs 3 < 5? Yes.\nSo x > y.\n</think>\nx > y"
    out = split_reasoning(text)
    assert out.reasoning == "Is 3 < 5? Yes.\nSo x > y."
    assert out.answer == "x > y"


def test_reasoning_content_field_deepseek_and_vllm():
    msg = {"role": "assistant", "content": "42", "reasoning_content": "6 times 7"}
    out = reasoning_from_message(msg)
    assert (out.reasoning, out.answer) == ("6 times 7", "42")


def test_reasoning_field_new_vllm_and_ollama_thinking():
    assert reasoning_from_message({"content": "ok", "reasoning": "r"}).reasoning == "r"
    assert reasoning_from_message({"content": "ok", "thinking": "t"}).reasoning == "t"


def test_field_and_inline_tags_are_both_kept():
    out = reasoning_from_message({"content": "<think>inline</think>done", "reasoning_content": "field"})
    assert out.reasoning == "field\n\ninline"
    assert out.answer == "done"


def test_none_content_and_blank_field():
    out = reasoning_from_message({"content": None, "reasoning_content": "   "})
    assert (out.reasoning, out.answer) == ("", "")


def test_join_is_inverse_of_split():
    joined = join_reasoning("step 1\nstep 2", "final")
    out = split_reasoning(joined)
    assert (out.reasoning, out.answer) == ("step 1\nstep 2", "final")
    assert join_reasoning("", "only") == "only"
