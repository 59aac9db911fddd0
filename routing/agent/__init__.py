"""The LangGraph agent: graph, nodes, subgraphs, tools and the runner the chat API calls."""
