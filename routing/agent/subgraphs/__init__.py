"""Subgraphs mounted as nodes of the main graph, each with its own state."""
