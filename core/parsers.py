"""The JSON parser every endpoint uses: DRF's, plus a clear 400 for absurd nesting.

DRF's JSONParser turns ValueError into a ParseError but lets RecursionError through, so a
10 kB body of nested brackets would be a 500 on every JSON endpoint, login included.
"""

from __future__ import annotations

from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser


class GatewayJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError("JSON parse error - the document is nested too deeply.") from None
