"""Benchmark suite: the gateway measured side by side with direct calls to the Ollama test
server (`python -m bench`, `make bench`); results go to docs/BENCHMARKS.md."""
