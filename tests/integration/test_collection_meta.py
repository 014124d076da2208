"""Collection-wide quality gates: metadata, documentation, changelog, execution environment, AWX files.

These checks look at the collection as a whole rather than at one module's behaviour:
- every module is in the ``ovh`` action group and extends the shared doc fragments;
- every module declares ``version_added``; options declare it only when they came later than their
  module (the policy written in docs/development.md), and never later than the collection version;
- ``antsibull-docs lint-collection-docs --plugin-docs`` is clean and ``ansible-doc`` renders every
  module, filter and the role;
- antsibull-changelog lints the fragments and can generate the release's CHANGELOG.md;
- galaxy.yml, module_utils, the EE example and the README agree on the version;
- ``ansible-builder`` accepts the execution environment files and finds only ``requests``;
- the built tarball carries no build output, caches or virtual environments;
- the AWX credential type injects exactly the variables the modules read, secrets marked secret;
- the README links every guide and every relative link in the docs resolves.
"""

import ast
import glob
import os
import re
import shutil
import subprocess
import sys
import tarfile

import pytest
import yaml
from ansible.playbook.task import Task

from tests.conftest import COLLECTIONS_ROOT, REPO_ROOT
from tests.playbooks import play

BIN = os.path.dirname(sys.executable)
MODULES_DIR = os.path.join(REPO_ROOT, 'plugins', 'modules')
FILTER_DIR = os.path.join(REPO_ROOT, 'plugins', 'filter')
ROLE_DIR = os.path.join(REPO_ROOT, 'roles', 'service_account')
DOCS_DIR = os.path.join(REPO_ROOT, 'docs')
AWX_DIR = os.path.join(REPO_ROOT, 'awx')
FQCN = 'ovhcloud.iam'
SHARED_FRAGMENTS = ('ovhcloud.iam.connection', 'ovhcloud.iam.connection.actiongroup_ovh')
AUTHOR = 'ovhcloud.iam contributors (@ovhcloud-iam)'
# Where a finished build tree must hold nothing of these (build output, caches, virtual environments).
FORBIDDEN_IN_TARBALL = re.compile(
    r'(^|/)(\.build|\.venv|venv|\.git|\.tox|\.nox|\.ansible|\.cache|\.pytest_cache|\.mypy_cache|\.ruff_cache|'
    r'__pycache__|bench-results|tests/output)(/|$)|\.pyc$|\.tar\.gz$|(^|/)changelogs/\.plugin-cache\.yaml$')


# ----------------------------------------------------------------------------- helpers

def _load(path):
    with open(path, encoding='utf-8') as handle:
        return yaml.safe_load(handle)


def _read(path):
    with open(path, encoding='utf-8') as handle:
        return handle.read()


def module_names():
    return sorted(
        os.path.splitext(name)[0] for name in os.listdir(MODULES_DIR)
        if name.endswith('.py') and not name.startswith('_'))


def api_module_names():
    """The modules that talk to the OVHcloud API (ovh_*): in the action group, with the connection options.
    The others (credentials_file) work on the target host only."""
    return [name for name in module_names() if name.startswith('ovh_')]


def filter_names():
    """Filters documented by a YAML file next to the filter plugin file (plugins/filter/<name>.yml)."""
    return sorted(os.path.splitext(os.path.basename(p))[0] for p in glob.glob(os.path.join(FILTER_DIR, '*.yml')))


def module_docs(name):
    """DOCUMENTATION, EXAMPLES and RETURN of a module, parsed without importing it."""
    tree = ast.parse(_read(os.path.join(MODULES_DIR, name + '.py')))
    blocks = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name):
            target = node.targets[0].id
            if target in ('DOCUMENTATION', 'EXAMPLES', 'RETURN') and isinstance(node.value, ast.Constant):
                blocks[target] = yaml.safe_load(node.value.value)
    return blocks


def galaxy_version():
    return str(_load(os.path.join(REPO_ROOT, 'galaxy.yml'))['version'])


def _version_tuple(text):
    match = re.match(r'^(\d+)\.(\d+)\.(\d+)$', str(text))
    assert match, 'version %r is not MAJOR.MINOR.PATCH' % (text,)
    return tuple(int(part) for part in match.groups())


def _run(command, cwd=None, env=None, timeout=600):
    environment = dict(os.environ, PATH=BIN + os.pathsep + os.environ.get('PATH', ''))
    environment.update(env or {})
    return subprocess.run(command, cwd=cwd, env=environment, capture_output=True, text=True, timeout=timeout, check=False)


def _doc_env():
    return {'ANSIBLE_COLLECTIONS_PATH': COLLECTIONS_ROOT, 'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false',
            'ANSIBLE_NOCOLOR': '1', 'ANSIBLE_DEPRECATION_WARNINGS': 'false'}


def copy_collection(dest_root):
    """Copy what git would ship (tracked files and new, non-ignored ones) to dest_root/ansible_collections/ovhcloud/iam.

    Same layout and file selection as tests/tools/sanity.sh: tools that resolve real paths need a real tree.
    """
    dest = os.path.join(dest_root, 'ansible_collections', 'ovhcloud', 'iam')
    listing = subprocess.run(['git', 'ls-files', '-z', '--cached', '--others', '--exclude-standard'],
                             cwd=REPO_ROOT, capture_output=True, check=True).stdout.decode('utf-8')
    for relative in filter(None, listing.split('\0')):
        source = os.path.join(REPO_ROOT, relative)
        if os.path.isfile(source):
            target = os.path.join(dest, relative)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            shutil.copy2(source, target)
    return dest


def build_tarball(output_dir):
    result = _run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'build', '--force', '--output-path', output_dir],
                  cwd=REPO_ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    tarballs = glob.glob(os.path.join(output_dir, 'ovhcloud-iam-*.tar.gz'))
    assert len(tarballs) == 1, tarballs
    return tarballs[0]


@pytest.fixture(scope='module')
def collection_copy(tmp_path_factory):
    return copy_collection(str(tmp_path_factory.mktemp('collection-copy')))


@pytest.fixture(scope='module')
def tarball(tmp_path_factory):
    return build_tarball(str(tmp_path_factory.mktemp('dist')))


# ----------------------------------------------------------------------------- modules and action group

def test_the_ovh_action_group_lists_exactly_the_modules():
    runtime = _load(os.path.join(REPO_ROOT, 'meta', 'runtime.yml'))
    group = [entry for entry in runtime['action_groups']['ovh'] if isinstance(entry, str)]
    modules = api_module_names()
    assert modules, 'no module in plugins/modules'
    assert sorted(set(modules) - set(group)) == [], 'modules missing from the ovh action group in meta/runtime.yml'
    assert sorted(set(group) - set(modules)) == [], 'action group entries with no module in plugins/modules'
    assert len(group) == len(set(group)), 'duplicate entries in the ovh action group'


@pytest.mark.parametrize('name', api_module_names())
def test_module_uses_the_shared_doc_fragments(name):
    doc = module_docs(name)['DOCUMENTATION']
    fragments = doc.get('extends_documentation_fragment') or []
    for fragment in SHARED_FRAGMENTS:
        assert fragment in fragments, '%s does not extend %s' % (name, fragment)
    attributes = 'ovhcloud.iam.attributes.info_module' if name.endswith('_info') else 'ovhcloud.iam.attributes'
    assert attributes in fragments, '%s should extend %s (check_mode/diff_mode attributes)' % (name, attributes)
    assert doc.get('author') == AUTHOR or doc.get('author') == [AUTHOR], '%s: author should be %r' % (name, AUTHOR)


@pytest.mark.parametrize('name', module_names())
def test_module_and_options_declare_version_added(name):
    """Policy: version_added on every module; on an option only when it came in a later release than its module."""
    doc = module_docs(name)['DOCUMENTATION']
    collection = _version_tuple(galaxy_version())
    assert 'version_added' in doc, '%s has no version_added' % name
    module_version = _version_tuple(doc['version_added'])
    assert module_version <= collection, '%s: version_added %s is after the collection version' % (name, doc['version_added'])

    def walk(options, path):
        for option, spec in (options or {}).items():
            where = '%s.%s' % (path, option)
            if 'version_added' in spec:
                option_version = _version_tuple(spec['version_added'])
                assert module_version < option_version <= collection, (
                    '%s: version_added %s must be after the module\'s (%s) and at most the collection version; '
                    'options added with the module do not repeat it' % (where, spec['version_added'], doc['version_added']))
            walk(spec.get('suboptions'), where)

    walk(doc.get('options'), name)


def test_filters_and_the_role_declare_version_added():
    collection = _version_tuple(galaxy_version())
    documented = {'filter %s' % name: _load(os.path.join(FILTER_DIR, name + '.yml'))['DOCUMENTATION']
                  for name in filter_names()}
    specs = os.path.join(ROLE_DIR, 'meta', 'argument_specs.yml')
    if os.path.isfile(specs):
        for entry_point, spec in _load(specs)['argument_specs'].items():
            documented['role entry point %s' % entry_point] = spec
    for what, doc in documented.items():
        assert 'version_added' in doc, '%s has no version_added' % what
        assert _version_tuple(doc['version_added']) <= collection, '%s: version_added after the collection version' % what


def _task_keywords():
    return set(Task.fattributes) | {'local_action', 'action', 'args', 'with_items', 'with_dict', 'loop'}


@pytest.mark.parametrize('name', module_names())
def test_module_examples_use_fqcn_and_return_documents_samples(name):
    blocks = module_docs(name)
    assert blocks.get('EXAMPLES'), '%s has no EXAMPLES' % name
    keywords = _task_keywords()
    for task in blocks['EXAMPLES']:
        actions = [key for key in task if key not in keywords]
        assert all('.' in action for action in actions), '%s EXAMPLES: %r is not a FQCN' % (name, actions)
    returned = blocks.get('RETURN') or {}
    if name in api_module_names():
        assert 'api_requests' in returned, '%s: RETURN does not document api_requests' % name

    def walk(entries, path, sampled_above):
        # A key is illustrated by its own sample or by the sample of a dict or list that holds it.
        for key, spec in entries.items():
            where = '%s.%s' % (path, key)
            assert spec.get('description'), '%s: no description' % where
            assert spec.get('type'), '%s: no type' % where
            sampled = sampled_above or 'sample' in spec
            if spec.get('contains'):
                walk(spec['contains'], where, sampled)
            else:
                assert sampled, '%s: no sample (on it or on what contains it)' % where

    walk(returned, name, False)
    for key, spec in returned.items():
        assert spec.get('returned'), '%s.%s: no "returned"' % (name, key)


def test_galaxy_version_matches_the_client_user_agent_version():
    source = _read(os.path.join(REPO_ROOT, 'plugins', 'module_utils', '_client.py'))
    match = re.search(r"^COLLECTION_VERSION = '([^']+)'", source, re.MULTILINE)
    assert match, 'COLLECTION_VERSION not found in plugins/module_utils/_client.py'
    assert match.group(1) == galaxy_version()


def test_awx_ee_example_installs_the_current_version():
    tarball_name = 'ovhcloud-iam-%s.tar.gz' % galaxy_version()
    definition = _load(os.path.join(AWX_DIR, 'execution-environment.yml'))
    assert [entry['src'] for entry in definition['additional_build_files']] == [tarball_name]
    requirements = _load(os.path.join(AWX_DIR, 'requirements.yml'))
    assert requirements['collections'][0]['name'].endswith('/' + tarball_name)


# ----------------------------------------------------------------------------- documentation renders and lints

def test_antsibull_docs_lint_is_clean(collection_copy):
    result = _run([os.path.join(BIN, 'antsibull-docs'), 'lint-collection-docs', '--plugin-docs', '.'],
                  cwd=collection_copy, env={'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false'})
    assert result.returncode == 0, result.stdout + result.stderr


def _assert_rendered(result, names):
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert '[WARNING]' not in output and '[ERROR]' not in output, output
    for name in names:
        assert '%s.%s' % (FQCN, name) in result.stdout, '%s not rendered' % name


def test_ansible_doc_renders_every_module():
    names = module_names()
    result = _run([os.path.join(BIN, 'ansible-doc'), '-t', 'module'] + ['%s.%s' % (FQCN, n) for n in names], env=_doc_env())
    _assert_rendered(result, names)


def test_ansible_doc_renders_every_filter():
    names = filter_names()
    if not names:
        pytest.skip('no documented filter plugin yet (plugins/filter/*.yml)')
    result = _run([os.path.join(BIN, 'ansible-doc'), '-t', 'filter'] + ['%s.%s' % (FQCN, n) for n in names], env=_doc_env())
    _assert_rendered(result, names)


def test_ansible_doc_renders_the_role():
    if not os.path.isfile(os.path.join(ROLE_DIR, 'meta', 'argument_specs.yml')):
        pytest.skip('roles/service_account/meta/argument_specs.yml does not exist yet (issue 5)')
    result = _run([os.path.join(BIN, 'ansible-doc'), '-t', 'role', '%s.service_account' % FQCN], env=_doc_env())
    _assert_rendered(result, ['service_account'])
    assert re.search(r'ENTRY POINT: \W*main\b', result.stdout), result.stdout


# ----------------------------------------------------------------------------- changelog

def test_changelog_fragments_and_changelog_yaml_lint_clean():
    lint = _run([os.path.join(BIN, 'antsibull-changelog'), 'lint'], cwd=REPO_ROOT)
    assert lint.returncode == 0 and not lint.stdout.strip(), lint.stdout + lint.stderr
    yaml_lint = _run([os.path.join(BIN, 'antsibull-changelog'), 'lint-changelog-yaml',
                      os.path.join('changelogs', 'changelog.yaml')], cwd=REPO_ROOT)
    assert yaml_lint.returncode == 0 and not yaml_lint.stdout.strip(), yaml_lint.stdout + yaml_lint.stderr


def test_a_release_generates_changelog_md_with_every_module(collection_copy):
    """Release in a throw-away copy (never in the tree) and check what CHANGELOG.md would say."""
    version = galaxy_version()
    result = _run([os.path.join(BIN, 'antsibull-changelog'), 'release', '--version', version, '--date', '2030-01-01'],
                  cwd=collection_copy, env={'ANSIBLE_COLLECTIONS_SCAN_SYS_PATH': 'false'})
    assert result.returncode == 0, result.stdout + result.stderr
    generated = _read(os.path.join(collection_copy, 'CHANGELOG.md'))
    released = _load(os.path.join(collection_copy, 'changelogs', 'changelog.yaml'))['releases'][version]
    assert sorted(m['name'] for m in released.get('modules', [])) == module_names()
    for name in module_names():
        assert 'ovhcloud\\.iam\\.%s' % name.replace('_', '\\_') in generated, '%s missing from the generated CHANGELOG.md' % name
    fragments = sorted(os.listdir(os.path.join(REPO_ROOT, 'changelogs', 'fragments')))
    assert sorted(released.get('fragments', [])) == [f for f in fragments if f.endswith(('.yml', '.yaml'))]
    # The CHANGELOG.md kept in the tree is the tool's file: same title, and the same once released.
    assert _read(os.path.join(REPO_ROOT, 'CHANGELOG.md')).splitlines()[0] == generated.splitlines()[0]


# ----------------------------------------------------------------------------- execution environment and tarball

def test_tarball_holds_no_build_output_caches_or_venvs(tarball):
    with tarfile.open(tarball) as archive:
        names = archive.getnames()
    offending = sorted(n for n in names if FORBIDDEN_IN_TARBALL.search(n))
    assert offending == [], 'the built collection carries files it should not: %s' % offending[:20]
    for required in ('MANIFEST.json', 'FILES.json', 'README.md', 'LICENSE', 'meta/runtime.yml',
                     'meta/execution-environment.yml', 'meta/ee-requirements.txt', 'meta/ee-bindep.txt',
                     'changelogs/changelog.yaml', 'awx/credential_type_ovhcloud.yml'):
        assert required in names, '%s missing from the tarball' % required
    assert all('plugins/modules/%s.py' % m in names for m in module_names())


def test_ansible_builder_creates_a_context_from_the_ee_example(tarball, tmp_path):
    """awx/execution-environment.yml (installing the built tarball) is accepted by ansible-builder create.

    No container runtime here, so the galaxy stage and the introspection the build would run are replayed
    with the files ansible-builder generated: install from the context's requirements.yml, then run the
    context's own introspect script, which writes the pip and bindep files the final image installs.
    """
    work = str(tmp_path)
    for name in ('execution-environment.yml', 'requirements.yml'):
        shutil.copy(os.path.join(AWX_DIR, name), work)
    shutil.copy(tarball, work)
    create = _run([os.path.join(BIN, 'ansible-builder'), 'create', '--file', 'execution-environment.yml',
                   '--context', 'context', '--output-filename', 'Containerfile'], cwd=work)
    assert create.returncode == 0, create.stdout + create.stderr
    build = os.path.join(work, 'context', '_build')
    containerfile = _read(os.path.join(work, 'context', 'Containerfile'))
    assert 'ansible-galaxy collection install' in containerfile
    assert os.path.isfile(os.path.join(build, 'collections', os.path.basename(tarball)))

    # Galaxy stage: the Containerfile copies _build to /build and installs its requirements.yml.
    requirements = _read(os.path.join(build, 'requirements.yml')).replace('/build/', build + '/')
    with open(os.path.join(build, 'requirements.local.yml'), 'w', encoding='utf-8') as handle:
        handle.write(requirements)
    collections = os.path.join(work, 'ee-collections')
    install = _run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', '--force', '-r', 'requirements.local.yml',
                    '-p', collections], cwd=build)
    assert install.returncode == 0, install.stdout + install.stderr
    # Builder stage: its introspection decides what the image gets.
    pip_file, bindep_file = os.path.join(work, 'pip.txt'), os.path.join(work, 'bindep.txt')
    introspect = _run([sys.executable, os.path.join(build, 'scripts', 'introspect.py'), 'introspect', collections,
                       '--write-pip', pip_file, '--write-bindep', bindep_file])
    assert introspect.returncode == 0, introspect.stdout + introspect.stderr
    pip_lines = [line.split('#')[0].strip() for line in _read(pip_file).splitlines() if line.split('#')[0].strip()]
    assert pip_lines == ['requests>=2.25.0']
    assert not os.path.exists(bindep_file) or not _read(bindep_file).strip()


def test_ansible_builder_introspect_finds_only_requests(tarball, tmp_path):
    collections = str(tmp_path / 'collections')
    install = _run([os.path.join(BIN, 'ansible-galaxy'), 'collection', 'install', '--force', tarball, '-p', collections])
    assert install.returncode == 0, install.stdout + install.stderr
    result = _run([os.path.join(BIN, 'ansible-builder'), 'introspect', '--sanitize', collections])
    assert result.returncode == 0, result.stdout + result.stderr
    found = yaml.safe_load(result.stdout)
    assert [line.split('#')[0].strip() for line in found['python']] == ['requests>=2.25.0']
    assert found['system'] == []
    # The EE file must name both files, so ansible-builder never falls back to the test requirements.
    ee = _load(os.path.join(REPO_ROOT, 'meta', 'execution-environment.yml'))
    assert ee['dependencies'] == {'python': 'meta/ee-requirements.txt', 'system': 'meta/ee-bindep.txt'}


# ----------------------------------------------------------------------------- AWX / AAP credential type

AWX_FIELD_KEYS = {'id', 'label', 'type', 'help_text', 'secret', 'multiline', 'format', 'choices', 'ask_at_runtime'}


def _credential_type():
    data = _load(os.path.join(AWX_DIR, 'credential_type_ovhcloud.yml'))
    assert list(data) == ['credential_types'] and len(data['credential_types']) == 1
    return data['credential_types'][0]


def test_awx_credential_type_is_valid_for_awx():
    """The checks AWX applies when the type is created (strict field schema of older AWX releases included)."""
    from jinja2 import Environment, meta

    credential_type = _credential_type()
    assert credential_type['kind'] == 'cloud'
    assert credential_type['natural_key'] == {'name': credential_type['name'], 'kind': 'cloud', 'type': 'credential_type'}
    fields = credential_type['inputs']['fields']
    ids = [field['id'] for field in fields]
    assert len(ids) == len(set(ids))
    for field in fields:
        assert set(field) <= AWX_FIELD_KEYS, 'field %s has keys AWX rejects: %s' % (field['id'], set(field) - AWX_FIELD_KEYS)
        assert re.match(r'^[a-zA-Z_]+[a-zA-Z0-9_]*$', field['id']) and field['id'] != 'tower'
        assert field['type'] in ('string', 'boolean') and field['label']
    assert set(credential_type['inputs']['required']) <= set(ids)
    environment = Environment()
    files = credential_type['injectors'].get('file', {})
    assert all(re.match(r'^template\.\w+$', key) for key in files), 'AWX names file injectors template.<name>'
    for template in files.values():
        assert meta.find_undeclared_variables(environment.parse(template)) <= set(ids)
    for variable, template in credential_type['injectors']['env'].items():
        assert not variable.startswith('ANSIBLE_'), 'AWX drops ANSIBLE_* injectors: %s' % variable
        used = meta.find_undeclared_variables(environment.parse(template))
        assert used <= set(ids) | {'tower'}, '%s uses undefined inputs %s' % (variable, used - set(ids))
        for name in re.findall(r'tower\.filename\.(\w+)', template):
            assert 'template.' + name in files, '%s names a file no file injector writes' % variable


def test_awx_credential_type_injects_what_the_modules_read():
    from ansible_collections.ovhcloud.iam.plugins.module_utils._config import ENV_VARS
    from ansible_collections.ovhcloud.iam.plugins.module_utils._module import connection_argument_spec

    from jinja2 import Environment, meta

    credential_type = _credential_type()
    injected = credential_type['injectors']['env']
    # Every connection setting but config_file (an AWX credential replaces ovh.conf).
    wanted = {ENV_VARS[option] for option in ENV_VARS if option != 'config_file'}
    assert set(injected) == wanted
    secret_fields = {field['id'] for field in credential_type['inputs']['fields'] if field.get('secret')}
    spec = connection_argument_spec()
    option_of_env = {env: option for option, env in ENV_VARS.items()}
    for variable, template in injected.items():
        (field,) = meta.find_undeclared_variables(Environment().parse(template)) - {'tower'}
        is_secret = bool(spec[option_of_env[variable]].get('no_log'))
        assert (field in secret_fields) == is_secret, '%s (%s): secret in AWX must match no_log of the module option' % (field, variable)


def test_awx_configure_playbook_uses_the_credential_type_file():
    plays = _load(os.path.join(AWX_DIR, 'configure-awx.yml'))
    tasks = [task for play in plays for task in play.get('tasks', [])]
    modules = {key for task in tasks for key in task if key.startswith('awx.awx.')}
    assert {'awx.awx.credential_type', 'awx.awx.credential', 'awx.awx.job_template'} <= modules
    credential_tasks = [task for task in tasks if 'awx.awx.credential' in task]
    assert all(task.get('no_log') is True for task in credential_tasks), 'the credential task handles secrets: no_log: true'
    assert 'credential_type_ovhcloud.yml' in _read(os.path.join(AWX_DIR, 'configure-awx.yml'))


# ----------------------------------------------------------------------------- README and guides

def _markdown_links(path):
    text = _read(path)
    text = re.sub(r'```.*?```', '', text, flags=re.DOTALL)
    return re.findall(r'\]\(([^)\s]+)\)', text)


def test_readme_links_every_guide():
    links = {os.path.normpath(link.split('#')[0]) for link in _markdown_links(os.path.join(REPO_ROOT, 'README.md'))}
    guides = {os.path.relpath(path, REPO_ROOT) for path in glob.glob(os.path.join(DOCS_DIR, '*.md'))}
    assert guides, 'no guide in docs/'
    assert sorted(guides - links) == [], 'guides not linked from README.md'


def _github_anchors(path):
    """The anchors GitHub gives the headings of a markdown file."""
    text = re.sub(r'```.*?```', '', _read(path), flags=re.DOTALL)
    headings = re.findall(r'^#+ +(.+?) *$', text, re.MULTILINE)
    return {re.sub(r'[^\w\- ]', '', heading.strip().lower()).replace(' ', '-') for heading in headings}


def test_relative_links_in_readme_and_guides_resolve():
    broken = []
    for path in [os.path.join(REPO_ROOT, 'README.md')] + glob.glob(os.path.join(DOCS_DIR, '*.md')):
        for link in _markdown_links(path):
            target, anchor = (link.split('#', 1) + [''])[:2]
            if re.match(r'^[a-z]+:', target):
                continue
            resolved = os.path.normpath(os.path.join(os.path.dirname(path), target)) if target else path
            if not os.path.exists(resolved):
                broken.append('%s -> %s' % (os.path.relpath(path, REPO_ROOT), link))
            elif anchor and resolved.endswith('.md') and anchor not in _github_anchors(resolved):
                broken.append('%s -> %s (no such heading)' % (os.path.relpath(path, REPO_ROOT), link))
    assert broken == []


def test_make_targets_named_in_the_docs_exist():
    makefile = _read(os.path.join(REPO_ROOT, 'Makefile'))
    targets = set(re.findall(r'^([a-z][a-z0-9-]*):', makefile, re.MULTILINE))
    named = set()
    for path in [os.path.join(REPO_ROOT, 'README.md')] + glob.glob(os.path.join(DOCS_DIR, '*.md')):
        named |= set(re.findall(r'`make ([a-z][a-z0-9-]*)', _read(path)))
    assert sorted(named - targets) == [], 'make targets named in the docs but missing from the Makefile'


# ----------------------------------------------------------------------------- documented playbooks run

# Playbooks in the guides marked with <!-- doc-test: ID --> just before their ```yaml block.
DOC_TEST = re.compile(r'<!-- doc-test: ([\w-]+) -->\s*```yaml\n(.*?)```', re.DOTALL)


def documented_playbooks(relative_path):
    return dict(DOC_TEST.findall(_read(os.path.join(REPO_ROOT, relative_path))))


def _ovh_conf_env(fake):
    """Only the endpoint: credentials come from ~/.ovh.conf (HOME is the test's workdir)."""
    return {'OVH_ENDPOINT': fake.endpoint}


def test_getting_started_playbooks_work_as_the_guide_says(fake, workdir, owner_env, assert_no_leak):
    """Bootstrap with the owner's application keys, then everything else as the automation service account."""
    from tests.ansible_runner import run_adhoc, run_playbook

    playbooks = documented_playbooks('docs/getting-started.md')
    bootstrap = run_playbook(playbooks['getting-started-bootstrap'], workdir, env=owner_env)
    assert bootstrap.rc == 0, bootstrap
    assert os.stat(os.path.join(workdir, '.ovh.conf')).st_mode & 0o777 == 0o600

    as_automation = _ovh_conf_env(fake)
    check = run_adhoc('ovhcloud.iam.ovh_iam_policy_info', {'name': 'ansible-automation'}, workdir, env=as_automation)
    assert check.rc == 0, check
    first = run_playbook(playbooks['getting-started-first-playbook'], workdir, env=as_automation)
    assert first.rc == 0, first
    assert os.path.isfile(os.path.join(workdir, 'billing-exporter.ovh.conf'))
    fake.clear_requests()
    again = run_playbook(playbooks['getting-started-first-playbook'], workdir, env=as_automation)
    assert again.rc == 0 and again.changed_tasks() == [], again
    assert fake.writes() == []
    assert_no_leak(bootstrap.output, check.output, first.output, again.output)


def test_authentication_module_defaults_example_works(fake, workdir, owner_env):
    from tests.ansible_runner import run_playbook

    setup = run_playbook(play('''
    - ovhcloud.iam.ovh_iam_resource_info:
        type: account
      register: account
    - ovhcloud.iam.ovh_oauth2_client:
        name: ansible-automation
      register: automation
      no_log: true
    - ovhcloud.iam.ovh_iam_policy:
        name: ansible-automation
        identities: ["{{ automation.client.identity }}"]
        resources: ["{{ account.resources[0].urn }}"]
        allow: [account:apiovh:me/api/oauth2/client/get, account:apiovh:iam/policy/get]
    - ansible.builtin.copy:
        content: "{{ {'ovh_client_id': automation.client.client_id, 'ovh_client_secret': automation.client_secret} | to_json }}"
        dest: "{{ playbook_dir }}/automation.json"
        mode: '0600'
      no_log: true
'''), workdir, env=owner_env)
    assert setup.rc == 0, setup
    example = documented_playbooks('docs/authentication.md')['authentication-module-defaults']
    # No OVH_* variable at all: module_defaults alone must carry the connection.
    result = run_playbook(example, workdir, extra_args=['-e', '@' + os.path.join(workdir, 'automation.json')],
                          extra_vars={'ovh_endpoint': fake.endpoint})
    assert result.rc == 0, result
    clients = result.task('List the service accounts')['clients']
    assert [c['name'] for c in clients] == ['ansible-automation']
    policies = result.task('List the policies that give them rights')['policies']
    assert [p['name'] for p in policies] == ['ansible-automation']


ROTATION_SETUP = play('''
    - ovhcloud.iam.ovh_iam_resource_info:
        type: account
      register: account
    - name: the playbook that created the account
      ovhcloud.iam.ovh_oauth2_client:
        name: billing-exporter
        description: Exports invoices
        credentials_file: ~/billing-exporter.ovh.conf
      register: exporter
    - ovhcloud.iam.ovh_iam_policy:
        name: "{{ item }}"
        identities: ["{{ exporter.client.identity }}"]
        resources: ["{{ account.resources[0].urn }}"]
        allow: [account:apiovh:me/bill/get]
      loop: [billing-read, billing-audit]
''')


@pytest.mark.parametrize('example', ['rotation-by-hand', 'rotation-one-task'])
def test_rotation_examples_rotate_twice_and_the_creating_playbook_stays_quiet(fake, workdir, owner_env, example):
    """Each documented rotation works run after run, and leaves nothing that alarms the playbook that created the account."""
    from tests.ansible_runner import run_playbook

    setup = run_playbook(ROTATION_SETUP, workdir, env=owner_env)
    assert setup.rc == 0, setup
    seen = [c['clientId'] for c in fake.state()['clients'] if c['name'] == 'billing-exporter']
    for _round in range(2):
        result = run_playbook(documented_playbooks('docs/rotation.md')[example], workdir, env=owner_env)
        assert result.rc == 0, result
        state = fake.state()
        (new,) = [c for c in state['clients'] if c['name'].startswith('billing-exporter')]
        assert new['name'] == 'billing-exporter' and new['clientId'] not in seen
        seen.append(new['clientId'])
        assert new['description'] == 'Exports invoices'
        for policy in (p for p in state['policies'] if p['name'] in ('billing-read', 'billing-audit')):
            assert policy['identities'] == [new['identity']]
        conf = _read(os.path.join(workdir, 'billing-exporter.ovh.conf'))
        assert 'client_id=%s\n' % new['clientId'] in conf and 'client_secret=%s\n' % new['clientSecret'] in conf
        assert not os.path.exists(os.path.join(workdir, 'billing-exporter.next.ovh.conf'))
    fake.clear_requests()
    again = run_playbook(ROTATION_SETUP, workdir, env=owner_env)
    assert again.rc == 0 and again.changed_tasks() == [], again
    assert 'delete the client' not in again.output and 'WARNING' not in again.output
    assert fake.writes() == []


def test_openstack_policy_example_grants_openstack_roles_on_the_project(fake, workdir, owner_env):
    from tests.ansible_runner import run_playbook

    result = run_playbook(documented_playbooks('docs/openstack.md')['openstack-policy'], workdir, env=owner_env)
    assert result.rc == 0, result
    (policy,) = [p for p in fake.state()['policies'] if p['name'] == 'terraform-gra-openstack']
    assert [r['urn'] for r in policy['resources']] == ['urn:v1:eu:resource:publicCloudProject:0123456789abcdef0123456789abcdef']
    assert sorted(a['action'] for a in policy['permissions']['allow']) == [
        'publicCloudProject:openstack:computeOperator', 'publicCloudProject:openstack:networkOperator']


def test_readme_quick_start_creates_the_account_and_its_policy(fake, workdir, owner_env):
    from tests.ansible_runner import run_playbook

    playbook = documented_playbooks('README.md')['readme-quick-start']
    result = run_playbook(playbook, workdir, env=owner_env)
    assert result.rc == 0, result
    state = fake.state()
    (client,) = [c for c in state['clients'] if c['name'] == 'invoice-exporter']
    (policy,) = [p for p in state['policies'] if p['name'] == 'invoice-exporter']
    assert policy['identities'] == [client['identity']]
    conf = _read(os.path.join(workdir, 'invoice-exporter.ovh.conf'))
    assert 'client_id=%s\n' % client['clientId'] in conf
    fake.clear_requests()
    again = run_playbook(playbook, workdir, env=owner_env, check=True, diff=True)
    assert again.rc == 0 and again.changed_tasks() == [], again
    assert fake.writes() == []
