# Two commands for a newcomer: `make demo` and `make test`. Everything they need is installed here.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
COLLECTIONS := $(CURDIR)/.build/collections
COLLECTION_LINK := $(COLLECTIONS)/ansible_collections/ovhcloud/iam
OFFLINE_BOOTSTRAP := $(CURDIR)/../shared/ci/ansible-test-offline-bootstrap
# The demo's own, lighter virtualenv: ansible-core and requests only (demo/requirements.txt).
DEMO_VENV ?= .venv-demo
# ansible-test needs the collection copied outside the checkout (tests/tools/sanity.sh); one copy per ansible-core.
SANITY_ROOT ?= $(or $(TMPDIR),/tmp)/ovhcloud-iam-sanity
FIND_PYTHON := $(BIN)/python tests/tools/find_python.py

# The newest ansible-core release line, in its own venv under .build/ made with the newest Python its
# controller supports that the machine has (found on PATH or in pyenv, see tests/tools/find_python.py).
CORE_NEWEST := 2.21
CORE_NEWEST_SPEC := ansible-core>=$(CORE_NEWEST),<2.22
CORE_NEWEST_CONTROLLER_PYTHONS := 3.12 3.13 3.14
CORE_NEWEST_VENV := $(CURDIR)/.build/venv-core$(subst .,,$(CORE_NEWEST))

.PHONY: help venv link demo test sanity pytest unit integration lint docs-lint bench build clean core-newest core-newest-venv sanity-core-newest integration-core-newest

help:
	@echo "make demo   - set up, start the local fake OVH API and run the service-account demo end to end"
	@echo "              (make demo KEEP=1 leaves the fake API running and the files in place)"
	@echo "make test   - set up and run the whole test suite (ansible-test sanity, lint, unit, integration),"
	@echo "              on .venv's ansible-core and, for sanity and part of the integration tests, the newest one"
	@echo "make bench  - measure HTTP requests and wall time per task (see docs/performance.md)"

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt test-requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt -r test-requirements.txt
	touch $@

link:
	@mkdir -p $(dir $(COLLECTION_LINK))
	@if [ "$$(readlink $(COLLECTION_LINK))" != "$(CURDIR)" ]; then rm -rf $(COLLECTION_LINK); ln -s $(CURDIR) $(COLLECTION_LINK); fi

$(DEMO_VENV)/.installed: demo/requirements.txt
	$(PYTHON) -m venv $(DEMO_VENV)
	$(DEMO_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(DEMO_VENV)/bin/python -m pip install --quiet -r demo/requirements.txt
	touch $@

demo: $(DEMO_VENV)/.installed link
	$(DEMO_VENV)/bin/python demo/run_demo.py $(if $(KEEP),--keep)

# core-newest comes before pytest so that the figures pytest leaves in tests/output/ are those of the whole suite.
test: venv link sanity lint core-newest pytest

pytest: venv link
	$(BIN)/python -m pytest tests -q -p no:cacheprovider

unit: venv link
	$(BIN)/python -m pytest tests/unit -q -p no:cacheprovider

integration: venv link
	$(BIN)/python -m pytest tests/integration -q -p no:cacheprovider

# ansible-test sanity with .venv's ansible-core on every controller and module Python it supports that the
# machine has (tests/tools/sanity.sh). ansible-test fetches a pip bootstrap script from the internet; where
# ../shared provides an offline stand-in (machines without internet access), it is installed first, by the
# Python of the ansible-core that runs (each release asks for its own pip).
sanity: venv link
	@if [ -f "$(OFFLINE_BOOTSTRAP)" ]; then $(BIN)/python $(OFFLINE_BOOTSTRAP); fi
	SANITY_ROOT=$(SANITY_ROOT)/pinned VENV_BIN=$(CURDIR)/$(BIN) tests/tools/sanity.sh

# The newest ansible-core: sanity and the integration tests of tests/tools/newest-core-tests.txt, side by side
# (each output printed whole when it ends). They share nothing but the venv, made before either starts.
core-newest: core-newest-venv link
	@$(MAKE) --no-print-directory -j2 --output-sync=target sanity-core-newest integration-core-newest

sanity-core-newest: core-newest-venv link
	@if [ -f $(CORE_NEWEST_VENV).skipped ]; then \
	  echo "SKIPPED: ansible-test sanity with ansible-core $(CORE_NEWEST): $$(cat $(CORE_NEWEST_VENV).skipped)"; exit 0; fi; \
	if [ -f "$(OFFLINE_BOOTSTRAP)" ]; then $(CORE_NEWEST_VENV)/bin/python $(OFFLINE_BOOTSTRAP); fi; \
	SANITY_ROOT=$(SANITY_ROOT)/newest VENV_BIN=$(CORE_NEWEST_VENV)/bin tests/tools/sanity.sh

# The same pytest files as `make pytest`, run by .venv's pytest against the same fake, but every
# ansible-playbook and ansible (and the Python running the modules) comes from the newest ansible-core's venv.
integration-core-newest: core-newest-venv link
	@if [ -f $(CORE_NEWEST_VENV).skipped ]; then \
	  echo "SKIPPED: integration tests with ansible-core $(CORE_NEWEST): $$(cat $(CORE_NEWEST_VENV).skipped)"; exit 0; fi; \
	$(CORE_NEWEST_VENV)/bin/python -c 'import platform, sys, ansible.release; \
	  print("Integration tests with ansible-core", ansible.release.__version__, "on Python", platform.python_version(), \
	  "(" + sys.executable + ")")'; \
	OVHCLOUD_IAM_TEST_ANSIBLE_BIN=$(CORE_NEWEST_VENV)/bin $(BIN)/python -m pytest -q -p no:cacheprovider \
	  $$(sed -e 's/#.*//' tests/tools/newest-core-tests.txt)

lint: venv link
	ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) $(BIN)/ansible-lint --profile production roles/service_account playbooks awx/playbooks

bench: venv link
	$(BIN)/python tests/bench/run_bench.py

build: venv
	$(BIN)/ansible-galaxy collection build --force --output-path .build/dist

clean:
	rm -rf .build .pytest_cache tests/output

# Makes $(CORE_NEWEST_VENV) (ansible-core $(CORE_NEWEST) and the collection's run-time requirements) unless
# it is there with the same contents; when no suitable Python or no package index is there, it writes why
# into $(CORE_NEWEST_VENV).skipped, which the targets using it print as SKIPPED.
core-newest-venv: venv
	@mkdir -p $(dir $(CORE_NEWEST_VENV)); rm -f $(CORE_NEWEST_VENV).skipped; \
	python=$$($(FIND_PYTHON) newest $(CORE_NEWEST_CONTROLLER_PYTHONS) 2>&1) || { \
	  echo "$$python" > $(CORE_NEWEST_VENV).skipped; exit 0; }; \
	wanted=$$(printf '%s\n%s\n%s\n' "$$python" '$(CORE_NEWEST_SPEC)' "$$(cat meta/ee-requirements.txt)"); \
	if [ "$$(cat $(CORE_NEWEST_VENV)/.installed 2>/dev/null)" != "$$wanted" ]; then \
	  echo "Installing $(CORE_NEWEST_SPEC) for $$python into $(CORE_NEWEST_VENV)"; \
	  rm -rf $(CORE_NEWEST_VENV) && "$$python" -m venv $(CORE_NEWEST_VENV) && \
	  $(CORE_NEWEST_VENV)/bin/python -m pip install --quiet '$(CORE_NEWEST_SPEC)' -r meta/ee-requirements.txt \
	    > $(CORE_NEWEST_VENV).pip.log 2>&1 || { \
	    echo "cannot install $(CORE_NEWEST_SPEC) with pip for $$python: $$(tail -n 1 $(CORE_NEWEST_VENV).pip.log)" \
	      > $(CORE_NEWEST_VENV).skipped; rm -rf $(CORE_NEWEST_VENV); exit 0; }; \
	  printf '%s\n' "$$wanted" > $(CORE_NEWEST_VENV)/.installed; \
	fi
