# Two commands matter: `make demo` and `make test`. Both set everything up first.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTHON_FOR_VENV = $(shell scripts/find-python)
COLLECTION_LINK := .collections/ansible_collections/backoffice/dbops
# Everything the tests keep outside the repository is under one folder per checkout (named by a hash of its path),
# so two checkouts testing at once on one machine share no path.
CHECKOUT_TMP := $(or $(TMPDIR),/tmp)/dbops-test-$(shell printf '%s' '$(CURDIR)' | sha256sum | cut -c1-12)
# ansible-test needs the collection at .../ansible_collections/NAMESPACE/NAME outside hidden folders: it tests a copy.
ANSIBLE_TEST_ROOT := $(CHECKOUT_TMP)/ansible_collections/backoffice/dbops
# ansible-test integration tests a copy of its own: it runs beside the units and sanity of `make test`.
ANSIBLE_TEST_INTEGRATION_ROOT := $(CHECKOUT_TMP)/integration/ansible_collections/backoffice/dbops
ANSIBLE_TEST_PYTHON := 3.12
# Every Python tests/config.yml declares: ansible-test sanity runs its version-specific tests (compile, import) on
# each, from the interpreters scripts/find-python finds (pyenv's shims of unselected versions fail when run).
SANITY_PYTHONS := 3.12 3.13
SANITY_PYTHONS_DIR = $(CHECKOUT_TMP)/pythons
# ansible-test keeps its sanity virtualenvs and its cache under ~/.ansible/test, and creates or removes a virtualenv
# there without a lock: it runs with a HOME of its own per checkout, whose pip configuration and cache are yours.
ANSIBLE_TEST_HOME := $(CHECKOUT_TMP)/home
ANSIBLE_TEST_CACHE := $(ANSIBLE_TEST_HOME)/.ansible/test/cache
ANSIBLE_TEST_ENV = HOME="$(ANSIBLE_TEST_HOME)" PATH="$(CURDIR)/$(BIN):$$PATH"
# Developer commands run the working tree's collection, named explicitly (nothing installed elsewhere shadows it).
DEV_ENV = PATH="$(CURDIR)/$(BIN):$$PATH" ANSIBLE_COLLECTIONS_PATH="$(CURDIR)/.collections"
REFEREE := tests/referee
IMPORTER := .venv-importer
LOWEST := .venv-lowest

.PHONY: setup demo demo-repair demo-sqlserver test lint sanity unit integration integration-pytest integration-targets molecule test-lowest collection-copy integration-copy \
  ansible-test-home \
  ansible-test-pip sanity-pythons bench dist clean

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

# The repository is the collection; a link, made here and never committed, makes `backoffice.dbops.*` resolve
# for development: ansible.cfg names no collections path, since AWX would put it ahead of the execution
# environment's collection (see the README's AWX section).
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
	! $(DEV_ENV) $(BIN)/ansible-playbook playbooks/recover_p3009.yml \
	  -e env=local -e migration=20201127134938_added_bio_index
	$(BIN)/python scripts/demo_prisma.py fix-data
	@echo; echo "== recover_p3009.yml again: the rehearsal succeeds, so it resolves"
	$(DEV_ENV) $(BIN)/ansible-playbook playbooks/recover_p3009.yml \
	  -e env=local -e migration=20201127134938_added_bio_index
	$(BIN)/python scripts/demo_prisma.py redeploy
	$(MAKE) --no-print-directory demo-repair

# The second scenario: a partial migration (a column stayed, the bio index failed) repaired with -e repair=revert,
# then deployed by Prisma's engine.
REPAIR_DEMO = -e env=local -e migration=20201201000000_nick_and_bio \
  -e p3009_recovery_project_dir=$(CURDIR)/demo/repair/prisma \
  -e p3009_recovery_migrations_dir=$(CURDIR)/demo/repair/prisma/migrations \
  -e p3009_recovery_audit_dir=$(CURDIR)/demo/repair/audit
demo-repair: setup
	$(BIN)/python scripts/demo_prisma.py build repair
	$(BIN)/python scripts/demo_prisma.py fix-data repair
	@echo; echo "== recover_p3009.yml without a repair: the column stayed, so rolled back is refused"
	! $(DEV_ENV) $(BIN)/ansible-playbook playbooks/recover_p3009.yml $(REPAIR_DEMO)
	@echo; echo "== dry run of -e repair=revert: the revert script, nothing written"
	$(DEV_ENV) $(BIN)/ansible-playbook playbooks/recover_p3009.yml $(REPAIR_DEMO) -e repair=revert --check
	@echo; echo "== -e repair=revert: the column dropped under Prisma's lock, the migration rolled back"
	$(DEV_ENV) $(BIN)/ansible-playbook playbooks/recover_p3009.yml $(REPAIR_DEMO) -e repair=revert
	$(BIN)/python scripts/demo_prisma.py redeploy repair

# Optional: the same seed scenario on SQL Server behind an emulated Azure SQL gateway (firewall, identify, resolve,
# cleanup). Needs ../shared/babelfish/start-babelfish or DBOPS_DEMO_SQLSERVER_URL.
demo-sqlserver: setup
	$(DEV_ENV) $(BIN)/python scripts/demo_sqlserver.py

# The setup's venvs and node_modules build side by side. What measures no time (lint, the unit tests, sanity, the
# ansible-test targets, molecule, building the lowest-versions venv) shares the two cores; the pytest suite, then the
# lowest versions' module tests, run after it.
test:
	$(MAKE) --no-print-directory -j2 setup
	$(MAKE) --no-print-directory -j2 --output-sync=target lint unit sanity integration-targets molecule \
	  $(LOWEST)/.installed
	$(MAKE) --no-print-directory integration-pytest
	$(MAKE) --no-print-directory test-lowest

# ansible-doc resolves backoffice.dbops.* through .collections (made by setup). ansible-lint installs the working
# tree into its own cache, .ansible/ here, unless an ANSIBLE_* path variable is set: then it installs it into
# ~/.ansible/collections, where it would shadow the collection for every checkout on the machine.
lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	env -u ANSIBLE_HOME -u ANSIBLE_LIBRARY -u ANSIBLE_ROLES_PATH -u ANSIBLE_COLLECTIONS_PATH \
	  PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/ansible-lint --profile production
	for module in $(basename $(notdir $(wildcard plugins/modules/*.py))); do \
	  $(DEV_ENV) $(BIN)/ansible-doc backoffice.dbops.$$module >/dev/null || exit 1; \
	done

# The unit tests through ansible-test, as the ecosystem runs them (pytest -n auto, ansible-test's own pytest.ini).
unit: setup collection-copy ansible-test-home
	cd $(ANSIBLE_TEST_ROOT) && $(ANSIBLE_TEST_ENV) \
	  ansible-test units --local --python $(ANSIBLE_TEST_PYTHON) --requirements

# The pytest suite (the referee, the ARM emulator, the packaging), the ansible-test targets, molecule.
integration: integration-pytest integration-targets molecule

# Three workers on two cores: a third of the suite's time is spent waiting (servers starting, deadlines, Prisma's
# engine through Node), and a third worker fills it (with four, vmstat shows no idle CPU: the suite is CPU-bound).
# The slowest tests are listed, to show where CI's time goes.
integration-pytest: setup
	$(DEV_ENV) $(BIN)/python -m pytest tests/integration -q -n 3 --dist worksteal --durations=25

integration-targets: setup integration-copy ansible-test-home
	$(ANSIBLE_TEST_ENV) $(BIN)/python scripts/ansible_test_integration.py $(ANSIBLE_TEST_INTEGRATION_ROOT)

molecule: setup
	state=$$(mktemp -d) && PATH="$(CURDIR)/$(BIN):$$PATH" MOLECULE_EPHEMERAL_DIRECTORY="$$state" $(BIN)/molecule test; \
	  status=$$?; rm -rf "$$state"; exit $$status

# The controller's tests run once, on ANSIBLE_TEST_PYTHON; compile and import on every one of SANITY_PYTHONS.
sanity: setup collection-copy ansible-test-pip sanity-pythons
	cd $(ANSIBLE_TEST_ROOT) && $(ANSIBLE_TEST_ENV) \
	  ansible-test sanity --python $(ANSIBLE_TEST_PYTHON) --venv --requirements
	for version in $(filter-out $(ANSIBLE_TEST_PYTHON),$(SANITY_PYTHONS)); do \
	  cd $(ANSIBLE_TEST_ROOT) && $(ANSIBLE_TEST_ENV) PATH="$(SANITY_PYTHONS_DIR):$(CURDIR)/$(BIN):$$PATH" \
	    ansible-test sanity --python $$version --venv --requirements --test compile --test import || exit 1; \
	done

# python3.X links to each of SANITY_PYTHONS, first on ansible-test's PATH; a missing one stops `make sanity`.
sanity-pythons:
	mkdir -p $(SANITY_PYTHONS_DIR)
	for version in $(SANITY_PYTHONS); do \
	  python=$$(scripts/find-python $$version) && ln -sfn "$$python" "$(SANITY_PYTHONS_DIR)/python$$version" || exit 1; \
	done

# The lower ends of requirements.txt: the unit tests (sqlglot's lowest release parses the preflight's cases), each
# driver's whole path on every database and SQL Server driver (read the history and its logs; resolve rolled back and
# applied, under Prisma's lock and while another session holds it), and the Azure path (the ARM emulator answers the
# api-versions those SDK releases send). The rest of the module tests run in the pytest suite on the locked versions.
LOWEST_MODULES = tests/integration/modules/test_prisma_migration_info.py::test_info_reports_the_failed_migration_with_its_database_error \
  tests/integration/modules/test_prisma_migration_info.py::test_info_names_the_failed_migration_with_its_database_error_and_prismas_p3009_text \
  tests/integration/modules/test_prisma_migration_resolve.py::test_rolled_back_resolves_then_is_idempotent \
  tests/integration/modules/test_prisma_migration_resolve.py::test_applied_records_the_migration_as_prisma_does \
  tests/integration/modules/test_prisma_migration_resolve.py::test_nothing_changes_while_another_session_holds_prismas_lock \
  tests/integration/modules/test_wait_for_database.py::test_wait_for_database_gets_through_once_the_40615_clears
test-lowest: setup $(LOWEST)/.installed
	$(LOWEST)/bin/python -m pytest tests/unit -q -n 2
	PATH="$(CURDIR)/$(LOWEST)/bin:$$PATH" $(LOWEST)/bin/python -m pytest -q -n 3 --dist worksteal $(LOWEST_MODULES) \
	  tests/integration/collection/test_module_defaults.py \
	  tests/integration/properties/test_secrets.py::test_password_never_printed_with_vvv \
	  tests/integration/properties/test_secrets.py::test_bad_credentials_are_reported_without_the_password \
	  tests/integration/modules/test_azure_sql_firewall.py \
	  tests/integration/playbooks/test_recover_p3009.py::test_azure_environment_through_firewall_key_vault_and_propagation_delay \
	  tests/integration/playbooks/test_recover_p3009.py::test_azure_dry_run_says_the_firewall_is_closed_then_opens_only_when_asked

# The working tree's files (tracked, and new ones not ignored) copied to $(1).
copy_collection = rm -rf $(1) && mkdir -p $(1) && \
  git ls-files -z --cached --others --exclude-standard -- . ':!.collections' | xargs -0 cp --parents -t $(1)

collection-copy:
	$(call copy_collection,$(ANSIBLE_TEST_ROOT))

integration-copy:
	$(call copy_collection,$(ANSIBLE_TEST_INTEGRATION_ROOT))

# Sanity virtualenvs bootstrap pip with a script ansible-test downloads from a host these machines cannot reach;
# its error message says to put the script in its cache. Ours installs the pip version ansible-test asks for from a
# wheel fetched here from PyPI.
# ansible-test's HOME for this checkout: its own ~/.ansible/test, your pip configuration and pip cache.
ansible-test-home:
	mkdir -p $(ANSIBLE_TEST_HOME)/.config $(ANSIBLE_TEST_HOME)/.cache
	for shared in .config/pip .cache/pip; do \
	  test -e "$(HOME)/$$shared" && ln -sfn "$(HOME)/$$shared" "$(ANSIBLE_TEST_HOME)/$$shared" || true; \
	done

ansible-test-pip: setup ansible-test-home
	mkdir -p $(ANSIBLE_TEST_CACHE)
	for python in $(sort $(ANSIBLE_TEST_PYTHON) $(SANITY_PYTHONS)); do \
	  version=$$($(BIN)/python -c 'from ansible_test._internal.python_requirements import get_venv_packages; \
	    from ansible_test._internal.host_configs import NativePythonConfig; \
	    import sys; print(get_venv_packages(NativePythonConfig(version=sys.argv[1]))["pip"])' $$python) && \
	  $(BIN)/python -m pip download -q --disable-pip-version-check --no-deps --only-binary=:all: \
	    -d $(ANSIBLE_TEST_CACHE) "pip==$$version" && \
	  cp scripts/ansible-test-get-pip.py "$(ANSIBLE_TEST_CACHE)/get_pip_$${version//./_}.py" || exit 1; \
	done

# The tarball and the galaxy requirements file execution-environment.yml installs it from.
dist: setup
	$(DEV_ENV) scripts/build-dist

bench: setup
	for script in run large_history firewall recover preflight rehearsal_load repair status status_slices; do $(DEV_ENV) $(BIN)/python benchmarks/$$script.py || exit 1; done

clean:
	rm -rf $(VENV) $(IMPORTER) $(LOWEST) dist .collections .ansible $(REFEREE)/node_modules demo/prisma/*.db demo/audit \
	  demo/repair/prisma/*.db demo/repair/audit \
	  $(CHECKOUT_TMP)
