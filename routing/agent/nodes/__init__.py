"""Graph nodes: guards, the classifier, the general and creative agents, fallbacks."""
