"""The calculator's whitelist, and the walker that enforces it before anything runs.

`parse_expression` bounds the text and the size of the syntax tree; `validate` refuses
every node outside the whitelist — names, attributes, subscripts, strings, containers,
lambdas, comprehensions, bitwise operators — and every literal out of range, so
`calculator.evaluate` only ever walks a tree made of numbers, arithmetic and the allowed
functions and constants.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable, Mapping

MAX_EXPRESSION_CHARS = 200
MAX_NODES = 100
# Integers stay exact up to this magnitude; floats overflow a little above it anyway.
MAX_MAGNITUDE = 10**300
MAX_MAGNITUDE_DIGITS = 300

Number = int | float
# name -> (function, minimum and maximum number of arguments)
FunctionTable = Mapping[str, tuple[Callable[..., Number], int, int]]


class CalculationError(ValueError):
    """The expression is not allowed, not valid, or has no finite real result."""


BINARY_OPERATORS: dict[type[ast.operator], Callable[[Number, Number], Number]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    # ast.Pow is handled by calculator._power, which bounds the result before computing it.
}
UNARY_OPERATORS: dict[type[ast.unaryop], Callable[[Number], Number]] = {
    ast.UAdd: operator.pos,
    ast.USub: operator.neg,
}
_REFUSED_OPERATORS: dict[type[ast.AST], str] = {
    ast.BitXor: "'^' is not supported (use ** for powers)",
    ast.BitAnd: "'&' is not supported",
    ast.BitOr: "'|' is not supported",
    ast.LShift: "'<<' is not supported",
    ast.RShift: "'>>' is not supported",
    ast.MatMult: "'@' is not supported",
    ast.Invert: "'~' is not supported",
    ast.Not: "'not' is not supported",
}
_ALLOWED_OPERATORS = {*BINARY_OPERATORS, *UNARY_OPERATORS, ast.Pow}
CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e, "tau": math.tau}


def parse_expression(expression: str) -> ast.Expression:
    """Parse `expression`, refusing empty, over-long, invalid or over-complex input."""
    if not isinstance(expression, str) or not expression.strip():
        raise CalculationError("the expression is empty")
    if len(expression) > MAX_EXPRESSION_CHARS:
        raise CalculationError(f"the expression is longer than {MAX_EXPRESSION_CHARS} characters")
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except (SyntaxError, ValueError, RecursionError, MemoryError) as exc:
        raise CalculationError("the expression is not valid arithmetic") from exc
    if sum(1 for _ in ast.walk(tree)) > MAX_NODES:
        raise CalculationError("the expression is too complex")
    return tree


def validate(tree: ast.Expression, functions: FunctionTable) -> None:
    """Refuse every node outside the whitelist before anything is evaluated."""
    for node in ast.walk(tree):
        if isinstance(node, ast.operator | ast.unaryop) and type(node) not in _ALLOWED_OPERATORS:
            raise CalculationError(_REFUSED_OPERATORS.get(type(node), "unsupported operator"))
        if isinstance(node, ast.Constant):
            _check_literal(node.value)
        elif isinstance(node, ast.Call):
            _check_call(node, functions)
        elif isinstance(node, ast.Name):
            if node.id not in CONSTANTS and node.id not in functions:
                raise CalculationError(f"unknown name '{node.id}'")
        elif isinstance(node, ast.BinOp | ast.UnaryOp):
            # The operator node itself is visited after this one; name it here already.
            if type(node.op) in _REFUSED_OPERATORS:
                raise CalculationError(_REFUSED_OPERATORS[type(node.op)])
        elif not isinstance(node, ast.Expression | ast.Load | ast.operator | ast.unaryop):
            raise CalculationError(f"{describe(node)} is not allowed in a calculation")


def _check_literal(value: object) -> None:
    if isinstance(value, str | bytes):
        raise CalculationError("text is not allowed, only numbers")
    # bool is an int subclass; complex numbers (1j) have no place in a real result.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CalculationError("only real numbers are allowed")
    check_magnitude(value)


def _check_call(node: ast.Call, functions: FunctionTable) -> None:
    if not isinstance(node.func, ast.Name) or node.func.id not in functions:
        raise CalculationError("only these functions are allowed: " + ", ".join(functions))
    if node.keywords or any(isinstance(arg, ast.Starred) for arg in node.args):
        raise CalculationError("functions take plain positional arguments only")
    _, low, high = functions[node.func.id]
    if not low <= len(node.args) <= high:
        expected = str(low) if low == high else f"{low} to {high}"
        raise CalculationError(f"{node.func.id}() takes {expected} argument(s)")


def describe(node: ast.AST) -> str:
    """A node's kind in words, for the refusal message."""
    names = {
        ast.Attribute: "attribute access",
        ast.Subscript: "indexing",
        ast.Lambda: "a lambda",
        ast.Compare: "a comparison",
        ast.BoolOp: "a boolean operator",
        ast.IfExp: "a conditional",
        ast.NamedExpr: "an assignment",
    }
    if isinstance(node, ast.List | ast.Tuple | ast.Set | ast.Dict):
        return "a container"
    if isinstance(node, ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
        return "a comprehension"
    return names.get(type(node), type(node).__name__)


def check_magnitude(value: object) -> None:
    """Refuse a complex, non-finite or over-large value (a literal or a step's result)."""
    if isinstance(value, complex):
        raise CalculationError("the result is not a real number")
    if isinstance(value, float) and not math.isfinite(value):
        raise CalculationError("the result is not a finite number")
    if abs(value) > MAX_MAGNITUDE:  # type: ignore[arg-type]
        raise CalculationError("the result is too large")
