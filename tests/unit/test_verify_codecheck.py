import pytest

from syndgen.verify.codecheck import extract_code, verify_code


def test_python_block_is_extracted():
    text = "Here it is:\n```python\ndef f():\n    return 1\n```\nHope that helps."
    assert extract_code(text) == "def f():\n    return 1"


def test_untagged_block_is_used_when_there_is_no_python_block():
    assert extract_code("```\nx = 1\n```") == "x = 1"


def test_python_blocks_win_over_other_languages():
    text = "```bash\npip install nothing\n```\n```py\nx = 2\n```"
    assert extract_code(text) == "x = 2"


def test_several_blocks_are_joined_in_order():
    text = "```python\ndef f():\n    return 1\n```\nUsage:\n```python\nprint(f())\n```"
    assert extract_code(text) == "def f():\n    return 1\n\nprint(f())"


def test_a_broken_block_is_dropped_when_another_parses():
    text = "```python\ndef f(:\n```\n```python\ndef g():\n    return 2\n```"
    assert extract_code(text) == "def g():\n    return 2"


def test_an_unterminated_block_is_taken_to_the_end():
    assert extract_code("```python\ndef f():\n    return 3\n") == "def f():\n    return 3"


def test_bare_code_is_accepted_when_it_parses():
    assert extract_code("def f():\n    return 1\n") == "def f():\n    return 1"


@pytest.mark.parametrize("text", ["Just use a loop.", "", "```python\ndef f(:\n```"])
def test_no_code(text):
    assert extract_code(text) is None


def test_verify_code_pass():
    answer = "```python\ndef add(a, b):\n    return a + b\n```"
    result = verify_code(answer, "assert add(2, 2) == 4\n")
    assert (result.name, result.status) == ("code", "pass")
    assert result.detail.startswith("pass:")


def test_verify_code_failure_says_why():
    answer = "```python\ndef add(a, b):\n    return a - b\n```"
    result = verify_code(answer, "assert add(2, 2) == 4\n")
    assert result.status == "fail"
    assert result.detail.startswith("fail:")
    assert "assert add(2, 2) == 4" in result.detail


def test_verify_code_blocked_action_is_a_failure():
    result = verify_code("```python\nimport os\nos.fork()\n```", "assert True\n")
    assert result.status == "fail"
    assert result.detail.startswith("blocked:")


def test_verify_code_without_code():
    result = verify_code("I would write a function.", "assert True\n")
    assert (result.status, result.detail) == ("fail", "no Python code found in the answer")
