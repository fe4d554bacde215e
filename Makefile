# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
LOCALE := .locale/en_US.UTF-8
STAMP := $(VENV)/.installed

.PHONY: run test setup demo clean bench

run: setup demo
	@echo ""
	@echo "  Shop:  http://127.0.0.1:8000/"
	@echo "  Admin: http://127.0.0.1:8000/admin/  (demo staff account: admin / demo-admin)"
	@echo "  Buyer: demo-buyer / demo-buyer"
	@echo ""
	$(BIN)/python manage.py runserver 127.0.0.1:8000

test: setup
	$(BIN)/python -m pytest $(PYTEST_ARGS)

setup: $(STAMP) $(LOCALE)

# Benchmarks against their baselines (bench/README.md); BENCH_ARGS=--quick or --full.
BENCHMARKS := catalogue checkout delivery zip_build download_limit
bench: setup
	@for b in $(BENCHMARKS); do echo "== bench/$$b.py $(BENCH_ARGS)"; $(BIN)/python bench/$$b.py $(BENCH_ARGS) || exit 1; done

demo:
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo

$(STAMP): requirements.txt requirements-test.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $(STAMP)

# Cartridge reads money formats from this locale; generated without root.
$(LOCALE):
	mkdir -p .locale
	localedef -i en_US -f UTF-8 $(LOCALE)

clean:
	rm -rf $(VENV) .locale var
