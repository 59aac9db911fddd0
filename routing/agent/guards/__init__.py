"""Input guard rules: injection and harm patterns, the literal prefilter."""
