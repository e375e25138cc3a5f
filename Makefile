# Two commands matter: `make demo` and `make test`. Both set everything up first.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTHON_FOR_VENV = $(shell scripts/find-python)
COLLECTION_LINK := .collections/ansible_collections/backoffice/dbops
# ansible-test needs the collection at .../ansible_collections/NAMESPACE/NAME outside hidden folders: it tests a copy.
ANSIBLE_TEST_ROOT := $(or $(TMPDIR),/tmp)/dbops-ansible-test/ansible_collections/backoffice/dbops
ANSIBLE_TEST_PYTHON := 3.12
ANSIBLE_TEST_CACHE := $(HOME)/.ansible/test/cache
REFEREE := tests/referee
IMPORTER := .venv-importer
LOWEST := .venv-lowest

.PHONY: setup demo demo-sqlserver test lint sanity unit integration test-lowest collection-copy ansible-test-pip bench clean

# The venv imports `ansible_collections.backoffice.dbops` (the modules' code and tests/support) from the link.
COLLECTION_PTH = $(VENV)/.collection-path-installed

setup: $(VENV)/.installed $(COLLECTION_LINK) $(COLLECTION_PTH) $(REFEREE)/node_modules/.installed $(IMPORTER)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	scripts/install-system-packages
	test -x $(BIN)/python || $(PYTHON_FOR_VENV) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

# galaxy-importer pins what requirements-dev.txt has outgrown (attrs<24): its own venv, used by test_packaging.py.
$(IMPORTER)/.installed: requirements-importer.txt
	test -x $(IMPORTER)/bin/python || $(PYTHON_FOR_VENV) -m venv $(IMPORTER)
	$(IMPORTER)/bin/python -m pip install -q --disable-pip-version-check -r requirements-importer.txt
	touch $@

# The lower end of every range in requirements.txt (`>=X` becomes `==X`), with the test tools pinned as in
# requirements-dev.txt: `make test-lowest` runs the unit tests and the module integration tests against it.
$(LOWEST)/.installed: requirements.txt requirements-dev.txt Makefile
	test -x $(LOWEST)/bin/python || $(PYTHON_FOR_VENV) -m venv $(LOWEST)
	{ sed -nE 's/^([A-Za-z][^>=<]*)>=([^,]+).*/\1==\2/p' requirements.txt; \
	  grep -E '^(ansible-core|pytest|pytest-xdist|hypothesis|jsonschema|mssql-python-odbc)==' requirements-dev.txt; } > $(LOWEST)/requirements.txt
	$(LOWEST)/bin/python -m pip install -q --disable-pip-version-check -r $(LOWEST)/requirements.txt
	$(LOWEST)/bin/python -c 'import sys, sysconfig; open(sysconfig.get_paths()["purelib"] + "/backoffice-dbops.pth", "w").write(sys.argv[1] + "\n")' "$(CURDIR)/.collections"
	touch $@

# The repository is the collection; a link (committed, so ansible-doc and ansible-lint work on a fresh clone)
# makes `backoffice.dbops.*` resolve from ansible.cfg.
$(COLLECTION_LINK):
	mkdir -p $(dir $@)
	ln -sfn ../../.. $@

$(COLLECTION_PTH): $(VENV)/.installed
	$(BIN)/python -c 'import sys, sysconfig; open(sysconfig.get_paths()["purelib"] + "/backoffice-dbops.pth", "w").write(sys.argv[1] + "\n")' "$(CURDIR)/.collections"
	touch $@

$(REFEREE)/node_modules/.installed: $(REFEREE)/package.json $(REFEREE)/package-lock.json
	npm ci --prefix $(REFEREE) --no-audit --no-fund --loglevel=error
	touch $@

# The preflight first refuses (the duplicated bios would fail the retry), then the data is fixed, then it recovers.
demo: setup
	$(BIN)/python scripts/demo_prisma.py build
	@echo; echo "== recover_p3009.yml before the data is fixed: the preflight refuses"
	! PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/ansible-playbook playbooks/recover_p3009.yml \
	  -e env=local -e migration=20201127134938_added_bio_index
	$(BIN)/python scripts/demo_prisma.py fix-data
	@echo; echo "== recover_p3009.yml again: the rehearsal succeeds, so it resolves"
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/ansible-playbook playbooks/recover_p3009.yml \
	  -e env=local -e migration=20201127134938_added_bio_index
	$(BIN)/python scripts/demo_prisma.py redeploy

# Optional: the same seed scenario on SQL Server behind an emulated Azure SQL gateway (firewall, identify, resolve,
# cleanup). Needs ../shared/babelfish/start-babelfish or DBOPS_DEMO_SQLSERVER_URL.
demo-sqlserver: setup
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python scripts/demo_sqlserver.py

test: setup lint unit integration sanity test-lowest

# ansible-lint and ansible-doc resolve backoffice.dbops.* through .collections (made by setup).
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/ansible-lint --profile production
	for module in $(basename $(notdir $(wildcard plugins/modules/*.py))); do \
	  PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/ansible-doc backoffice.dbops.$$module >/dev/null || exit 1; \
	done

# The unit tests through ansible-test, as the ecosystem runs them (pytest -n auto, ansible-test's own pytest.ini).
unit: setup collection-copy
	cd $(ANSIBLE_TEST_ROOT) && PATH="$(CURDIR)/$(BIN):$$PATH" \
	  ansible-test units --local --python $(ANSIBLE_TEST_PYTHON) --requirements

# The pytest suite (the referee, the ARM emulator, the packaging), the ansible-test targets, molecule.
integration: setup collection-copy
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest tests/integration -q -n 2
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python scripts/ansible_test_integration.py $(ANSIBLE_TEST_ROOT)
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/molecule test

sanity: setup collection-copy ansible-test-pip
	cd $(ANSIBLE_TEST_ROOT) && PATH="$(CURDIR)/$(BIN):$$PATH" \
	  ansible-test sanity --python $(ANSIBLE_TEST_PYTHON) --venv --requirements

# The lower ends of requirements.txt: the unit tests (sqlglot's lowest release parses the preflight's cases), the
# module tests on every database and driver, and the Azure path (the ARM emulator answers the api-versions those
# SDK releases send).
test-lowest: setup $(LOWEST)/.installed
	$(LOWEST)/bin/python -m pytest tests/unit -q -n 2
	PATH="$(CURDIR)/$(LOWEST)/bin:$$PATH" $(LOWEST)/bin/python -m pytest -q -n 2 \
	  tests/integration/test_modules.py tests/integration/test_module_defaults.py \
	  tests/integration/test_azure_sql_firewall.py \
	  tests/integration/test_recover_playbook.py::test_azure_environment_through_firewall_key_vault_and_propagation_delay \
	  tests/integration/test_recover_playbook.py::test_azure_dry_run_says_the_firewall_is_closed_then_opens_only_when_asked

collection-copy:
	rm -rf $(ANSIBLE_TEST_ROOT) && mkdir -p $(ANSIBLE_TEST_ROOT)
	git ls-files -z --cached --others --exclude-standard -- . ':!.collections' | xargs -0 cp --parents -t $(ANSIBLE_TEST_ROOT)

# Sanity virtualenvs bootstrap pip with a script ansible-test downloads from a host these machines cannot reach;
# its error message says to put the script in its cache. Ours installs the pip version ansible-test asks for from a
# wheel fetched here from PyPI.
ansible-test-pip: setup
	version=$$($(BIN)/python -c 'from ansible_test._internal.python_requirements import get_venv_packages; \
	  from ansible_test._internal.host_configs import NativePythonConfig; \
	  print(get_venv_packages(NativePythonConfig(version="$(ANSIBLE_TEST_PYTHON)"))["pip"])') && \
	mkdir -p $(ANSIBLE_TEST_CACHE) && \
	$(BIN)/python -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: \
	  -d $(ANSIBLE_TEST_CACHE) "pip==$$version" && \
	cp scripts/ansible-test-get-pip.py "$(ANSIBLE_TEST_CACHE)/get_pip_$${version//./_}.py"

bench: setup
	for script in run large_history firewall recover preflight rehearsal_load status; do PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python benchmarks/$$script.py || exit 1; done

clean:
	rm -rf $(VENV) $(IMPORTER) $(LOWEST) .collections .ansible $(REFEREE)/node_modules demo/prisma/*.db \
	  $(or $(TMPDIR),/tmp)/dbops-ansible-test
