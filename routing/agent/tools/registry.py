"""The creative agent's tools. Each docstring is the tool description the model reads.

Tools never raise into the graph: a refusal or failure comes back as a short sentence
(the constants below), so the model can read it and carry on. `search_web` and
`summarize_url` also attach their sources as the ToolMessage artifact
(`[{"title": ..., "url": ...}]`) for the response's `sources`.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

from langchain_core.tools import BaseTool, tool
from pydantic import ValidationError

from routing.agent.tools.calculator import CalculationError, evaluate, format_number
from routing.agent.tools.url_fetch import UrlFetchError, UrlRefused, fetch_text
from routing.agent.tools.web_search import SearchUnavailable, web_search

MIN_OFFSET_HOURS = -12.0
MAX_OFFSET_HOURS = 14.0

SEARCH_UNAVAILABLE = "Search unavailable: live web results could not be retrieved ({reason})."
SEARCH_NO_RESULTS = "No results found for {query!r}."
CALCULATION_FAILED = "Error: cannot calculate {expression!r}: {reason}."
OFFSET_OUT_OF_RANGE = (
    "Error: timezone_offset must be a number of hours from -12 to +14 (for example 9 for "
    "Korea, -5 for New York)."
)
URL_REFUSED = "Refused: {reason}."
URL_FAILED = "Error: could not read the page: {reason}."
INVALID_ARGUMENTS = "Error: invalid arguments for this tool: {details}."

Sources = list[dict[str, str]]


@tool(response_format="content_and_artifact")
async def search_web(query: str) -> tuple[str, Sources]:
    """Search the web for current information: news, recent events, facts, prices, people.

    Returns up to 5 results, each with a title, URL and snippet. Cite the URLs you use.

    Args:
        query: what to look for, as a few search keywords.
    """
    try:
        hits = await web_search(query)
    except SearchUnavailable as exc:
        return SEARCH_UNAVAILABLE.format(reason=exc), []
    if not hits:
        return SEARCH_NO_RESULTS.format(query=query), []
    lines = [f"{n}. {hit.title}\n   {hit.url}\n   {hit.snippet}" for n, hit in enumerate(hits, 1)]
    return "\n".join(lines), [{"title": hit.title, "url": hit.url} for hit in hits]


@tool
async def calculate(expression: str) -> str:
    """Evaluate an arithmetic expression exactly; use it instead of doing math in your head.

    Supports numbers, + - * / // % ** and parentheses, the constants pi, e and tau, and
    sqrt, sin, cos, tan, asin, acos, atan, log (natural, or log(x, base)), log10, log2,
    exp, abs, round, floor, ceil, min, max and factorial. Angles are in radians.

    Args:
        expression: the expression, for example "(3 + 4) * 2 ** 10" or "sqrt(2) / 2".
    """
    try:
        result = evaluate(expression)
    except CalculationError as exc:
        return CALCULATION_FAILED.format(expression=expression, reason=exc)
    return f"{expression} = {format_number(result)}"


@tool
async def get_datetime(timezone_offset: float = 0) -> str:
    """Get the current date, time and day of the week.

    Args:
        timezone_offset: hours from UTC, from -12 to +14; e.g. 9 for Korea (KST), 1 for
            Paris in winter, -5 for New York in winter, 5.5 for India. Default 0 (UTC).
    """
    if not math.isfinite(timezone_offset) or not (
        MIN_OFFSET_HOURS <= timezone_offset <= MAX_OFFSET_HOURS
    ):
        return OFFSET_OUT_OF_RANGE
    zone = timezone(timedelta(minutes=round(timezone_offset * 60)))
    now = _now().astimezone(zone).replace(microsecond=0)
    utc_offset = now.strftime("%z")
    return (
        f"{now.isoformat()}\n"
        f"Date: {now:%Y-%m-%d} ({now:%A})\n"
        f"Time: {now:%H:%M:%S} (UTC{utc_offset[:3]}:{utc_offset[3:]})"
    )


@tool(response_format="content_and_artifact")
async def summarize_url(url: str) -> tuple[str, Sources]:
    """Read a public web page and return its text (up to 2000 characters) to summarise.

    Only http and https pages on the public internet; local and private network
    addresses are refused. Works for HTML and plain-text pages.

    Args:
        url: the full address, starting with http:// or https://.
    """
    try:
        page = await fetch_text(url)
    except UrlRefused as exc:
        return URL_REFUSED.format(reason=exc.reason), []
    except UrlFetchError as exc:
        return URL_FAILED.format(reason=exc), []
    title = page.title or page.url
    body = page.text or "(the page has no readable text)"
    return f"Title: {title}\nURL: {page.url}\n\n{body}", [{"title": title, "url": page.url}]


def _now() -> datetime:
    """The current time; tests replace it."""
    return datetime.now(UTC)


def _invalid_arguments(error: ValidationError) -> str:
    details = "; ".join(
        f"{'.'.join(str(p) for p in item['loc']) or 'input'}: {item['msg']}"
        for item in error.errors()
    )
    return INVALID_ARGUMENTS.format(details=details)


TOOLS: list[BaseTool] = [search_web, calculate, get_datetime, summarize_url]

for _tool in TOOLS:
    # Bad arguments from the model come back as a message it can correct, not an error.
    _tool.handle_validation_error = _invalid_arguments
