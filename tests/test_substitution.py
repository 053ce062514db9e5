"""Substitution (FORMAT.md §8): ``"${…}"`` values, against Python's own integer arithmetic as the oracle."""

from __future__ import annotations

import operator
import subprocess
import sys
from collections.abc import Callable, Mapping
from typing import Any, Union

import pytest
from hypothesis import HealthCheck, assume, event, given, settings
from hypothesis import strategies as st

from netcheck.substitution import (
    LIMIT,
    MAX_DEPTH,
    MAX_LENGTH,
    SubstitutionError,
    evaluate,
    has_substitution,
    substitute,
)
from netcheck.vocabulary import MAX_COUNT

MANY = settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def error_of(value: object, params: Mapping[str, object] | None = None) -> str:
    """The message of the SubstitutionError that substituting ``value`` raises."""
    with pytest.raises(SubstitutionError) as caught:
        substitute(value, params or {})
    assert str(caught.value) == caught.value.message
    return caught.value.message


# --- the oracle: expression trees, rendered to text and evaluated with Python's operators -----------------

# ("int", n) | ("name", p) | ("neg" | "pos", child) | ("bin", op, left, right)
Tree = tuple[Any, ...]
NAMES = ("a", "b", "filters", "in", "k_2")
OPERATORS: dict[str, Callable[[int, int], int]] = {
    "+": operator.add, "-": operator.sub, "*": operator.mul, "//": operator.floordiv, "%": operator.mod,
}
RANK = {"+": 1, "-": 1, "*": 2, "//": 2, "%": 2}


class OutOfRange(Exception):
    """The oracle met a value beyond 10¹⁸."""


def oracle(tree: Tree, params: Mapping[str, int]) -> int:
    """The tree's value by Python's integer arithmetic, checking every value (ZeroDivisionError passes through)."""
    kind = tree[0]
    if kind == "int":
        value = tree[1]
    elif kind == "name":
        value = params[tree[1]]
    elif kind in ("neg", "pos"):
        inner = oracle(tree[1], params)
        value = -inner if kind == "neg" else inner
    else:
        left = oracle(tree[2], params)
        value = OPERATORS[tree[1]](left, oracle(tree[3], params))
    if abs(value) > 10**18:
        raise OutOfRange
    return int(value)


def rank(tree: Tree) -> int:
    """How tightly the tree's top binds: atoms 4, signs 3, ``* // %`` 2, ``+ -`` 1."""
    return {"int": 4, "name": 4, "neg": 3, "pos": 3}.get(tree[0]) or RANK[tree[1]]


Draw = Callable[[st.SearchStrategy[Any]], Any]
SPACES = st.sampled_from(["", "", " ", "  ", "\t", " \n "])


def render(tree: Tree, draw: Draw) -> tuple[str, int]:
    """The tree as text, with random spacing and redundant parentheses; and how deep parentheses and signs nest."""
    kind = tree[0]
    if kind in ("int", "name"):
        text, depth = str(tree[1]), 0
    elif kind in ("neg", "pos"):
        child, depth = wrapped(tree[1], rank(tree[1]) < 3, draw)
        text, depth = ("-" if kind == "neg" else "+") + draw(SPACES) + child, depth + 1
    else:
        left, left_depth = wrapped(tree[2], rank(tree[2]) < RANK[tree[1]], draw)
        right, right_depth = wrapped(tree[3], rank(tree[3]) <= RANK[tree[1]], draw)
        text = left + draw(SPACES) + tree[1] + draw(SPACES) + right
        depth = max(left_depth, right_depth)
    if draw(st.integers(0, 7)) == 0:
        text, depth = "(" + draw(SPACES) + text + draw(SPACES) + ")", depth + 1
    return text, depth


def wrapped(tree: Tree, needed: bool, draw: Draw) -> tuple[str, int]:
    """A child rendered, in parentheses when precedence (or left associativity) needs them."""
    text, depth = render(tree, draw)
    return ("(" + text + ")", depth + 1) if needed else (text, depth)


literals = st.one_of(st.just(0), st.integers(0, 20), st.integers(0, 10**6),
                     st.sampled_from([10**9, 10**18, 10**18 - 1]))
leaves = st.one_of(st.tuples(st.just("int"), literals), st.tuples(st.just("name"), st.sampled_from(NAMES)))
trees = st.recursive(
    leaves,
    lambda kids: st.one_of(
        st.tuples(st.sampled_from(["neg", "neg", "pos"]), kids),
        st.tuples(st.just("bin"), st.sampled_from(list(OPERATORS)), kids, kids),
    ),
    max_leaves=24,
)
param_values = st.one_of(st.integers(-20, 20), st.integers(-10**6, 10**6), st.sampled_from([0, 10**18, -10**18]))
param_sets = st.fixed_dictionaries({name: param_values for name in NAMES})


@MANY
@given(trees, param_sets, st.data())
def test_arithmetic_agrees_with_python(tree: Tree, params: dict[str, int], data: st.DataObject) -> None:
    agrees_with_the_oracle(tree, params, data.draw)


@MANY
@given(trees, trees, st.sampled_from(["//", "%"]), param_sets, st.data())
def test_dividing_by_an_expression_worth_zero_agrees_with_python(
        dividend: Tree, zero: Tree, sign: str, params: dict[str, int], data: st.DataObject) -> None:
    agrees_with_the_oracle(("bin", sign, dividend, ("bin", "-", zero, zero)), params, data.draw)


def agrees_with_the_oracle(tree: Tree, params: dict[str, int], draw: Draw) -> None:
    """The tree rendered to text gives what the oracle gives: the value, or the error for zero or the range."""
    text, depth = render(tree, draw)
    assume(len(text) <= MAX_LENGTH and depth <= MAX_DEPTH)
    try:
        expected: Union[int, type[Exception]] = oracle(tree, params)
    except ZeroDivisionError:
        expected = ZeroDivisionError
    except OutOfRange:
        expected = OutOfRange
    event("a value" if isinstance(expected, int) else expected.__name__)
    if isinstance(expected, int):
        assert evaluate(text, params) == expected
        assert substitute("${" + text + "}", params) == expected
        return
    with pytest.raises(SubstitutionError) as caught:
        evaluate(text, params)
    message = caught.value.message
    if expected is ZeroDivisionError:
        assert "by zero" in message
    else:
        assert "out of range" in message and "exceeds 10¹⁸" in message


@MANY
@given(st.text(alphabet="0123456789ab_+-*/%() .$}{", max_size=40), param_sets)
def test_any_text_gives_an_integer_or_a_substitution_error(text: str, params: dict[str, int]) -> None:
    try:
        value = substitute("${" + text + "}", params)
    except SubstitutionError as error:
        assert error.message
    else:
        assert isinstance(value, int) and abs(value) <= LIMIT


# --- precedence and meaning ----------------------------------------------------------------------------


@pytest.mark.parametrize(("value", "expected"), [
    ("${2 + 3 * 4}", 14),
    ("${(2 + 3) * 4}", 20),
    ("${-7 // 2}", -4),
    ("${-7 % 3}", 2),
    ("${7 % -3}", -2),
    ("${- -3}", 3),
    ("${--3}", 3),
    ("${+3}", 3),
    ("${-(2 + 3)}", -5),
    ("${2 * -3}", -6),
    ("${10 - 2 - 3}", 5),
    ("${100 // 10 // 5}", 2),
    ("${2 * 3 % 4}", 2),
    ("${  ((7))  }", 7),
    ("${007}", 7),
    ("${1000000000000000000}", 10**18),
    ("${-1000000000000000000}", -(10**18)),
])
def test_precedence_and_floor_semantics(value: str, expected: int) -> None:
    assert substitute(value, {}) == expected


def test_params_in_arithmetic() -> None:
    params = {"filters": 64, "kernel": 7, "in": 3}
    assert substitute("${filters * 4}", params) == 256
    assert substitute("${(kernel - 1) // 2 + 1}", params) == 4
    assert substitute("${in*in}", params) == 9
    assert evaluate(" kernel // 2 ", params) == 3


def test_the_limit_is_the_formats_max_count() -> None:
    assert LIMIT == MAX_COUNT == 10**18


# --- whole values keep their type ----------------------------------------------------------------------


@pytest.mark.parametrize("value", ["same", {"width": 3, "height": 1}, [1, 2], None, True, 5, 10**30, 1.5, []])
def test_a_whole_param_keeps_its_value_whatever_it_is(value: object) -> None:
    for text in ("${p}", "${ p }", "${\tp\n}"):
        result = substitute(text, {"p": value})
        assert result == value and type(result) is type(value)
        if isinstance(value, (list, dict)):
            assert result is not value


def test_a_whole_param_is_copied_all_the_way_down() -> None:
    value = {"size": {"width": 3, "height": [1, 2]}}
    result = substitute("${p}", {"p": value})
    assert result == value
    assert isinstance(result, dict)
    assert result["size"] is not value["size"] and result["size"]["height"] is not value["size"]["height"]


def test_a_whole_param_is_not_substituted_again() -> None:
    assert substitute("${p}", {"p": "${q}"}) == "${q}"


# --- through lists and mappings ------------------------------------------------------------------------


def test_substitution_goes_through_lists_and_mapping_values() -> None:
    layer = {"kernel": "${k}", "padding": {"width": "${k // 2}", "height": 0}, "inputs": ["a", "${k - 7}"]}
    assert substitute(layer, {"k": 7}) == {"kernel": 7, "padding": {"width": 3, "height": 0}, "inputs": ["a", 0]}
    assert layer["kernel"] == "${k}"  # the input is left alone


def test_keys_are_never_substituted() -> None:
    assert substitute({"${k}": 1}, {"k": 7}) == {"${k}": 1}
    assert not has_substitution({"${k}": 1})


def test_values_without_substitution_come_back_equal() -> None:
    value = {"a": [1, "x", {"b": None}], "c": 2.5, "d": "$ {not}", "e": "}{$"}
    result = substitute(value, {})
    assert result == value and result is not value
    assert substitute("plain", {}) == "plain"
    assert substitute(3, {}) == 3


def test_has_substitution_looks_at_any_depth() -> None:
    assert has_substitution("${k}")
    assert has_substitution("conv${i}")
    assert has_substitution([1, [2, {"x": ["${a"]}]])
    assert not has_substitution([1, [2, {"x": ["$a", "{b}"]}]])
    assert not has_substitution(None) and not has_substitution(7) and not has_substitution("$")


def test_deep_nesting_of_values_costs_no_stack() -> None:
    value: Any = "${k}"
    for _ in range(5_000):
        value = [value]
    assert has_substitution(value)
    result = substitute(value, {"k": 7})
    for _ in range(5_000):
        assert isinstance(result, list) and len(result) == 1
        result = result[0]
    assert result == 7


def test_a_value_that_contains_itself_is_an_error() -> None:
    looped: list[object] = ["${k}"]
    looped.append(looped)
    assert has_substitution(looped)
    assert "contains itself" in error_of(looped, {"k": 1})


def test_the_first_problem_in_document_order_is_reported() -> None:
    message = error_of({"a": "${x}", "b": ["${1 // 0}"]}, {})
    assert "'x'" in message
    message = error_of({"a": 1, "b": ["${1 // 0}", "${x}"]}, {})
    assert "by zero" in message


# --- errors --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["conv${i}", "${a}${b}", "${a} ", " ${a}", "${a}}", "x${1 + 2}y"])
def test_a_substitution_must_be_the_whole_value(value: str) -> None:
    message = error_of(value, {"a": 1, "b": 2, "i": 3})
    assert f'"{value}"' in message
    assert "whole value" in message


def test_an_unclosed_substitution_says_so() -> None:
    message = error_of("${a", {"a": 1})
    assert '"${a"' in message and "whole value" in message and "never closed" in message


def test_an_unknown_name_is_named_with_a_suggestion_and_the_params() -> None:
    message = error_of("${filter * 2}", {"stride": 1, "filters": 64})
    assert '"${filter * 2}"' in message
    assert "unknown name 'filter'" in message
    assert "did you mean 'filters'?" in message
    assert "filters, stride" in message  # sorted


def test_an_unknown_name_without_a_close_match_lists_the_params() -> None:
    message = error_of("${zzz}", {"stride": 1, "filters": 64})
    assert "unknown name 'zzz'" in message and "did you mean" not in message
    assert "filters, stride" in message
    assert "no params" in error_of("${zzz}", {})


def test_at_most_ten_params_are_listed() -> None:
    params = {f"p{i:02d}": i for i in range(15)}
    message = error_of("${nope}", params)
    assert "p00, p01, p02, p03, p04, p05, p06, p07, p08, p09" in message
    assert "p10" not in message and "5 more" in message


def test_an_unknown_name_comes_before_arithmetic_problems() -> None:
    assert "unknown name 'y'" in error_of("${1 // 0 + y}", {})


@pytest.mark.parametrize(("value", "description"), [
    ({"width": 3, "height": 1}, "a mapping"),
    ([1, 2], "a list"),
    ("same", "a string ('same')"),
    (None, "null"),
    (True, "a boolean (true)"),
    (False, "a boolean (false)"),
    (2.0, "a float (2.0)"),
])
def test_a_param_in_arithmetic_must_be_an_integer(value: object, description: str) -> None:
    message = error_of("${k // 2}", {"k": value})
    assert '"${k // 2}"' in message
    assert f"param 'k' is {description}, not an integer" in message


@pytest.mark.parametrize(("value", "what"), [
    ("${filters // 0}", "division by zero (64 // 0)"),
    ("${filters % zero}", "modulo by zero (64 % 0)"),
    ("${1 // (filters - 64)}", "division by zero (1 // 0)"),
])
def test_division_and_modulo_by_zero(value: str, what: str) -> None:
    message = error_of(value, {"filters": 64, "zero": 0})
    assert f'"{value}"' in message and what in message


@pytest.mark.parametrize(("value", "what"), [
    ("${}", "empty"),
    ("${   }", "empty"),
    ("${2 +}", "missing operand"),
    ("${* 2}", "missing operand"),
    ("${1 + )}", "character 5"),
    ("${()}", "missing operand"),
    ("${(1 + 2}", 'this "(" is never closed at character 1'),
    ("${1 + 2)}", 'this ")" closes nothing at character 6'),
    ("${1 2}", "expected an operator"),
    ("${a b}", 'at character 3: "b"'),
    ("${max(a, b)}", "no function calls"),
    ("${a.b}", "unexpected character '.' at character 2"),
    ("${1.5}", "unexpected character '.'"),
    ("${6 / 2}", 'use "//"'),
    ("${2 ** 3}", '"**"'),
    ("${1 < 2}", "unexpected character '<' at character 3"),
    ("${a == b}", "unexpected character '='"),
    ("${[1]}", "unexpected character '['"),
    ("${'a'}", "unexpected character"),
    ("${1,2}", "unexpected character ','"),
    ("${é}", "unexpected character 'é'"),
])
def test_syntax_errors_say_what_and_where(value: str, what: str) -> None:
    message = error_of(value, {"a": 1, "b": 2})
    assert f'"{value}"' in message
    assert what in message


def test_evaluate_shows_the_expression_as_written() -> None:
    with pytest.raises(SubstitutionError, match=r'"\$\{ 1 // 0 \}": division by zero'):
        evaluate(" 1 // 0 ", {})


@pytest.mark.parametrize("value", [
    "${999999999999999999 * 999999999999999999}",
    "${1000000000000000000 + 1}",
    "${-1000000000000000000 - 1}",
    "${1000000000000000001}",
    "${big * 2}",
    "${big + big}",
    "${huge - 1}",
])
def test_values_beyond_ten_to_the_eighteenth_are_out_of_range(value: str) -> None:
    message = error_of(value, {"big": 10**18, "huge": 10**5000})
    assert f'"{value}"' in message
    assert "out of range" in message and "exceeds 10¹⁸" in message


def test_a_huge_param_is_described_not_printed() -> None:
    message = error_of("${huge + 1}", {"huge": 10**5000})
    assert "about 5,000 digits" in message and len(message) < 300


def test_bounds_themselves_are_allowed() -> None:
    assert substitute("${1000000000000000000 * 1 - 0}", {}) == 10**18
    assert substitute("${-big}", {"big": 10**18}) == -(10**18)
    assert substitute("${" + "(" * MAX_DEPTH + "1" + ")" * MAX_DEPTH + "}", {}) == 1
    assert substitute("${" + "-" * MAX_DEPTH + "1}", {}) == 1
    longest = "1+" * ((MAX_LENGTH - 1) // 2) + "1"
    assert len(longest) <= MAX_LENGTH
    assert substitute("${" + longest + "}", {}) == (MAX_LENGTH - 1) // 2 + 1
    assert substitute("${" + "9" * 18 + "}", {}) == 10**18 - 1


def test_nesting_deeper_than_a_hundred_is_an_error() -> None:
    assert "nested too deep" in error_of("${" + "(" * 101 + "1" + ")" * 101 + "}")
    assert "nested too deep" in error_of("${" + "-" * 101 + "1}")
    assert "nested too deep" in error_of("${" + "-(" * 51 + "1" + ")" * 51 + "}")


def test_an_integer_literal_has_at_most_nineteen_digits() -> None:
    message = error_of("${" + "1" * 20 + "}")
    assert "integer literal too long: 20 digits" in message


# --- hostile input: each is a SubstitutionError, quickly, never a RecursionError or MemoryError -----------


@pytest.mark.parametrize("value", [
    "${10**10**10}",
    "${" + "(" * 100_000 + "1" + ")" * 100_000 + "}",
    "${" + "1 + " * 2_500 + "1}",
    "${" + "9" * 100_000 + "}",
    "${999999999999999999 * 999999999999999999}",
    "${" + "(" * 500 + "1" + ")" * 500 + "}",
    "${" + "-" * 900 + "1}",
    "${" + "(" * 100_000 + "}",
    "${" + ")" * 900 + "}",
    "${" + "9" * 19 + " * " + "9" * 19 + "}",
    "${" + " * ".join(["999999999"] * 90) + "}",
    "${" + "a*" * 300 + "a}",
])
def test_hostile_expressions_fail_cleanly(value: str) -> None:
    message = error_of(value, {"a": 10**9})
    assert len(message) < 400  # the expression is shown cut short


def test_a_long_expression_is_refused_before_it_is_read() -> None:
    expression = "1 + " * 2_500 + "1"
    assert len(expression) > 10_000 - 5
    message = error_of("${" + expression + "}")
    assert "too long" in message and "10,001 characters" in message


def test_a_long_whole_value_error_shows_the_value_cut_short() -> None:
    message = error_of("x" * 10_000 + "${a}", {"a": 1})
    assert "whole value" in message and len(message) < 300


def test_the_module_imports_nothing_heavy() -> None:
    code = "import sys, netcheck.substitution; print(sorted(m for m in sys.modules if m.startswith(('netcheck', " \
           "'pydantic', 'yaml'))))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "['netcheck', 'netcheck.substitution']"
