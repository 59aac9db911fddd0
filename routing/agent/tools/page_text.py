"""Readable text from a fetched page: scripts and styles dropped, whitespace collapsed.

HTML goes through lxml (libxml2, linear time) rather than the stdlib `html.parser`, whose
CPython 3.11 versions take quadratic time on inputs such as a page of unclosed `<!--`: a
hostile page could otherwise hold the event loop for minutes within the 1 MB cap.
"""

from __future__ import annotations

from lxml import etree
from lxml import html as lxml_html

SKIPPED_TAGS = ("script", "style", "noscript", "template", "svg", "iframe", "object", "head")
BLOCK_TAGS = (
    "p", "div", "br", "li", "tr", "td", "th", "h1", "h2", "h3", "h4", "h5", "h6",
    "section", "article", "header", "footer", "blockquote", "pre", "table", "ul", "ol",
)  # fmt: skip


def extract_text(document: str, content_type: str = "text/html") -> tuple[str, str]:
    """Return (title, readable text) of a page; plain text is only whitespace-collapsed."""
    if content_type == "text/plain":
        return "", collapse(document)
    if not document.strip():
        return "", ""
    # Bytes with an explicit encoding: lxml refuses str input carrying an XML declaration.
    parser = lxml_html.HTMLParser(
        encoding="utf-8", remove_comments=True, remove_pis=True, no_network=True
    )
    try:
        root = lxml_html.document_fromstring(document.encode("utf-8"), parser=parser)
    except (etree.ParserError, ValueError):
        return "", ""
    title = collapse(root.findtext(".//title") or "")
    for element in list(root.iter(*SKIPPED_TAGS)):
        element.drop_tree()  # keeps the text that follows the element
    for element in root.iter(*BLOCK_TAGS):
        # Line breaks around blocks, so paragraphs do not run into each other.
        element.text = "\n" + (element.text or "")
        element.tail = "\n" + (element.tail or "")
    return title, collapse(root.text_content())


def collapse(text: str) -> str:
    """Collapse runs of spaces within lines and drop blank lines."""
    lines = (" ".join(line.split()) for line in text.splitlines())
    return "\n".join(line for line in lines if line)
