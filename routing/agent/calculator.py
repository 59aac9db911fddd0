"""Safe arithmetic for the `calculate` tool: an `ast` whitelist walker, never `eval`.

The expression comes from an LLM (and so, indirectly, from any user), so every step is
bounded *before* it runs: the text length, the size of the syntax tree, the literals, the
exponent of every power and the argument of every factorial. Anything outside the
whitelist — names, attributes, subscripts, strings, containers, lambdas, comprehensions,
bitwise operators — is refused while walking the tree, before any evaluation starts.
"""

from __future__ import annotations

import ast
import math
import operator
from collections.abc import Callable

MAX_EXPRESSION_CHARS = 200
MAX_NODES = 100
# Integers stay exact up to this magnitude; floats overflow a little above it anyway.
MAX_MAGNITUDE = 10**300
MAX_MAGNITUDE_DIGITS = 300
MAX_FACTORIAL_ARG = 170
MAX_ROUND_DIGITS = 15

Number = int | float


class CalculationError(ValueError):
    """The expression is not allowed, not valid, or has no finite real result."""


_BINARY_OPERATORS: dict[type[ast.operator], Callable[[Number, Number], Number]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    # ast.Pow is handled by _power, which bounds the result before computing it.
}
_UNARY_OPERATORS: dict[type[ast.unaryop], Callable[[Number], Number]] = {
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
_ALLOWED_OPERATORS = {*_BINARY_OPERATORS, *_UNARY_OPERATORS, ast.Pow}
CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e, "tau": math.tau}


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
    tree = _parse(expression)
    _validate(tree)
    return _evaluate(tree.body)


def format_number(value: Number) -> str:
    """Render a result for a reader: exact integers, floats to 15 significant digits."""
    if isinstance(value, int):
        return str(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return format(value, ".15g")


def _parse(expression: str) -> ast.Expression:
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


def _validate(tree: ast.Expression) -> None:
    """Refuse every node outside the whitelist before anything is evaluated."""
    for node in ast.walk(tree):
        if isinstance(node, ast.operator | ast.unaryop) and type(node) not in _ALLOWED_OPERATORS:
            raise CalculationError(_REFUSED_OPERATORS.get(type(node), "unsupported operator"))
        if isinstance(node, ast.Constant):
            _check_literal(node.value)
        elif isinstance(node, ast.Call):
            _check_call(node)
        elif isinstance(node, ast.Name):
            if node.id not in CONSTANTS and node.id not in FUNCTIONS:
                raise CalculationError(f"unknown name '{node.id}'")
        elif isinstance(node, ast.BinOp | ast.UnaryOp):
            # The operator node itself is visited after this one; name it here already.
            if type(node.op) in _REFUSED_OPERATORS:
                raise CalculationError(_REFUSED_OPERATORS[type(node.op)])
        elif not isinstance(node, ast.Expression | ast.Load | ast.operator | ast.unaryop):
            raise CalculationError(f"{_describe(node)} is not allowed in a calculation")


def _check_literal(value: object) -> None:
    if isinstance(value, str | bytes):
        raise CalculationError("text is not allowed, only numbers")
    # bool is an int subclass; complex numbers (1j) have no place in a real result.
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise CalculationError("only real numbers are allowed")
    _check_magnitude(value)


def _check_call(node: ast.Call) -> None:
    if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
        raise CalculationError("only these functions are allowed: " + ", ".join(FUNCTIONS))
    if node.keywords or any(isinstance(arg, ast.Starred) for arg in node.args):
        raise CalculationError("functions take plain positional arguments only")
    _, low, high = FUNCTIONS[node.func.id]
    if not low <= len(node.args) <= high:
        expected = str(low) if low == high else f"{low} to {high}"
        raise CalculationError(f"{node.func.id}() takes {expected} argument(s)")


def _describe(node: ast.AST) -> str:
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


def _evaluate(node: ast.expr) -> Number:
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name):
        if node.id in CONSTANTS:
            return CONSTANTS[node.id]
        raise CalculationError(f"'{node.id}' is a function: call it, e.g. {node.id}(2)")
    if isinstance(node, ast.UnaryOp):
        return _checked(_UNARY_OPERATORS[type(node.op)], _evaluate(node.operand))
    if isinstance(node, ast.BinOp):
        left, right = _evaluate(node.left), _evaluate(node.right)
        if isinstance(node.op, ast.Pow):
            return _checked(_power, left, right)
        return _checked(_BINARY_OPERATORS[type(node.op)], left, right)
    if isinstance(node, ast.Call):
        function = FUNCTIONS[node.func.id][0]  # type: ignore[attr-defined]  # validated
        return _checked(function, *(_evaluate(arg) for arg in node.args))
    raise CalculationError(f"{_describe(node)} is not allowed in a calculation")


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
    _check_magnitude(result)
    return result


def _check_magnitude(value: object) -> None:
    if isinstance(value, complex):
        raise CalculationError("the result is not a real number")
    if isinstance(value, float) and not math.isfinite(value):
        raise CalculationError("the result is not a finite number")
    if abs(value) > MAX_MAGNITUDE:  # type: ignore[arg-type]
        raise CalculationError("the result is too large")
