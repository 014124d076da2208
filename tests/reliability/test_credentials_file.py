"""Credential files: written atomically (temporary file in the same directory, then os.replace), mode 0600
whatever the umask, never over other credentials, never left behind as a temporary file, never on a
command line."""

import configparser
import os
import re

import pytest

from ansible_collections.ovhcloud.iam.plugins.module_utils import _credentials_file as credentials_file
from tests.ansible_runner import run_playbook
from tests.conftest import REPO_ROOT
from tests.playbooks import mode_of, play, task

SECRET = 's3cr3t-' + 'x' * 25


@pytest.fixture
def open_umask():
    previous = os.umask(0)
    yield
    os.umask(previous)


def test_write_is_atomic_0600_and_leaves_no_temporary_file(tmp_path, open_umask):
    path = str(tmp_path / 'ovh.conf')
    credentials_file.write(path, 'ovh-eu', 'EU.first', SECRET)
    assert mode_of(path) == 0o600
    assert os.listdir(str(tmp_path)) == ['ovh.conf']
    first_inode = os.stat(path).st_ino
    credentials_file.write(path, 'ovh-eu', 'EU.second', SECRET + '2')
    # Replaced, not rewritten in place: a reader sees the old file or the new one, never half of one.
    assert os.stat(path).st_ino != first_inode
    assert mode_of(path) == 0o600 and os.listdir(str(tmp_path)) == ['ovh.conf']
    parser = configparser.RawConfigParser()
    parser.read(path)
    assert parser.get('default', 'endpoint') == 'ovh-eu'
    assert dict(parser.items('ovh-eu')) == {'client_id': 'EU.second', 'client_secret': SECRET + '2'}


def test_a_failed_write_keeps_the_old_file_and_removes_the_temporary_one(tmp_path, monkeypatch):
    path = str(tmp_path / 'ovh.conf')
    credentials_file.write(path, 'ovh-eu', 'EU.first', SECRET)
    before = open(path, encoding='utf-8').read()

    def refuse(_source, _target):
        raise OSError(28, 'No space left on device')
    monkeypatch.setattr(credentials_file.os, 'replace', refuse)
    with pytest.raises(credentials_file.CredentialsFileError) as caught:
        credentials_file.write(path, 'ovh-eu', 'EU.second', SECRET + '2')
    assert 'No space left on device' in str(caught.value) and SECRET not in str(caught.value)
    assert os.listdir(str(tmp_path)) == ['ovh.conf']
    assert open(path, encoding='utf-8').read() == before


@pytest.mark.parametrize('content', [
    '[default]\nendpoint=ovh-eu\n\n[ovh-eu]\napplication_key=ak\napplication_secret=%s\nconsumer_key=ck\n' % SECRET,
    '[default]\nendpoint=ovh-eu\n\n[ovh-eu]\nclient_id=EU.someone-else\nclient_secret=%s\n' % SECRET,
], ids=['application-keys', 'another-client'])
def test_a_file_holding_other_credentials_is_refused_untouched(tmp_path, content):
    path = str(tmp_path / 'ovh.conf')
    with open(path, 'w', encoding='utf-8') as handle:
        handle.write(content)
    with pytest.raises(credentials_file.CredentialsFileError) as caught:
        credentials_file.inspect(path, client_ids=('EU.mine',))
    assert 'already holds other credentials' in str(caught.value)
    assert SECRET not in str(caught.value)
    assert open(path, encoding='utf-8').read() == content


def test_no_plugin_starts_a_process(ledger):
    """A secret can only reach a command line through a process the collection starts: it starts none."""
    pattern = re.compile(r'\b(subprocess|os\.system|os\.popen|os\.exec\w*|os\.spawn\w*|run_command|pexpect)\b')
    offenders = []
    for root, _dirs, names in os.walk(os.path.join(REPO_ROOT, 'plugins')):
        for name in names:
            if name.endswith('.py'):
                path = os.path.join(root, name)
                with open(path, encoding='utf-8') as handle:
                    for number, line in enumerate(handle, 1):
                        if pattern.search(line.split('#')[0]):
                            offenders.append('%s:%d' % (os.path.relpath(path, REPO_ROOT), number))
    assert not offenders, offenders


def test_module_writes_0600_under_an_open_umask_and_refuses_foreign_files(fake, workdir, owner_env, open_umask, ledger):
    target_dir = os.path.join(workdir, 'app')
    os.mkdir(target_dir)
    path = os.path.join(target_dir, 'ovh.conf')
    foreign = os.path.join(target_dir, 'other.conf')
    foreign_text = '[default]\nendpoint=ovh-eu\n\n[ovh-eu]\napplication_key=ak\napplication_secret=%s\nconsumer_key=ck\n' % SECRET
    with open(foreign, 'w', encoding='utf-8') as handle:
        handle.write(foreign_text)
    run = run_playbook(play([
        task('create with a credentials file', 'ovh_oauth2_client',
             {'name': 'rel-file-app', 'return_secret': False, 'credentials_file': path}),
        task('refuse a file that holds other credentials', 'ovh_oauth2_client',
             {'name': 'rel-file-other', 'return_secret': False, 'credentials_file': foreign}, ignore_errors=True),
    ]), workdir, env=owner_env)
    assert run.rc == 0, run
    assert mode_of(path) == 0o600
    assert sorted(os.listdir(target_dir)) == ['other.conf', 'ovh.conf']
    parser = configparser.RawConfigParser()
    parser.read(path)
    section = parser.get('default', 'endpoint')
    held = [c for c in fake.state()['clients'] if c['name'] == 'rel-file-app']
    assert [parser.get(section, 'client_id')] == [c['clientId'] for c in held]
    assert parser.get(section, 'client_secret') == held[0]['clientSecret']
    refusal = run.task('refuse a file that holds other credentials')
    assert run.status('refuse a file that holds other credentials') == 'failed'
    assert 'already holds other credentials' in refusal['msg'] and SECRET not in refusal['msg']
    assert open(foreign, encoding='utf-8').read() == foreign_text
    assert not [c for c in fake.state()['clients'] if c['name'] == 'rel-file-other'], 'nothing may be created'
    ledger.put('credentials_file', {'mode': oct(mode_of(path)), 'umask_during_run': '0000',
                                    'files_in_directory': sorted(os.listdir(target_dir)),
                                    'foreign_file_refused_untouched': True})
