# openedx-idv: `make help` lists the targets. The two a newcomer needs: `make demo` and `make test`.
.DEFAULT_GOAL := help
.PHONY: help requirements requirements-integration demo demo-setup test test-plugins test-integration test-minimum \
        test-generated test-tutor axe-core dist test-wheels test-postgres \
        bench bench-quick quality lint format docs upgrade clean pii-report \
        extract_translations dummy_translations compile_translations detect_changed_source_translations \
        build_dummy_translations validate_translations

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
ISTAMP := $(VENV)/.installed-integration
RSTAMP := $(VENV)/.installed-release
TEST_PLUGINS := build/test-plugins
# Where `make demo` serves: DEMO_ADDR when given (checked free first), else the first free port from
# 127.0.0.1:8000 on (demo/demo_addr.py says so when 8000 is taken). Worked out only for the demo targets.
ifeq ($(origin DEMO_ADDR),undefined)
ifneq ($(filter demo demo-setup,$(MAKECMDGOALS)),)
DEMO_ADDR := $(shell $(PYTHON) demo/demo_addr.py)
endif
endif
DEMO_ADDR ?= 127.0.0.1:8000
# The provider distributions (providers/<name>/), installed editable beside the core in every environment.
PROVIDERS := $(patsubst %/setup.cfg,%,$(wildcard providers/*/setup.cfg))
PY312 ?= /root/.pyenv/versions/3.12.1/bin/python3.12

help: ## list the targets
	@grep -hE '^[a-zA-Z_-]+:.*?## ' $(MAKEFILE_LIST) | awk 'BEGIN {FS = ":.*?## "}; {printf "  make %-20s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(BIN)/python requirements/dev.txt requirements/i18n.txt requirements/py312.txt setup.cfg setup.py $(addsuffix /setup.cfg,$(PROVIDERS))
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements/dev.txt
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements/i18n.txt
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

# The test providers are real distributions (tests/test_provider: providers written with the SDK;
# tests/broken_providers: entry points that fail to load on purpose), pip-installed into their own folder
# that only the tests put on sys.path (pytest's pythonpath), so the demo never sees them.
TEST_DISTRIBUTIONS := tests/test_provider tests/broken_providers

$(TEST_PLUGINS)/.installed: $(STAMP) $(shell find $(TEST_DISTRIBUTIONS) -name '*.py' -o -name 'setup.cfg' 2>/dev/null)
	rm -rf $(TEST_PLUGINS)
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation \
		--target $(TEST_PLUGINS) $(addprefix ./,$(TEST_DISTRIBUTIONS))
	rm -rf $(addsuffix /build,$(TEST_DISTRIBUTIONS))
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
		--target $(MIN_PLUGINS) $(addprefix ./,$(TEST_DISTRIBUTIONS))
	rm -rf $(addsuffix /build,$(TEST_DISTRIBUTIONS))
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

# The Tutor plugin (tutor/, tutor-contrib-idv), with Tutor's own API and CLI: Tutor from requirements/tutor.txt
# in a venv of its own (Tutor's dependencies never enter .venv), the plugin installed from a fresh build. The
# rendered LMS settings and init task are then run by .venv's Django in the LMS-mode test host.
TUTOR_VENV ?= build/venv-tutor

$(TUTOR_VENV)/.installed: requirements/tutor.txt
	rm -rf $(TUTOR_VENV) && $(PYTHON) -m venv $(TUTOR_VENV)
	$(TUTOR_VENV)/bin/python -m pip install -q --disable-pip-version-check -r requirements/tutor.txt
	touch $@

test-tutor: $(TUTOR_VENV)/.installed $(STAMP) test-plugins ## render the Tutor plugin (tutor/) with Tutor: patches, config save, settings merge
	$(TUTOR_VENV)/bin/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation \
		--force-reinstall ./tutor
	cd tutor && IDV_MAIN_PYTHON=$(CURDIR)/$(BIN)/python ../$(TUTOR_VENV)/bin/pytest

# axe-core (WCAG checks of the learner pages in Chromium), from npm at a pinned version, checked against its
# SHA-512 integrity pinned here (the registry's dist.integrity of that version); the browser tests read
# build/axe-core/axe.min.js (or IDV_AXE_JS).
AXE_CORE_VERSION := 4.10.3
AXE_CORE_INTEGRITY := sha512-Xm7bpRXnDSX2YE2YFfBk2FnF0ep6tmG7xPh8iHee8MIcrgq762Nkce856dYtJYLkuIoYZvGfTs/PbZhideTcEg==
AXE_CORE_JS := build/axe-core/axe.min.js
AXE_CORE_STAMP := build/axe-core/.version-$(AXE_CORE_VERSION)

$(AXE_CORE_STAMP):
	@command -v npm >/dev/null || { echo "npm is missing: apt-get install npm (needed for axe-core)"; exit 1; }
	rm -rf build/axe-core build/axe-core-pack && mkdir -p build/axe-core build/axe-core-pack
	cd build/axe-core-pack && npm pack --silent axe-core@$(AXE_CORE_VERSION) >/dev/null
	test "sha512-$$(openssl dgst -sha512 -binary build/axe-core-pack/axe-core-$(AXE_CORE_VERSION).tgz | base64 -w0)" \
		= "$(AXE_CORE_INTEGRITY)" || { echo "axe-core $(AXE_CORE_VERSION): integrity mismatch"; exit 1; }
	tar -xzf build/axe-core-pack/axe-core-$(AXE_CORE_VERSION).tgz -C build/axe-core-pack
	cp build/axe-core-pack/package/axe.min.js build/axe-core-pack/package/LICENSE $(dir $(AXE_CORE_JS))
	rm -rf build/axe-core-pack
	touch $@

axe-core: $(AXE_CORE_STAMP) ## download axe-core $(AXE_CORE_VERSION) from npm for the accessibility tests (needs npm)

# Release files: the sdist and wheel of every distribution of the repository (docs/releasing.rst), checked
# (twine check; release/check_dist.py: complete, nothing extra, built without warnings), then installed (the
# wheels, not the source tree) in a fresh venv where a copy of the demo migrates, checks and serves pages.
DIST ?= dist
DISTRIBUTIONS := . $(PROVIDERS) tutor
WHEELS_VENV ?= build/venv-wheels
WHEELS_DEMO := build/wheels-demo
# What the demo host needs besides the wheels (requirements/test.in lists them for .venv).
DEMO_PACKAGES := dj-database-url edx-name-affirmation

$(RSTAMP): $(STAMP) requirements/release.txt
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements/release.txt
	touch $@

dist: $(RSTAMP) ## build the sdist and wheel of the core, the providers, the simulator, the Tutor plugin into dist/; check them
	rm -rf $(DIST) build/dist-logs && mkdir -p $(DIST) build/dist-logs
	@# Unset PYTHONDONTWRITEBYTECODE: with it setuptools prints "byte-compiling is disabled" (wheels hold no .pyc).
	for d in $(DISTRIBUTIONS); do \
		log=build/dist-logs/$$(echo "$$d" | sed 's|^\.$$|openedx-idv|; s|/|-|g').log; \
		env -u PYTHONDONTWRITEBYTECODE $(BIN)/python -m build --outdir $(DIST) $$d >$$log 2>&1 \
			|| { cat $$log; exit 1; }; \
	done
	$(BIN)/twine check --strict $(DIST)/*
	$(BIN)/python release/check_dist.py $(DIST) build/dist-logs

test-wheels: dist ## install the built wheels in a fresh venv; the demo (a copy, alone on sys.path) migrates, checks, serves
	rm -rf $(WHEELS_VENV) $(WHEELS_DEMO) && $(PYTHON) -m venv $(WHEELS_VENV)
	$(WHEELS_VENV)/bin/python -m pip install -q --disable-pip-version-check -c requirements/test.txt \
		$(DIST)/openedx_idv*.whl $(DEMO_PACKAGES)
	$(WHEELS_VENV)/bin/python -m pip check
	mkdir -p $(WHEELS_DEMO) && cp -R demo $(WHEELS_DEMO)/demo
	rm -rf $(WHEELS_DEMO)/demo/*.sqlite3 $$(find $(WHEELS_DEMO) -name __pycache__)
	@# demo/manage.py puts its parent folder on sys.path: here that folder holds only the copy of demo/.
	cd $(WHEELS_DEMO) && env -u PYTHONPATH DATABASE_URL=sqlite:///$(CURDIR)/$(WHEELS_DEMO)/demo.sqlite3 \
		IDV_SOURCE_TREE=$(CURDIR) IDV_DEMO_COPY=$(CURDIR)/$(WHEELS_DEMO)/demo sh -c '\
		$(CURDIR)/$(WHEELS_VENV)/bin/python demo/manage.py migrate --noinput -v 0 && \
		$(CURDIR)/$(WHEELS_VENV)/bin/python demo/manage.py check --fail-level ERROR && \
		$(CURDIR)/$(WHEELS_VENV)/bin/python demo/manage.py idv_providers && \
		$(CURDIR)/$(WHEELS_VENV)/bin/python demo/manage.py shell -c "$$(cat $(CURDIR)/release/wheel_demo_check.py)"'
	@# The Tutor plugin's wheel, in Tutor's venv (make test-tutor builds it): Tutor renders from its files.
	$(MAKE) --no-print-directory $(TUTOR_VENV)/.installed
	$(TUTOR_VENV)/bin/python -m pip install -q --disable-pip-version-check --no-deps --force-reinstall \
		$(DIST)/tutor_contrib_idv-*.whl
	rm -rf build/wheels-tutor-root
	TUTOR_ROOT=$(CURDIR)/build/wheels-tutor-root TUTOR_PLUGINS_ROOT=$(CURDIR)/build/wheels-tutor-root/plugins \
		sh -c '$(TUTOR_VENV)/bin/tutor plugins enable idv >/dev/null && $(TUTOR_VENV)/bin/tutor config save >/dev/null'
	grep -q "_idv_tutor_settings()" build/wheels-tutor-root/env/apps/openedx/settings/lms/production.py
	grep -q "idv-relay" build/wheels-tutor-root/env/local/docker-compose.yml
	@echo "tutor-contrib-idv from its wheel: plugin enabled, settings and the idv-relay service rendered"

# The read path's own SQL (idv_core.read_sql, idv_core.rows) against the ORM, and its query counts, on
# PostgreSQL too.
READ_PATH_TESTS := tests/core/test_read_path.py tests/core/test_write_sql.py tests/core/test_read_cache.py tests/core/test_query_counts.py \
	tests/core/test_api_read.py tests/core/test_rows.py

test-integration: $(ISTAMP) test-plugins axe-core ## run every test on the real MariaDB, Redis and Chromium; the read path on PostgreSQL
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
	$(PYTHON) demo/demo_addr.py --check $(DEMO_ADDR)
	$(BIN)/python demo/manage.py migrate --noinput -v 0
	$(BIN)/python demo/manage.py idv_demo_setup --url http://$(DEMO_ADDR)/

demo: demo-setup ## build .venv, migrate a SQLite database, create demo users and serve the demo host (DEMO_ADDR=host:port)
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

quality: lint test-plugins ## every static check: ruff, import contracts, Django checks, migrations, PII annotations, catalogs
	PYTHONPATH=.:tests/test_provider:tests/broken_providers $(BIN)/lint-imports
	@# The test host warns (idv_core.W001) about its deliberately broken test providers: fail on errors only.
	DJANGO_SETTINGS_MODULE=tests.settings PYTHONPATH=.:$(TEST_PLUGINS) $(BIN)/django-admin check --fail-level ERROR
	DJANGO_SETTINGS_MODULE=tests.settings PYTHONPATH=.:$(TEST_PLUGINS) $(BIN)/django-admin makemigrations --check --dry-run
	$(BIN)/python demo/manage.py check --fail-level ERROR
	$(MAKE) --no-print-directory pii-report
	@# The committed source catalogs (conf/locale/en) hold every marked string: run make extract_translations.
	$(MAKE) --no-print-directory detect_changed_source_translations

pii-report: $(STAMP) test-plugins ## the PII annotation report (code-annotations): every model annotated
	DJANGO_SETTINGS_MODULE=tests.settings PYTHONPATH=.:$(TEST_PLUGINS) $(BIN)/code_annotations django_find_annotations \
		--config_file .pii_annotations.yml --lint --report --coverage

docs: $(STAMP) ## build the Sphinx docs; warnings are errors
	$(BIN)/sphinx-build -W --keep-going -q -b html docs docs/_build/html

# Translations, the Open edX way (docs/translations.rst): each Django app has its own conf/locale/ with
# edx-i18n-tools' config.yaml; the source catalog en/LC_MESSAGES/django.po is committed, the translations
# come from openedx-translations through openedx-atlas, the dummy "eo" catalogs and the .mo files are built.
I18N_PACKAGES := $(patsubst %/conf/locale/config.yaml,%,$(wildcard idv_core/conf/locale/config.yaml providers/*/idv_*/conf/locale/config.yaml))
I18N_TOOL := env PATH="$(abspath $(BIN)):$$PATH" DJANGO_SETTINGS_MODULE= i18n_tool

extract_translations: $(STAMP) ## write each app's source catalog, <app>/conf/locale/en/LC_MESSAGES/django.po
	for package in $(I18N_PACKAGES); do (cd $$package && $(I18N_TOOL) extract --no-segment) || exit 1; done

dummy_translations: $(STAMP) ## write each app's fake-accented "eo" catalog from its source catalog (not committed)
	for package in $(I18N_PACKAGES); do (cd $$package && $(I18N_TOOL) dummy) || exit 1; done

compile_translations: $(STAMP) ## compile each app's catalogs into .mo files (i18n_tool generate; needs gettext)
	for package in $(I18N_PACKAGES); do (cd $$package && $(I18N_TOOL) generate) || exit 1; done

detect_changed_source_translations: $(STAMP) ## fail if a source catalog differs from git (run after extract_translations)
	for package in $(I18N_PACKAGES); do (cd $$package && $(I18N_TOOL) changed) || exit 1; done

build_dummy_translations: extract_translations dummy_translations compile_translations ## extract, then make and compile "eo"

validate_translations: build_dummy_translations detect_changed_source_translations ## the committed source catalogs are current and compile

upgrade: export CUSTOM_COMPILE_COMMAND=make upgrade
upgrade: $(STAMP) ## recompile the pinned requirements from requirements/*.in
	for f in base test integration quality doc pip-tools dev release i18n tutor; do \
		$(BIN)/pip-compile -q --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links --upgrade -o requirements/$$f.txt requirements/$$f.in || exit 1; \
	done
	@# The Python 3.12 extras are resolved by Python 3.12, against test.txt's pins.
	rm -rf build/pip-tools-py312 && $(PY312) -m venv build/pip-tools-py312
	build/pip-tools-py312/bin/pip install -q --disable-pip-version-check -r requirements/pip-tools.txt
	build/pip-tools-py312/bin/pip-compile -q --allow-unsafe --strip-extras --no-emit-index-url --no-emit-find-links --upgrade -o requirements/py312.txt requirements/py312.in

clean: ## remove build products, caches and the demo database (keeps .venv)
	rm -rf build dist *.egg-info .pytest_cache .ruff_cache .coverage htmlcov docs/_build demo/db.sqlite3
	@# The built translations (make dummy_translations, compile_translations): never in a wheel.
	rm -rf $(addsuffix /conf/locale/eo,$(I18N_PACKAGES))
	find $(I18N_PACKAGES) -path '*/conf/locale/*' -name '*.mo' -delete
