# Two commands matter: `make demo` and `make test`. Both set everything up first.
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
PYTHON_FOR_VENV = $(shell scripts/find-python)
COLLECTION_LINK := .collections/ansible_collections/backoffice/dbops
SANITY_ROOT := $(or $(TMPDIR),/tmp)/dbops-sanity/ansible_collections/backoffice/dbops
REFEREE := tests/referee

.PHONY: setup demo test lint sanity unit integration bench clean

# The venv imports `ansible_collections.backoffice.dbops` (the modules' code and tests/support) from the link.
COLLECTION_PTH = $(VENV)/.collection-path-installed

setup: $(VENV)/.installed $(COLLECTION_LINK) $(COLLECTION_PTH) $(REFEREE)/node_modules/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt
	scripts/install-system-packages
	test -x $(BIN)/python || $(PYTHON_FOR_VENV) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check -r requirements-dev.txt
	touch $@

# The repository is the collection; a link makes `backoffice.dbops.*` resolve from ansible.cfg.
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

test: setup lint unit integration sanity

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/ansible-lint --profile production
	for module in $(basename $(notdir $(wildcard plugins/modules/*.py))); do \
	  PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/ansible-doc backoffice.dbops.$$module >/dev/null || exit 1; \
	done

unit: setup
	$(BIN)/python -m pytest tests/unit -q

integration: setup
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python -m pytest tests/integration -q
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/molecule test

# ansible-test needs the collection at .../ansible_collections/NAMESPACE/NAME outside hidden folders: test a copy
# of the tree. Its per-test virtualenvs bootstrap pip from a host these machines cannot reach; our stand-in does
# the same from CPython's bundled pip and PyPI.
ANSIBLE_TEST_PIP = $(shell $(BIN)/python -c "import re, ansible_test._internal.python_requirements as r, inspect; print(re.search(r\"pip='([0-9.]+)'\", inspect.getsource(r)).group(1))" 2>/dev/null)
sanity: setup
	mkdir -p $(HOME)/.ansible/test/cache
	test -n "$(ANSIBLE_TEST_PIP)" && cp scripts/ansible-test-get-pip.py \
	  $(HOME)/.ansible/test/cache/get_pip_$(subst .,_,$(ANSIBLE_TEST_PIP)).py
	rm -rf $(SANITY_ROOT) && mkdir -p $(SANITY_ROOT)
	git ls-files -z --cached --others --exclude-standard | xargs -0 cp --parents -t $(SANITY_ROOT)
	cd $(SANITY_ROOT) && PATH="$(CURDIR)/$(BIN):$$PATH" ansible-test sanity --python 3.12 --venv --requirements

bench: setup
	for script in run firewall recover; do PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/python benchmarks/$$script.py || exit 1; done

clean:
	rm -rf $(VENV) .collections .ansible $(REFEREE)/node_modules demo/prisma/*.db $(dir $(SANITY_ROOT))
