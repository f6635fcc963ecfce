# The two commands: `make run` and `make test`. Everything else is a step they call.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PORT ?= 5005

.PHONY: help setup model run prod test test-unit validate test-stories test-conversations eval bench lint clean

help:
	@echo "make run    install (first time), train (when the data changed) and start on localhost:$(PORT)"
	@echo "make test   unit tests, data validation, training, test stories, end-to-end conversations"
	@echo "make prod   two Rasa replicas + action server behind nginx, PostgreSQL + Redis (docs/production.md)"
	@echo "make bench  latency, throughput, memory and training time against a stock Rasa baseline"
	@echo "make lint   ruff and mypy on bot/, actions/, evaluation/ (config in pyproject.toml)"
	@echo "make eval   the clinical vignettes through REST; report in results/eval.md (URL=http://... to use a running server)"

setup:
	@scripts/setup.sh

model: setup
	@scripts/train.sh

run: model
	@PORT=$(PORT) scripts/run.sh

test: setup
	@scripts/test.sh

# Production topology: nginx (sticky) -> 2 Rasa replicas -> action server; PostgreSQL + Redis.
# The load balancer listens on 8080 unless PORT is set in the environment.
prod: model
	@scripts/setup_prod.sh
	@scripts/scale_out.sh

# The steps of `make test`, one at a time.
test-unit: setup
	@scripts/test.sh unit
validate: setup
	@scripts/test.sh validate
test-stories: model
	@scripts/test.sh stories
test-conversations: model
	@scripts/test.sh conversations

# The clinical evaluation suite (tests/clinical): every vignette through the REST channel, a
# simulated patient answering in its own words; results/eval.json + results/eval.md. With URL set
# it talks to a server you started (`make run`); otherwise it starts its own.
eval: model
	@. scripts/env.sh && .venv/bin/python -m evaluation $(if $(URL),--url $(URL),)

# Benchmark against the stock `rasa init` bot (~10-13 min on 2 cores; not part of `make test`).
bench: model
	@scripts/bench.sh

# ruff (unused names, likely bugs) and mypy (the type hints) on the Python code; config in pyproject.toml.
lint: setup
	@.venv/bin/ruff check bot actions evaluation
	@.venv/bin/mypy

clean:
	rm -rf models results .pytest_cache
