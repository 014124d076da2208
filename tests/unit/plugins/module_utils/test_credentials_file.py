"""The ovh.conf credentials writer: format, atomic 0600 write, refusal to overwrite other credentials."""

import configparser
import os
import stat

import pytest

from ansible_collections.ovhcloud.iam.plugins.module_utils import _credentials_file as credentials_file
from ansible_collections.ovhcloud.iam.plugins.module_utils._config import resolve_connection


def mode_of(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_render_is_the_ovh_conf_format():
    assert credentials_file.render('ovh-eu', 'EU.abc', 's3cret') == (
        '[default]\nendpoint=ovh-eu\n\n[ovh-eu]\nclient_id=EU.abc\nclient_secret=s3cret\n')


def test_write_is_0600_whatever_the_umask_and_leaves_no_temporary_file(tmp_path):
    path = tmp_path / 'ovh.conf'
    old_umask = os.umask(0)
    try:
        written = credentials_file.write(str(path), 'ovh-eu', 'EU.abc', 's3cret')
    finally:
        os.umask(old_umask)
    assert written == str(path)
    assert mode_of(path) == 0o600
    assert os.listdir(str(tmp_path)) == ['ovh.conf']


def test_write_honours_the_mode_option(tmp_path):
    path = tmp_path / 'ovh.conf'
    credentials_file.write(str(path), 'ovh-eu', 'EU.abc', 's3cret', mode='0640')
    assert mode_of(path) == 0o640


def test_written_file_is_read_back_by_the_collection_config(tmp_path):
    path = tmp_path / 'ovh.conf'
    credentials_file.write(str(path), 'ovh-ca', 'CA.abc', 's3cret')
    settings = resolve_connection({'config_file': str(path)}, environ={})
    assert settings.endpoint == 'ovh-ca'
    assert settings.auth_method == 'oauth2'
    assert settings.credentials == {'auth_client_id': 'CA.abc', 'auth_client_secret': 's3cret'}


def test_url_endpoint_is_kept_as_configured(tmp_path):
    path = tmp_path / 'ovh.conf'
    credentials_file.write(str(path), 'http://127.0.0.1:8080/1.0', 'EU.abc', 's3cret')
    parser = configparser.RawConfigParser()
    parser.read(str(path))
    assert parser.get('default', 'endpoint') == 'http://127.0.0.1:8080/1.0'
    assert parser.get('http://127.0.0.1:8080/1.0', 'client_id') == 'EU.abc'


@pytest.mark.parametrize('mode', ['600', '0600', '0o600', ' 0640 '])
def test_parse_mode_accepts_octal_strings(mode):
    assert credentials_file.parse_mode(mode) in (0o600, 0o640)


@pytest.mark.parametrize('mode', ['rw-------', '0800', '10000', '-1', ''])
def test_parse_mode_rejects_anything_else(mode):
    with pytest.raises(credentials_file.CredentialsFileError):
        credentials_file.parse_mode(mode)


def test_inspect_missing_and_credential_free_files(tmp_path):
    path = tmp_path / 'ovh.conf'
    assert credentials_file.inspect(str(path)) == credentials_file.MISSING
    path.write_text('[default]\nendpoint=ovh-eu\n')
    assert credentials_file.inspect(str(path)) == credentials_file.WITHOUT_CREDENTIALS
    path.write_text('')
    assert credentials_file.inspect(str(path)) == credentials_file.WITHOUT_CREDENTIALS


def test_inspect_recognises_this_clients_file(tmp_path):
    path = tmp_path / 'ovh.conf'
    credentials_file.write(str(path), 'ovh-eu', 'EU.mine', 's3cret')
    assert credentials_file.inspect(str(path), client_ids=('EU.mine',)) == credentials_file.SAME_CLIENT


@pytest.mark.parametrize('content', [
    '[default]\nendpoint=ovh-eu\n\n[ovh-eu]\nclient_id=EU.other\nclient_secret=theirs\n',
    '[ovh-eu]\napplication_key=ak\napplication_secret=as\nconsumer_key=ck\n',
    '[ovh-eu]\nclient_id=EU.mine\nclient_secret=x\n[ovh-ca]\nclient_id=CA.other\nclient_secret=y\n',
    '[ovh-eu]\nclient_id=EU.mine\nclient_secret=x\napplication_key=ak\n',
    'not an ini file\n',
])
def test_inspect_refuses_other_credentials_without_quoting_them(tmp_path, content):
    path = tmp_path / 'ovh.conf'
    path.write_text(content)
    with pytest.raises(credentials_file.CredentialsFileError) as caught:
        credentials_file.inspect(str(path), client_ids=('EU.mine',))
    message = str(caught.value)
    assert 'not changed' in message
    for value in ('theirs', 'EU.other', 'CA.other', 'as', 'ck'):
        assert '=' + value not in message and ' ' + value + ' ' not in message
    assert path.read_text() == content


def test_inspect_refuses_a_directory_or_a_missing_directory(tmp_path):
    with pytest.raises(credentials_file.CredentialsFileError):
        credentials_file.inspect(str(tmp_path))
    with pytest.raises(credentials_file.CredentialsFileError, match='does not exist'):
        credentials_file.inspect(str(tmp_path / 'nowhere' / 'ovh.conf'))


def test_write_replaces_atomically(tmp_path):
    path = tmp_path / 'ovh.conf'
    path.write_text('[default]\nendpoint=ovh-eu\n')
    inode_before = os.stat(str(path)).st_ino
    credentials_file.write(str(path), 'ovh-eu', 'EU.new', 'fresh')
    assert os.stat(str(path)).st_ino != inode_before
    assert 'client_secret=fresh' in path.read_text()
    assert mode_of(path) == 0o600


# ---------------------------------------------------------------- modes as ansible.builtin.file reads them (issue 12.3)

@pytest.mark.parametrize('mode, expected', [
    (0o640, 0o640),          # 0640 unquoted: YAML already read it as octal (the integer 416)
    (0o600, 0o600),
    ('0640', 0o640), ('640', 0o640), ('0o640', 0o640), ('0400', 0o400),
    ('u=rw', 0o600), ('u=rw,g=r', 0o640), ('u+rw,g+r', 0o640), ('u=r', 0o400),
])
def test_modes_are_read_as_ansible_reads_them(mode, expected):
    assert credentials_file.parse_mode(mode) == expected


@pytest.mark.parametrize('mode, fragment', [
    (0o644, 'gives others access'), ('0644', 'gives others access'), ('0606', 'gives others access'),
    ('a+r', 'gives others access'), ('o=r', 'gives others access'), ('u=rw,g=r,o=r', 'gives others access'),
    (600, 'YAML read a number without a leading 0 as decimal'), (640, '640 is 1200 in octal'),
    (0o4600, 'is not a permission mode'), (0o7777, 'more than permission bits'), ('04600', 'more than permission bits'),
    (True, 'must be a file mode'), ('rw-r-----', 'octal or symbolic form'),
])
def test_modes_that_open_the_secret_or_mean_a_mistake_are_refused(mode, fragment):
    with pytest.raises(credentials_file.CredentialsFileError) as caught:
        credentials_file.parse_mode(mode)
    assert fragment in str(caught.value)


def test_a_symbolic_mode_applies_to_the_existing_files_mode(tmp_path):
    path = tmp_path / 'ovh.conf'
    path.write_text('[default]\n', encoding='utf-8')
    os.chmod(str(path), 0o640)
    assert credentials_file.parse_mode('g-r', str(path)) == 0o600
    assert credentials_file.parse_mode('g-r') == 0o000


def test_enforce_mode_gives_the_file_the_asked_mode_and_says_what_it_was(tmp_path):
    path = str(tmp_path / 'ovh.conf')
    credentials_file.write(path, 'ovh-eu', 'EU.abc', 'secret')
    os.chmod(path, 0o644)
    assert credentials_file.enforce_mode(path, '0600', check_mode=True) == (0o644, 0o600)
    assert os.stat(path).st_mode & 0o777 == 0o644
    assert credentials_file.enforce_mode(path, 0o600) == (0o644, 0o600)
    assert os.stat(path).st_mode & 0o777 == 0o600
    assert credentials_file.enforce_mode(path, '0600') is None
