"""Substitution (FORMAT.md §8): the ``"${…}"`` values in a block's layers, computed from its params.

A value whose whole text is ``"${" expression "}"`` is replaced by the value of
the expression:

* a single param name, ``"${padding}"``, takes the param's value whatever it is
  (an integer, ``same``, a size mapping, a list, null), as is;
* anything else is exact integer arithmetic on literals and params::

      expression := term (("+" | "-") term)*
      term       := unary (("*" | "//" | "%") unary)*
      unary      := ("-" | "+") unary | primary
      primary    := INTEGER | NAME | "(" expression ")"
      INTEGER    := [0-9]+                     at most 19 digits
      NAME       := [A-Za-z_][A-Za-z0-9_]*     a param, whose value is an integer

  with Python's meaning: signs bind tightest, then ``* // %``, then ``+ -``,
  each left-associative; ``//`` and ``%`` round toward minus infinity. With
  ``filters: 64, kernel: 7``: ``"${filters * 4}"`` is 256, ``"${kernel // 2}"``
  is 3, ``"${(kernel - 1) // 2 + 1}"`` is 4 and ``"${-7 // 2}"`` is -4.

Nothing else: no ``/``, no ``**``, no floats, no calls, no attributes, no
comparisons. A string holding ``${`` that is not one whole ``${…}``
(``"conv${i}"``, ``"${a}${b}"``, ``"${a"``) is an error too. Only values are
substituted, never the keys of a mapping.

Every problem raises ``SubstitutionError``, whose ``message`` shows the
expression as written: ``"${filters // 0}": division by zero (64 // 0)``.

Bounds keep the cost tiny whatever the input: an expression has at most 1,000
characters, parentheses and signs nest at most 100 deep, a literal has at most
19 digits, and every value, intermediate or final, is at most 10¹⁸ in
magnitude, checked before a product is computed, so no large integer is ever
built. The parser is an operator-precedence (shunting-yard) parser with an
explicit stack: it does not recurse, so it does not depend on the caller's
stack depth either; walking lists and mappings does not recurse either.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import TypeAlias, Union

__all__ = [
    "LIMIT", "MAX_DEPTH", "MAX_DIGITS", "MAX_LENGTH", "SubstitutionError", "evaluate", "has_substitution",
    "substitute",
]

LIMIT = 10**18  # the largest magnitude of any value (netcheck.vocabulary.MAX_COUNT)
MAX_LENGTH = 1_000  # characters in an expression
MAX_DEPTH = 100  # parentheses and signs inside one another
MAX_DIGITS = 19  # digits in an integer literal

_SHOWN = 60  # characters of an expression, or of a value, shown in a message
_PARAMS_SHOWN = 10  # known params listed after an unknown name
_BARE_NAME = re.compile(r"\s*([A-Za-z_][A-Za-z0-9_]*)\s*")
_TOKEN = re.compile(r"(?P<space>\s+)|(?P<int>[0-9]+)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)|(?P<op>\*\*|//|[-+*%()])")
_HINTS = {
    "/": ': there is no "/", use "//" (division rounding down)',
    ".": ": only integers, no decimal points or attributes",
    "$": ": substitutions do not nest",
    "{": ": substitutions do not nest",
}
_RANKS = {"+": 1, "-": 1, "*": 2, "//": 2, "%": 2}
_UNARY_RANK = 3
_OPERATIONS: dict[str, Callable[[int, int], int]] = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "//": lambda a, b: a // b,
    "%": lambda a, b: a % b,
}


class SubstitutionError(Exception):
    """A substitution that cannot be computed; ``message`` is the user-facing text (it shows the expression)."""

    message: str

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class _Problem(Exception):
    """What is wrong, without the expression; ``evaluate`` adds it."""


# --- the public functions -------------------------------------------------------------------------------


def has_substitution(value: object) -> bool:
    """True when ``value`` (a str, or a list/dict containing one at any depth, keys aside) contains ``"${"``."""
    pending = [value]
    seen: set[int] = set()
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if "${" in item:
                return True
        elif isinstance(item, (list, dict)) and id(item) not in seen:
            seen.add(id(item))
            pending.extend(item.values() if isinstance(item, dict) else item)
    return False


def substitute(value: object, params: Mapping[str, object]) -> object:
    """``value`` with every ``"${…}"`` replaced, through lists and dict values (never keys), in new containers.

    Raises ``SubstitutionError`` for the first problem found, in document order.
    """
    return _rebuild(value, lambda text: _substitute_text(text, params))


def evaluate(expression: str, params: Mapping[str, object]) -> object:
    """The value of the text inside ``${ }`` (already stripped of ``"${"`` and ``"}"``).

    A bare param name gives the param's value whatever it is (lists and dicts
    copied); anything else must be integer arithmetic and gives an ``int``.
    """
    try:
        return _value(expression, params)
    except _Problem as problem:
        raise SubstitutionError(f'"{_shown("${" + expression + "}")}": {problem}') from None


# --- whole values ---------------------------------------------------------------------------------------


def _substitute_text(text: str, params: Mapping[str, object]) -> object:
    """A string leaf: itself without ``${``, else the value of its one whole ``${…}``."""
    if "${" not in text:
        return text
    return evaluate(_whole_inner(text), params)


def _whole_inner(text: str) -> str:
    """The expression of a value that is one whole ``${…}``; else a SubstitutionError."""
    if text.startswith("${") and text.endswith("}"):
        inner = text[2:-1]
        if "${" not in inner and "}" not in inner:
            return inner
    closed = "}" in text[text.rindex("${"):]
    why = "no text around it, one per value" if closed else 'this "${" is never closed'
    raise SubstitutionError(f'"{_shown(text)}": a substitution must be the whole value, as in "${{filters // 2}}" '
                            f"({why})")


def _value(expression: str, params: Mapping[str, object]) -> object:
    """``evaluate`` without the expression in its errors."""
    if len(expression) > MAX_LENGTH:
        raise _Problem(f"expression too long: {len(expression):,} characters (at most {MAX_LENGTH:,})")
    if not expression.strip():
        raise _Problem('empty substitution: write an expression, as in "${filters}"')
    bare = _BARE_NAME.fullmatch(expression)
    if bare is not None:
        return _copied(_lookup(bare.group(1), params))
    program = _Parser(expression).parse(_tokens(expression))
    _check_names(program, params)
    return _run(program, params)


def _copied(value: object) -> object:
    """``value`` with its lists and dicts copied (all the way down), so that callers never share them."""
    return _rebuild(value, lambda text: text)


# --- tokens ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Token:
    """A piece of an expression: kind ``int``, ``name``, ``op``, ``(``, ``)`` or ``end``; in a program also
    ``unary`` and ``binary``; ``at`` is its 0-based offset in the expression."""

    kind: str
    text: str
    at: int


def _tokens(expression: str) -> Iterator[_Token]:
    """The tokens of an expression, ending with an ``end`` token; read lazily, so problems come in reading order."""
    at = 0
    while at < len(expression):
        match = _TOKEN.match(expression, at)
        if match is None:
            char = expression[at]
            hint = _HINTS.get(char, "")
            raise _Problem(f"syntax error: unexpected character {char!r} at character {at + 1}{hint}")
        kind, text = match.lastgroup or "", match.group()
        if text == "**":
            raise _Problem(f'syntax error: there is no "**" (power), at character {at + 1}')
        if kind == "int" and len(text) > MAX_DIGITS:
            raise _Problem(f"integer literal too long: {len(text):,} digits at character {at + 1} "
                           f"(at most {MAX_DIGITS}; values are at most 10¹⁸)")
        if kind != "space":
            yield _Token(text if text in ("(", ")") else kind, text, at)
        at = match.end()
    yield _Token("end", "", len(expression))


# --- parsing: tokens to a program in postfix order ------------------------------------------------------


class _Parser:
    """Shunting-yard: reads the tokens once, alternating between an operand and an operator, with a stack."""

    def __init__(self, expression: str) -> None:
        self.expression = expression
        self.program: list[_Token] = []  # postfix: operands, then their operator
        self.stack: list[_Token] = []  # "(", unary and binary operators not yet in the program
        self.depth = 0  # "(" and unary signs on the stack

    def parse(self, tokens: Iterator[_Token]) -> list[_Token]:
        """The program of the tokens; a _Problem if they are not an expression."""
        wants_operand = True
        previous: _Token | None = None
        for token in tokens:
            wants_operand = self.operand(token) if wants_operand else self.operator(token, previous)
            previous = token
        return self.program

    def operand(self, token: _Token) -> bool:
        """Read a token where an operand is due; whether one is still due."""
        if token.kind in ("int", "name"):
            self.program.append(token)
            return False
        if token.kind == "(" or token.text in ("+", "-"):
            self.depth += 1
            if self.depth > MAX_DEPTH:
                raise _Problem(f"nested too deep: more than {MAX_DEPTH} parentheses and signs inside one another "
                               f"{self.where(token)}")
            self.stack.append(token if token.kind == "(" else _Token("unary", token.text, token.at))
            return True
        raise _Problem(f'syntax error: missing operand, expected a number, a param or "(" {self.where(token)}')

    def operator(self, token: _Token, previous: _Token | None) -> bool:
        """Read a token where an operator, ``)`` or the end is due; whether an operand is due next."""
        if token.kind == "op":
            self.unstack(_RANKS[token.text])
            self.stack.append(_Token("binary", token.text, token.at))
            return True
        if token.kind == ")":
            self.close(token)
            return False
        if token.kind == "end":
            self.finish()
            return False
        if token.kind == "(" and previous is not None and previous.kind == "name":
            raise _Problem(f"syntax error: there are no function calls, {previous.text!r}(…) "
                           f"{self.where(previous)}")
        raise _Problem(f'syntax error: expected an operator (+ - * // %) or ")" {self.where(token)}')

    def unstack(self, rank: int) -> None:
        """Move the operators that bind at least as tightly as ``rank`` from the stack to the program."""
        while self.stack and self.stack[-1].kind != "(" and _rank(self.stack[-1]) >= rank:
            operator = self.stack.pop()
            self.depth -= operator.kind == "unary"
            self.program.append(operator)

    def close(self, token: _Token) -> None:
        """A ``)``: finish what its ``(`` opened."""
        self.unstack(0)
        if not self.stack:
            raise _Problem(f'syntax error: unbalanced parentheses, this ")" closes nothing {self.where(token)}')
        self.stack.pop()
        self.depth -= 1

    def finish(self) -> None:
        """The end: every ``(`` must be closed."""
        self.unstack(0)
        if self.stack:
            raise _Problem(f'syntax error: unbalanced parentheses, this "(" is never closed '
                           f"{self.where(self.stack[-1])}")

    def where(self, token: _Token) -> str:
        """Where a token is, for a message: its offset and the text from there."""
        if token.kind == "end":
            return "at the end"
        return f'at character {token.at + 1}: "{_shown(self.expression[token.at:].rstrip())}"'


def _rank(operator: _Token) -> int:
    """How tightly an operator on the stack binds."""
    return _UNARY_RANK if operator.kind == "unary" else _RANKS[operator.text]


# --- running a program ----------------------------------------------------------------------------------


def _check_names(program: list[_Token], params: Mapping[str, object]) -> None:
    """Every name, in the order written, is a param whose value is an integer within the bounds."""
    for token in program:
        if token.kind == "name":
            _integer(token.text, _lookup(token.text, params))


def _run(program: list[_Token], params: Mapping[str, object]) -> int:
    """The value of a program whose names are checked."""
    values: list[int] = []
    for token in program:
        if token.kind == "int":
            values.append(_literal(token.text))
        elif token.kind == "name":
            values.append(int(_integer(token.text, params[token.text])))
        elif token.kind == "unary":
            values.append(-values.pop() if token.text == "-" else values.pop())
        else:
            right = values.pop()
            values.append(_apply(token.text, values.pop(), right))
    return values[0]


def _literal(text: str) -> int:
    """An integer literal's value, within the bounds (the tokenizer keeps it to 19 digits)."""
    value = int(text)
    if value > LIMIT:
        raise _Problem(f"out of range: {text} exceeds 10¹⁸")
    return value


def _apply(operator: str, left: int, right: int) -> int:
    """``left operator right``, without ever building a value beyond the bounds."""
    if operator in ("//", "%") and right == 0:
        what = "division" if operator == "//" else "modulo"
        raise _Problem(f"{what} by zero ({left} {operator} 0)")
    if operator == "*" and left != 0 and abs(right) > LIMIT // abs(left):
        raise _Problem(f"out of range: {_operation(operator, left, right)} exceeds 10¹⁸")
    result = _OPERATIONS[operator](left, right)
    if abs(result) > LIMIT:
        raise _Problem(f"out of range: {_operation(operator, left, right)} exceeds 10¹⁸")
    return result


def _operation(operator: str, left: int, right: int) -> str:
    """An operation as text, negative right operands in parentheses."""
    return f"{left} {operator} {right if right >= 0 else f'({right})'}"


# --- params ---------------------------------------------------------------------------------------------


def _lookup(name: str, params: Mapping[str, object]) -> object:
    """A param's value; an unknown name is a _Problem naming the params (and a close one, if any)."""
    if name in params:
        return params[name]
    known = sorted(str(key) for key in params)
    close = difflib.get_close_matches(name, known, n=1)
    suggestion = f"; did you mean {close[0]!r}?" if close else ""
    raise _Problem(f"unknown name {name!r}{suggestion} ({_listed(known)})")


def _listed(known: list[str]) -> str:
    """The known params, for a message: at most ten, then how many more."""
    if not known:
        return "there are no params"
    more = len(known) - _PARAMS_SHOWN
    tail = f", and {more:,} more" if more > 0 else ""
    return "params: " + ", ".join(known[:_PARAMS_SHOWN]) + tail


def _integer(name: str, value: object) -> int:
    """A param's value used in arithmetic: an integer (not a bool) within the bounds, else a _Problem."""
    if not isinstance(value, int) or isinstance(value, bool):
        raise _Problem(f"param {name!r} is {_described(value)}, not an integer; arithmetic needs integers")
    if abs(value) > LIMIT:
        raise _Problem(f"out of range: param {name!r} is {_magnitude(value)}, which exceeds 10¹⁸")
    return value


def _described(value: object) -> str:
    """What a value is, in a few words: ``a mapping``, ``a string ('same')``, ``null``…"""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"a boolean ({str(value).lower()})"
    if isinstance(value, str):
        return f"a string ({_shown(value)!r})"
    if isinstance(value, float):
        return f"a float ({value!r})"
    if isinstance(value, Mapping):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"


def _magnitude(value: int) -> str:
    """An integer for a message, described by its size when it is too long to print."""
    if value.bit_length() > 200:
        return f"an integer of about {int(value.bit_length() * 0.30103):,} digits"
    return str(value)


def _shown(text: str) -> str:
    """Text for a message, cut to a few dozen characters."""
    return text if len(text) <= _SHOWN else text[:_SHOWN - 1] + "…"


# --- walking values -------------------------------------------------------------------------------------

_Container: TypeAlias = Union[list[object], dict[object, object]]


def _rebuild(value: object, leaf: Callable[[str], object]) -> object:
    """``value`` with its lists and dicts rebuilt and each string ``s`` replaced by ``leaf(s)``, in order.

    Iterative, so that depth costs no stack; a container that contains itself is a SubstitutionError.
    """
    if not isinstance(value, (list, dict)):
        return leaf(value) if isinstance(value, str) else value
    root = _empty_like(value)
    pending: list[tuple[Iterator[tuple[object, object]], _Container, int]] = [(_entries(value), root, id(value))]
    open_ids = {id(value)}
    while pending:
        entries, target, source = pending[-1]
        entry = next(entries, None)
        if entry is None:
            pending.pop()
            open_ids.discard(source)
            continue
        key, child = entry
        if isinstance(child, (list, dict)):
            if id(child) in open_ids:
                raise SubstitutionError("a value that contains itself cannot be substituted")
            container = _empty_like(child)
            pending.append((_entries(child), container, id(child)))
            open_ids.add(id(child))
            new: object = container
        else:
            new = leaf(child) if isinstance(child, str) else child
        _store(target, key, new)
    return root


def _empty_like(container: _Container) -> _Container:
    """An empty list or dict, as ``container`` is."""
    return [] if isinstance(container, list) else {}


def _entries(container: _Container) -> Iterator[tuple[object, object]]:
    """A container's (index or key, value) pairs, in order."""
    return iter(enumerate(container)) if isinstance(container, list) else iter(container.items())


def _store(target: _Container, key: object, value: object) -> None:
    """Put a rebuilt value in its rebuilt container (lists are filled in order)."""
    if isinstance(target, list):
        target.append(value)
    else:
        target[key] = value
