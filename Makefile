# Tsunagu: `make run` to try it, `make test` to check it. Everything else is a helper.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 5000
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed
CHROMIUM ?= /usr/bin/chromium
NOTO_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
CARD_FONT ?= $(or $(TSUNAGU_CARD_FONT),/usr/share/fonts/truetype/bizud-gothic/BIZUDPGothic-Regular.ttf)

.PHONY: run test lint fmt translations extract-messages browser fonts bench nginx deploy-test \
	lighthouse clean help

help:
	@echo "make run    set up, migrate, load the demo, serve on http://127.0.0.1:$(PORT)"
	@echo "make test   the whole suite: lint, import contracts, unit and browser tests"
	@echo "make bench  speed figures, as ratios against a baseline measured in the same run"
	@echo "make lint | fmt | translations | clean"

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Tsunagu needs Python 3.11 or newer ($(PYTHON) is older)"; exit 1; }
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test,postgres]'
	touch $(STAMP)

# Catalogues live in the core package (core/translations); a wheel compiles its own (setup.py).
CATALOGUES := core/translations

translations: $(STAMP)
	$(BIN)/pybabel compile -d $(CATALOGUES) -D messages --statistics

extract-messages: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output -w 100 \
		-o $(CATALOGUES)/messages.pot core public_site backoffice directory cards
	$(BIN)/pybabel update -i $(CATALOGUES)/messages.pot -d $(CATALOGUES) -D messages \
		--no-fuzzy-matching -w 100

# QR codes on cards printed from this server lead here (and are marked as samples, since
# http://127.0.0.1 is no address a resident's phone can open); a set value is kept.
run: export TSUNAGU_PUBLIC_BASE_URL ?= http://127.0.0.1:$(PORT)
run: $(STAMP) translations fonts
	$(FLASK) tsunagu init
	$(FLASK) tsunagu demo
	@echo ""
	@echo "  Public site:  http://127.0.0.1:$(PORT)/"
	@echo "  English:      http://127.0.0.1:$(PORT)/en/"
	@echo "  Back office:  http://127.0.0.1:$(PORT)/staff/   (demo account: see above; code:"
	@echo "                .venv/bin/flask --app wsgi tsunagu demo-code)"
	@echo ""
	$(FLASK) run --host 127.0.0.1 --port $(PORT)

# The browser tests drive the system Chromium; install it (and a Japanese font) where we can.
# The npm tools (axe-core, Lighthouse, the Nu Html Checker's vnu.jar) install without their
# scripts: vnu-jar's would download a Java runtime, and Debian's Java is installed instead.
browser:
	@if [ ! -x "$(CHROMIUM)" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing Chromium and a Japanese font from Debian's packages"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				chromium fonts-noto-cjk >/dev/null; \
		else \
			echo "The browser tests need Chromium at $(CHROMIUM)."; \
			echo "Install it: sudo apt-get install chromium fonts-noto-cjk (or set CHROMIUM=/path)"; \
			exit 1; \
		fi; \
	fi
	@if [ ! -f "$(NOTO_FONT)" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing Noto Sans CJK (pages in Chromium, the cards' fallback font)"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				fonts-noto-cjk >/dev/null; \
		else \
			echo "The tests need Noto Sans CJK at $(NOTO_FONT)."; \
			echo "Install it: sudo apt-get install fonts-noto-cjk"; \
			exit 1; \
		fi; \
	fi
	@if ! command -v java >/dev/null; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing Java (for the Nu Html Checker) from Debian's packages"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				default-jre-headless >/dev/null; \
		else \
			echo "The HTML check (tests/test_html_valid.py) needs Java (a java command)."; \
			echo "Install it: sudo apt-get install default-jre-headless"; \
			exit 1; \
		fi; \
	fi
	@if [ ! -f node_modules/axe-core/axe.min.js ] || [ ! -x node_modules/.bin/lighthouse ] || \
		[ ! -f node_modules/vnu-jar/build/dist/vnu.jar ]; then \
		command -v npm >/dev/null || { echo "The accessibility tests need npm (apt-get install npm)"; exit 1; }; \
		npm ci --no-audit --no-fund --silent --ignore-scripts; \
	fi

# Guidance cards are set in BIZ UDPGothic (proportional Latin and digits; the package also holds
# BIZ UDGothic); install it where we can (TSUNAGU_CARD_FONT picks another).
fonts:
	@if [ ! -f "$(CARD_FONT)" ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing the card font (BIZ UDPGothic) from Debian's packages"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				fonts-morisawa-bizud-gothic >/dev/null; \
		else \
			echo "Guidance cards need a Japanese font at $(CARD_FONT)."; \
			echo "Install it: sudo apt-get install fonts-morisawa-bizud-gothic (or set TSUNAGU_CARD_FONT=/path/to/font.ttf)"; \
			exit 1; \
		fi; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

fmt: $(STAMP)
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: $(STAMP) translations browser fonts lint
	CHROMIUM=$(CHROMIUM) $(BIN)/pytest $(PYTEST_ARGS)

# Search, referrals and outreach are measured on PostgreSQL too: on BENCH_DATABASE_URL if set,
# else on the local server if one answers (each run makes a temporary database there, dropped).
LOCAL_PG := postgresql+psycopg://postgres@127.0.0.1:5432/test
# The public pages are loaded by wrk (32 connections); installed here where we can, else the
# bench falls back to its Python client with fewer clients.
bench: $(STAMP) translations fonts
	@if ! command -v wrk >/dev/null; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing wrk (HTTP load generator) from Debian's packages"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
		else \
			echo "wrk is missing (sudo apt-get install wrk): public pages use the Python client"; \
		fi; \
	fi
	$(BIN)/python -m bench
	export BENCH_DATABASE_URL="$${BENCH_DATABASE_URL:-$$(pg_isready -h 127.0.0.1 -p 5432 -q \
		2>/dev/null && echo $(LOCAL_PG))}"; \
		$(BIN)/python -m bench.search && $(BIN)/python -m bench.cards && \
		$(BIN)/python -m bench.referrals && $(BIN)/python -m bench.outreach && \
		$(BIN)/python -m bench.statistics

# The shipped nginx and gunicorn configurations (deploy/), for real on loopback ports: Debian's
# nginx and its brotli module are installed where we can (tests/test_deploy_nginx.py; `make test`
# runs it too).
nginx:
	@if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing nginx from Debian's packages"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null; \
		else \
			echo "The deployment test needs nginx: sudo apt-get install nginx"; exit 1; \
		fi; \
	fi
	@if [ ! -f /usr/lib/nginx/modules/ngx_http_brotli_filter_module.so ]; then \
		if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
			echo "installing nginx's brotli module from Debian's packages"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
				libnginx-mod-http-brotli-filter >/dev/null; \
		else \
			echo "The deployment test needs nginx's brotli module: sudo apt-get install libnginx-mod-http-brotli-filter"; exit 1; \
		fi; \
	fi

deploy-test: $(STAMP) translations nginx
	$(BIN)/pytest tests/test_deploy_nginx.py tests/test_deploy.py $(PYTEST_ARGS)

# Lighthouse (mobile) on the public pages behind the same nginx + gunicorn stack as deploy-test,
# with the system Chromium (tests/lighthouse.py): a table of scores, and a failure if
# accessibility, best practices or SEO is under 100 or performance under 95. Minutes: not in
# `make test`.
lighthouse: $(STAMP) translations nginx browser
	CHROMIUM=$(CHROMIUM) $(BIN)/python -m tests.lighthouse

clean:
	rm -rf $(VENV) node_modules .pytest_cache .ruff_cache .hypothesis
	find . -name '__pycache__' -prune -exec rm -rf {} +
	find $(CATALOGUES) -name '*.mo' -delete
