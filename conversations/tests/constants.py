"""Values the conversation tests share."""

QUESTION = "What is the capital of France, and why is it Paris?"
TITLE = "What is the capital of France,"  # the question's first 30 characters
