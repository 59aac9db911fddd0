"""The creative agent's tools and the back-ends they call (web search, URL fetch, calculator)."""
