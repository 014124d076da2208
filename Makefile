# Two commands for a newcomer: `make demo` and `make test`. Everything they need is installed here.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
COLLECTIONS := $(CURDIR)/.build/collections
COLLECTION_LINK := $(COLLECTIONS)/ansible_collections/ovhcloud/iam
OFFLINE_BOOTSTRAP := $(CURDIR)/../shared/ci/ansible-test-offline-bootstrap
# The demo's own, lighter virtualenv: ansible-core and requests only (demo/requirements.txt).
DEMO_VENV ?= .venv-demo

.PHONY: help venv link demo test sanity pytest unit integration lint docs-lint bench build clean

help:
	@echo "make demo   - set up, start the local fake OVH API and run the service-account demo end to end"
	@echo "              (make demo KEEP=1 leaves the fake API running and the files in place)"
	@echo "make test   - set up and run the whole test suite (ansible-test sanity, lint, unit, integration)"
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

test: venv link sanity lint pytest

pytest: venv link
	$(BIN)/python -m pytest tests -q -p no:cacheprovider

unit: venv link
	$(BIN)/python -m pytest tests/unit -q -p no:cacheprovider

integration: venv link
	$(BIN)/python -m pytest tests/integration -q -p no:cacheprovider

# ansible-test fetches a pip bootstrap script from the internet; where ../shared provides an
# offline stand-in (machines without internet access), install it first.
sanity: venv link
	@if [ -x "$(OFFLINE_BOOTSTRAP)" ] || [ -f "$(OFFLINE_BOOTSTRAP)" ]; then $(BIN)/python $(OFFLINE_BOOTSTRAP); fi
	VENV_BIN=$(CURDIR)/$(BIN) tests/tools/sanity.sh

lint: venv link
	ANSIBLE_COLLECTIONS_PATH=$(COLLECTIONS) $(BIN)/ansible-lint --profile production roles/service_account playbooks awx/playbooks

bench: venv link
	$(BIN)/python tests/bench/run_bench.py

build: venv
	$(BIN)/ansible-galaxy collection build --force --output-path .build/dist

clean:
	rm -rf .build .pytest_cache tests/output
