# openedx-idv: `make help` lists the targets. The two a newcomer needs: `make demo` and `make test`.
.DEFAULT_GOAL := help
.PHONY: help requirements requirements-integration demo demo-setup test test-plugins test-integration test-minimum \
        test-generated test-postgres \
        bench bench-quick quality lint format docs upgrade clean pii-report

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
ISTAMP := $(VENV)/.installed-integration
TEST_PLUGINS := build/test-plugins
DEMO_ADDR ?= 127.0.0.1:8000
# The provider distributions (providers/<name>/), installed editable beside the core in every environment.
PROVIDERS := $(patsubst %/setup.cfg,%,$(wildcard providers/*/setup.cfg))
PY312 ?= /root/.pyenv/versions/3.12.1/bin/python3.12

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-20s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python requirements/dev.txt requirements/py312.txt setup.cfg setup.py $(addsuffix /setup.cfg,$(PROVIDERS))
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements/dev.txt
	@# edx-event-bus-redis: 0.6.x (in dev.txt) on Python 3.11, 1.x on Python 3.12 and later.
	if $(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 12))'; then \
		$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements/py312.txt; fi
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation \
		-e . $(addprefix -e ./,$(PROVIDERS))
	touch $@

requirements: $(STAMP) ## create .venv (if missing), install the pinned development requirements, the core and providers/*

$(ISTAMP): $(STAMP) requirements/integration.txt
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements/integration.txt
	touch $@

requirements-integration: $(ISTAMP) ## add the MariaDB and Redis clients (needs default-libmysqlclient-dev, pkg-config)

# The test provider is a real distribution, pip-installed into its own folder that only the tests put on
# sys.path (pytest's pythonpath), so the demo never sees it.
$(TEST_PLUGINS)/.installed: $(STAMP) $(shell find tests/test_provider -name '*.py' -o -name 'setup.cfg' 2>/dev/null)
	rm -rf $(TEST_PLUGINS)
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation \
		--target $(TEST_PLUGINS) ./tests/test_provider
	rm -rf tests/test_provider/build
	touch $@

test-plugins: $(TEST_PLUGINS)/.installed

# Two runs, one coverage report: the default suite, then "LMS mode" (tests/settings_lms.py: a stand-in of the
# platform's verify_student app, ATOMIC_REQUESTS on) for tests/lms. The coverage gate applies to both together.
test: $(STAMP) test-plugins ## run the default test suite and the LMS-mode suite (SQLite, in-process), with coverage
	$(BIN)/pytest --cov-fail-under=0 --cov-report=
	$(BIN)/pytest --ds=tests.settings_lms --cov-append tests/lms

# The dependency floors (requirements/minimum.txt: the oldest release of every direct dependency that works, at
# or below what the Ulmo and Verawood LMS images pin), in a venv built afresh, and both suites on them.
MIN_PYTHON ?= $(PYTHON)
MIN_VENV ?= build/venv-minimum
MIN_PLUGINS := build/test-plugins-minimum

test-minimum: ## run the default and LMS-mode suites on the dependency floors (requirements/minimum.txt), fresh venv
	$(MIN_PYTHON) requirements/check_minimum.py
	rm -rf $(MIN_VENV) $(MIN_PLUGINS)
	$(MIN_PYTHON) -m venv $(MIN_VENV)
	$(MIN_VENV)/bin/python -m pip install -q --disable-pip-version-check --no-compile \
		-r requirements/minimum.txt -r requirements/minimum-test.txt
	$(MIN_VENV)/bin/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation \
		-e . $(addprefix -e ./,$(PROVIDERS))
	$(MIN_VENV)/bin/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation \
		--target $(MIN_PLUGINS) ./tests/test_provider
	rm -rf tests/test_provider/build
	$(MIN_VENV)/bin/python -m pip check
	$(MIN_VENV)/bin/pytest -o pythonpath=". $(MIN_PLUGINS)" -p no:cacheprovider --no-cov -q
	$(MIN_VENV)/bin/pytest -o pythonpath=". $(MIN_PLUGINS)" -p no:cacheprovider --no-cov -q --ds=tests.settings_lms tests/lms

# The provider generator, as an author uses it: generate, install with openedx-idv into a fresh venv and run
# the generated tests there; then install it beside the demo and fetch its start page.
GEN := build/generated
GEN_ID := emailcode

test-generated: $(STAMP) ## generate a provider (startprovider), run its own tests in a fresh venv, serve it in the demo
	rm -rf $(GEN) && mkdir -p $(GEN)
	$(BIN)/python -m idv_core.startprovider $(GEN_ID) --dest $(GEN)
	$(PYTHON) -m venv $(GEN)/venv
	$(GEN)/venv/bin/python -m pip install -q --disable-pip-version-check -c requirements/test.txt \
		. "./$(GEN)/openedx-idv-$(GEN_ID)[test]"
	cd $(GEN)/openedx-idv-$(GEN_ID) && ../venv/bin/pytest -p no:cacheprovider
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation \
		--target $(GEN)/demo-plugins ./$(GEN)/openedx-idv-$(GEN_ID)
	PYTHONPATH=$(GEN)/demo-plugins DATABASE_URL=sqlite:///$(GEN)/demo.sqlite3 $(BIN)/python demo/manage.py migrate -v 0
	PYTHONPATH=$(GEN)/demo-plugins DATABASE_URL=sqlite:///$(GEN)/demo.sqlite3 $(BIN)/python demo/manage.py idv_providers \
		| grep -A3 "^$(GEN_ID)  \[enabled\]  openedx-idv-$(GEN_ID) 0.1.0"
	PYTHONPATH=$(GEN)/demo-plugins DATABASE_URL=sqlite:///$(GEN)/demo.sqlite3 $(BIN)/python demo/manage.py shell -c \
		"$$GENERATED_START_PAGE_CHECK"

export GENERATED_START_PAGE_CHECK
define GENERATED_START_PAGE_CHECK
from django.contrib.auth import get_user_model
from django.test import Client
client = Client()
client.force_login(get_user_model().objects.get_or_create(username="generated-provider-check")[0])
response = client.get("/idv/$(GEN_ID)/start", HTTP_HOST="127.0.0.1")
assert response.status_code == 200 and b"Start verification with" in response.content, response.status_code
print("the demo serves /idv/$(GEN_ID)/start:", response.status_code)
endef

# The read path's own SQL (idv_core.read_sql) against the ORM, and its query counts, on PostgreSQL too.
READ_PATH_TESTS := tests/core/test_read_path.py tests/core/test_read_cache.py tests/core/test_query_counts.py \
	tests/core/test_api_read.py

test-integration: $(ISTAMP) test-plugins ## run every test on the real MariaDB, Redis and Chromium; the read path on PostgreSQL
	$(BIN)/pytest -m "integration or not integration" --ds=tests.settings_integration --no-cov tests
	$(BIN)/pytest -m "integration or not integration" --ds=tests.settings_lms_integration --no-cov tests/lms
	$(BIN)/pytest --ds=tests.settings_postgres --no-cov $(READ_PATH_TESTS)

test-postgres: $(ISTAMP) test-plugins ## run the default test suite on PostgreSQL (127.0.0.1:5432, database test)
	$(BIN)/pytest --ds=tests.settings_postgres --no-cov tests

bench: $(ISTAMP) ## the benchmark (SQLite and MariaDB tables, JSON in bench/results/), then the older benchmarks
	$(BIN)/python -m bench.suite
	$(BIN)/python -m bench
	$(BIN)/python -m bench.manual_import
	$(BIN)/python -m bench.persona_webhook
	$(BIN)/python -m bench.outbox
	$(BIN)/python -m bench.platform_mirror

bench-quick: $(ISTAMP) ## the benchmark on small tables with few runs (under 2 minutes; CI runs it, figures not asserted)
	$(BIN)/python -m bench.suite --quick

demo-setup: $(STAMP)
	$(BIN)/python demo/manage.py migrate --noinput -v 0
	$(BIN)/python demo/manage.py idv_demo_setup --url http://$(DEMO_ADDR)/

demo: demo-setup ## build .venv, migrate a SQLite database, create demo users and serve the demo host
	@echo ""
	@echo "  openedx-idv demo: http://$(DEMO_ADDR)/   (stop with Ctrl-C)"
	@echo ""
	DEMO_BASE_URL=http://$(DEMO_ADDR) $(BIN)/python demo/manage.py runserver --noreload $(DEMO_ADDR)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP) ## format and auto-fix with ruff
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

quality: lint test-plugins ## every static check: ruff, import contracts, Django checks, migrations, PII annotations
	PYTHONPATH=.:tests/test_provider $(BIN)/lint-imports
	@# The test host warns (idv_core.W001) about its deliberately broken test providers: fail on errors only.
	DJANGO_SETTINGS_MODULE=tests.settings PYTHONPATH=.:$(TEST_PLUGINS) $(BIN)/django-admin check --fail-level ERROR
	DJANGO_SETTINGS_MODULE=tests.settings PYTHONPATH=.:$(TEST_PLUGINS) $(BIN)/django-admin makemigrations --check --dry-run
	$(BIN)/python demo/manage.py check --fail-level ERROR
	$(MAKE) --no-print-directory pii-report

pii-report: $(STAMP) test-plugins ## the PII annotation report (code-annotations): every model annotated
	DJANGO_SETTINGS_MODULE=tests.settings PYTHONPATH=.:$(TEST_PLUGINS) $(BIN)/code_annotations django_find_annotations \
		--config_file .pii_annotations.yml --lint --report --coverage

docs: $(STAMP) ## build the Sphinx docs; warnings are errors
	$(BIN)/sphinx-build -W --keep-going -q -b html docs docs/_build/html

upgrade: export CUSTOM_COMPILE_COMMAND=make upgrade
upgrade: $(STAMP) ## recompile the pinned requirements from requirements/*.in
	for f in base test integration quality doc pip-tools dev; do \
		$(BIN)/pip-compile -q --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links --upgrade -o requirements/$$f.txt requirements/$$f.in || exit 1; \
	done
	@# The Python 3.12 extras are resolved by Python 3.12, against test.txt's pins.
	rm -rf build/pip-tools-py312 && $(PY312) -m venv build/pip-tools-py312
	build/pip-tools-py312/bin/pip install -q --disable-pip-version-check -r requirements/pip-tools.txt
	build/pip-tools-py312/bin/pip-compile -q --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links --upgrade -o requirements/py312.txt requirements/py312.in

clean: ## remove build products, caches and the demo database (keeps .venv)
	rm -rf build dist *.egg-info .pytest_cache .ruff_cache .coverage htmlcov docs/_build demo/db.sqlite3
