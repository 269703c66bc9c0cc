# storybot: `make run` and `make test` are all a newcomer needs; both set up .venv on first use.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

.DEFAULT_GOAL := help
.PHONY: help install run chat index test test-fast check lint format typecheck eval bench soak clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP) ## create .venv and install the project with its dev tools

run: $(STAMP) ## the Telegram bot if TELEGRAM_BOT_TOKEN is set, else a console chat
	$(BIN)/storybot start

chat: $(STAMP) ## console chat with the same answers as the bot
	$(BIN)/storybot chat

index: $(STAMP) ## build or update the search index
	$(BIN)/storybot index

test: $(STAMP) ## the full test suite (includes a few tests with the real model)
	$(PY) -m pytest -q

test-fast: $(STAMP) ## tests that do not load the real model
	$(PY) -m pytest -q -m 'not model and not soak'

check: $(STAMP) lint typecheck test ## lint, type-check and test

lint: $(STAMP) ## ruff lint and format check
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP) ## apply ruff's formatting and safe fixes
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

typecheck: $(STAMP) ## mypy over bot/, embeddings/ and tests/
	$(BIN)/mypy

# Further sets, each run when present; -q keeps a hold-out's questions off the screen.
EVAL_MORE := $(wildcard tests/data/calibration_questions.jsonl tests/data/nonenglish_questions.jsonl \
                          tests/data/group_questions.jsonl \
                          tests/data/fresh_holdout_questions.jsonl \
                          tests/data/fresh_holdout2_questions.jsonl \
                          tests/data/fresh_holdout3_questions.jsonl \
                          tests/data/fresh_holdout4_questions.jsonl \
                          tests/data/fresh_holdout5_questions.jsonl \
                          tests/data/fresh_holdout6_questions.jsonl \
                          tests/data/fresh_holdout7_questions.jsonl \
                          tests/data/fresh_holdout8_questions.jsonl \
                          tests/data/fresh_holdout9_questions.jsonl \
                          tests/data/fresh_holdout10_questions.jsonl)

eval: $(STAMP) ## retrieval quality on the question sets
	$(BIN)/storybot eval tests/data/dev_questions.jsonl --variants
	$(BIN)/storybot eval tests/data/extra_questions.jsonl --variants
	$(BIN)/storybot eval tests/data/holdout_questions.jsonl --variants
	@for f in $(EVAL_MORE); do echo "$(BIN)/storybot eval $$f -q"; $(BIN)/storybot eval $$f -q || exit 1; done

bench: $(STAMP) ## speed benchmarks; updates docs/BENCHMARKS.md
	$(BIN)/storybot bench

soak: $(STAMP) ## long load tests
	$(PY) -m pytest -q -m soak

clean: ## remove the virtualenv and the index
	rm -rf $(VENV) .index
