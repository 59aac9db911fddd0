"""Safe arithmetic for the `calculate` tool: an `ast` whitelist walker, never `eval`.

The expression comes from an LLM (and so, indirectly, from any user), so every step is
bounded *before* it runs: the text length, the size of the syntax tree, the literals, the
exponent of every power and the argument of every factorial. Anything outside the
whitelist is refused while walking the tree (`calculator_validation.py`), before any
evaluation starts; this module holds the allowed functions and evaluates checked trees.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable

from routing.agent.tools.calculator_validation import (
    BINARY_OPERATORS,
    CONSTANTS,
    MAX_EXPRESSION_CHARS,
    MAX_MAGNITUDE_DIGITS,
    UNARY_OPERATORS,
    CalculationError,
    Number,
    check_magnitude,
    describe,
    parse_expression,
    validate,
)

__all__ = [
    "CONSTANTS",
    "FUNCTIONS",
    "MAX_EXPRESSION_CHARS",
    "CalculationError",
    "evaluate",
    "format_number",
]

MAX_FACTORIAL_ARG = 170
MAX_ROUND_DIGITS = 15


def _factorial(n: Number) -> int:
    if isinstance(n, float) and n.is_integer():
        n = int(n)
    if not isinstance(n, int) or not 0 <= n <= MAX_FACTORIAL_ARG:
        raise CalculationError(f"factorial needs a whole number from 0 to {MAX_FACTORIAL_ARG}")
    return math.factorial(n)


def _round(value: Number, digits: Number = 0) -> Number:
    if not isinstance(digits, int) or abs(digits) > MAX_ROUND_DIGITS:
        raise CalculationError(
            f"round() digits must be a whole number from -{MAX_ROUND_DIGITS} to {MAX_ROUND_DIGITS}"
        )
    return round(value, digits) if digits else round(value)


def _log(value: Number, base: Number | None = None) -> float:
    return math.log(value) if base is None else math.log(value, base)


# name -> (function, minimum and maximum number of arguments)
FUNCTIONS: dict[str, tuple[Callable[..., Number], int, int]] = {
    "sqrt": (math.sqrt, 1, 1),
    "sin": (math.sin, 1, 1),
    "cos": (math.cos, 1, 1),
    "tan": (math.tan, 1, 1),
    "asin": (math.asin, 1, 1),
    "acos": (math.acos, 1, 1),
    "atan": (math.atan, 1, 1),
    "log": (_log, 1, 2),
    "log10": (math.log10, 1, 1),
    "log2": (math.log2, 1, 1),
    "exp": (math.exp, 1, 1),
    "abs": (abs, 1, 1),
    "round": (_round, 1, 2),
    "floor": (math.floor, 1, 1),
    "ceil": (math.ceil, 1, 1),
    "min": (min, 2, 20),
    "max": (max, 2, 20),
    "factorial": (_factorial, 1, 1),
}


def evaluate(expression: str) -> Number:
    """Evaluate an arithmetic expression and return an int or a finite float.

    Raises CalculationError for anything outside the whitelist, invalid syntax, an
    oversized input or result, division by zero and math domain errors.
    """
    tree = parse_expression(expression)
    validate(tree, FUNCTIONS)
    return _evaluate(tree.body)


def format_number(value: Number) -> str:
    """Render a result for a reader: exact integers, floats to 15 significant digits."""
    if isinstance(value, int):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return format(value, ".15g")


def _evaluate(node: ast.expr) -> Number:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        raise CalculationError(f"'{node.id}' is a function: call it, e.g. {node.id}(2)")
    if isinstance(node, ast.UnaryOp):
        return _checked(UNARY_OPERATORS[type(node.op)], _evaluate(node.operand))
    if isinstance(node, ast.BinOp):
        left, right = _evaluate(node.left), _evaluate(node.right)
        if isinstance(node.op, ast.Pow):
            return _checked(_power, left, right)
        return _checked(BINARY_OPERATORS[type(node.op)], left, right)
    if isinstance(node, ast.Call):
        function = FUNCTIONS[node.func.id][0]  # type: ignore[attr-defined]  # validated
        return _checked(function, *(_evaluate(arg) for arg in node.args))
    raise CalculationError(f"{describe(node)} is not allowed in a calculation")


def _power(base: Number, exponent: Number) -> Number:
    """`base ** exponent`, refused up front when the result would be enormous."""
    # Estimating the result's digit count first is what makes 9**9**9 fail at once.
    if exponent > 0 and abs(base) > 1 and exponent * math.log10(abs(base)) > MAX_MAGNITUDE_DIGITS:
        raise CalculationError("the result is too large")
    return base**exponent


def _checked(function: Callable[..., Number], *args: Number) -> Number:
    """Run one step, turning arithmetic failures into CalculationError and bounding it."""
    try:
        result = function(*args)
    except ZeroDivisionError as exc:
        raise CalculationError("division by zero") from exc
    except OverflowError as exc:
        raise CalculationError("the result is too large") from exc
    except (ValueError, TypeError) as exc:
        if isinstance(exc, CalculationError):
            raise
        raise CalculationError(f"math error: {exc}") from exc
    check_magnitude(result)
    return result
