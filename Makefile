# The two commands a newcomer needs: `make run` and `make test`.
# Debian's own Python (3.11.2 on Debian 12), as docs/deploy.md uses; any
# Python 3.11 to 3.13 works: make PYTHON=python3.13 ...
PYTHON ?= $(firstword $(wildcard /usr/bin/python3) python3)
VENV := .venv
BIN := $(VENV)/bin
LOCALE := .locale/en_US.UTF-8
STAMP := $(VENV)/.installed
# axe-core (package-lock.json), which the browser tests inject into pages.
NODE_STAMP := node_modules/.installed

.PHONY: run run-stripe test lint setup test-packages lint-packages bench-packages demo clean bench

# Debian packages: a venv for the app; nginx, Redis and Chromium, which the stack
# and browser tests drive for real (installed when root, named otherwise).
SETUP_PACKAGES := python3-venv
TEST_PACKAGES := nginx-light redis-server chromium
# xgettext and its tools, which makemessages runs (make lint).
LINT_PACKAGES := gettext
# The benchmarks' servers and their load generator (bench/load.py).
BENCH_PACKAGES := nginx-light redis-server wrk

run: setup demo
	@echo ""
	@echo "  Shop:  http://127.0.0.1:8000/"
	@echo "  Admin: http://127.0.0.1:8000/admin/  (demo staff account: admin / demo-admin)"
	@echo "  Buyer: demo-buyer / demo-buyer"
	@echo "  Support staff (orders and downloads, no status changes): support / demo-support"
	@echo "  Accountant (orders, invoices, payments and refunds, tax report; read only): accountant / demo-accountant"
	@echo "  Cache: this process's memory (no Redis). Production: a Redis for the cache (maxmemory,"
	@echo "  allkeys-lru), apart from the broker's (noeviction): docs/deploy.md, sections 5 and 7"
	@echo ""
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# `make run` with Stripe's test mode: card (and bank transfer) at checkout.
# Needs STRIPE_SECRET_KEY, STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET
# (from `stripe listen`): docs/deploy.md, section 12.
run-stripe: setup demo
	@test -n "$$STRIPE_SECRET_KEY" -a -n "$$STRIPE_WEBHOOK_SECRET" || \
		{ echo "Set STRIPE_SECRET_KEY (sk_test_...) and STRIPE_WEBHOOK_SECRET (stripe listen): docs/deploy.md, section 12"; exit 1; }
	SHOP_PAYMENT_GATEWAY=shop_ext.payments.gateways.pay_by_shoppers_choice SHOP_PAYMENT_METHODS=card,transfer \
		$(BIN)/python manage.py runserver 127.0.0.1:8000

test: setup test-packages $(NODE_STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# ruff's lint rules and formatting (pyproject.toml); `ruff format .` fixes the
# latter. Then makemessages over the code and templates, which must say nothing
# (bin/check-messages: a temporary copy, nothing generated is kept).
lint: setup lint-packages
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	bin/check-messages $(BIN)/python

setup: $(STAMP) $(LOCALE)

test-packages:
	@bin/ensure-debian-packages $(TEST_PACKAGES)

lint-packages:
	@bin/ensure-debian-packages $(LINT_PACKAGES)

bench-packages:
	@bin/ensure-debian-packages $(BENCH_PACKAGES)

# Benchmarks against their baselines (bench/README.md); BENCH_ARGS=--quick or --full.
BENCHMARKS := catalogue pages checkout delivery s3_delivery zip_build stamping download_limit
bench: setup bench-packages
	@for b in $(BENCHMARKS); do echo "== bench/$$b.py $(BENCH_ARGS)"; $(BIN)/python bench/$$b.py $(BENCH_ARGS) || exit 1; done

demo:
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_demo

# --no-deps: the requirements files are the complete, exact set, and this is
# how Mezzanine's Django<5 pin is overridden (see requirements.txt).
$(STAMP): requirements.txt requirements-test.txt
	@bin/ensure-debian-packages $(SETUP_PACKAGES)
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -r requirements-test.txt
	touch $(STAMP)

# Debian's npm only when there is no npm at all: Node.js from elsewhere brings its own.
$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || bin/ensure-debian-packages npm
	npm ci --no-audit --no-fund
	touch $(NODE_STAMP)

# Cartridge reads money formats from this locale; generated without root.
$(LOCALE):
	mkdir -p .locale
	localedef -i en_US -f UTF-8 $(LOCALE)

clean:
	rm -rf $(VENV) .locale var node_modules
