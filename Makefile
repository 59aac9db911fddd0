.PHONY: run test fake-ollama lint format bench soak

run:  ## start the gateway on 127.0.0.1:$(PORT) (default 8000)
	bash scripts/run.sh

test:  ## the whole test suite against real PostgreSQL and Redis
	bash scripts/test.sh

fake-ollama:  ## the Ollama test server on 127.0.0.1:11434, to try the gateway without Ollama
	bash scripts/venv.sh requirements-dev.txt
	.venv/bin/python -m ollama_testserver --port 11434

lint:
	bash scripts/venv.sh requirements-dev.txt
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .

format:
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

bench:  ## benchmark suite: gateway vs. the Ollama test server direct; writes docs/BENCHMARKS.md
	bash scripts/venv.sh requirements-dev.txt
	bash scripts/system-deps.sh
	bash scripts/services.sh
	.venv/bin/python -m bench $(BENCH_ARGS)

SOAK_SECONDS ?= 1200
soak:  ## mixed load on one Daphne for SOAK_SECONDS (default 1200): memory over time, failures, ledger rows
	bash scripts/venv.sh requirements-dev.txt
	bash scripts/services.sh
	SOAK_SECONDS=$(SOAK_SECONDS) .venv/bin/python -m bench.soak $(SOAK_ARGS)
