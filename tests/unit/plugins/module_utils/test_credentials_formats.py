"""The three credentials formats (module_utils/_credentials_file.py), read back by the readers the docs name:
python-ovh 1.2.0 for ovh.conf and the env file, and the clouds.yaml keys of ovh-api.md section 8."""

import configparser
import os
import shlex

import pytest
import yaml

from ansible_collections.ovhcloud.iam.plugins.module_utils import _credentials_file as credentials_file

NAME = 'billing-exporter'
SECRET = 'f00dfeedcafe0123456789abcdef0123'


def values(**extra):
    base = {'name': NAME, 'endpoint': 'ovh-eu', 'token_url': None, 'client_id': 'EU.0f0f0f0f0f0f0f0f',
            'client_secret': SECRET, 'identity_region': 'eu', 'cloud': NAME,
            'openstack': {'project_id': '0123456789abcdef0123456789abcdef', 'region': 'GRA11',
                          'identity_provider': 'auto', 'auth_url': 'https://auth.cloud.ovh.net/v3'}}
    base.update(extra)
    return base


def render(fmt, held=None, **extra):
    return credentials_file.render_for(fmt, held or credentials_file.parse(fmt, None, NAME, NAME), values(**extra))


@pytest.fixture
def python_ovh(monkeypatch):
    import ovh
    for key in list(os.environ):
        if key.startswith('OVH_'):
            monkeypatch.delenv(key)
    monkeypatch.chdir(os.path.dirname(__file__))  # no ./ovh.conf here
    monkeypatch.setenv('HOME', '/nonexistent')
    return ovh


def test_ovh_conf_is_read_by_python_ovh(tmp_path, python_ovh):
    path = tmp_path / 'ovh.conf'
    path.write_text(render('ovh_conf'))
    client = python_ovh.Client(config_file=str(path))
    assert client._endpoint == 'https://eu.api.ovh.com/1.0'
    assert (client._client_id, client._client_secret) == ('EU.0f0f0f0f0f0f0f0f', SECRET)


def test_a_base_url_of_a_known_endpoint_is_written_as_its_name(tmp_path, python_ovh):
    path = tmp_path / 'ovh.conf'
    path.write_text(render('ovh_conf', endpoint='https://ca.api.ovh.com/1.0'))
    assert python_ovh.Client(config_file=str(path))._endpoint == 'https://ca.api.ovh.com/1.0'
    parser = configparser.RawConfigParser()
    parser.read(str(path))
    assert parser.get('default', 'endpoint') == 'ovh-ca'


def test_a_url_only_endpoint_says_python_ovh_refuses_it_and_carries_the_token_url(tmp_path, python_ovh):
    text = render('ovh_conf', endpoint='https://proxy.example.com/1.0', token_url='https://proxy.example.com/auth/oauth2/token')
    assert 'python-ovh 1.2.0 accepts only' in text and 'InvalidRegion' in text
    assert 'token_url=https://proxy.example.com/auth/oauth2/token' in text
    path = tmp_path / 'ovh.conf'
    path.write_text(text)
    with pytest.raises(python_ovh.exceptions.InvalidRegion):
        python_ovh.Client(config_file=str(path))
    env = render('env', endpoint='https://proxy.example.com/1.0', token_url='https://proxy.example.com/auth/oauth2/token')
    assert 'OVH_TOKEN_URL=https://proxy.example.com/auth/oauth2/token' in env.splitlines()


def test_the_token_url_of_an_endpoint_name_is_not_repeated():
    assert 'token_url' not in render('ovh_conf', token_url='https://www.ovh.com/auth/oauth2/token')
    assert 'token_url=https://auth.eu.ovhcloud.com/oauth2/token' in render('ovh_conf', token_url='https://auth.eu.ovhcloud.com/oauth2/token')


def env_lines(text):
    """KEY=value as systemd EnvironmentFile= and sh read them (comments skipped)."""
    found = {}
    for line in text.splitlines():
        if line and not line.startswith('#'):
            [word] = shlex.split(line)
            key, value = word.split('=', 1)
            found[key] = value
    return found


def test_env_file_is_read_by_python_ovh_through_its_environment(python_ovh, monkeypatch):
    found = env_lines(render('env'))
    assert set(found) == {'OVH_ENDPOINT', 'OVH_CLIENT_ID', 'OVH_CLIENT_SECRET'}
    for key, value in found.items():
        monkeypatch.setenv(key, value)
    client = python_ovh.Client()
    assert client._endpoint == 'https://eu.api.ovh.com/1.0' and client._client_secret == SECRET


@pytest.mark.parametrize('fmt', ['ovh_conf', 'env'])
def test_a_newline_in_the_name_cannot_inject_a_line(fmt):
    text = render(fmt, name='app\nHTTPS_PROXY=http://evil.example.com\n[ovh-eu]')
    assert not any(line.startswith(('HTTPS_PROXY', '[ovh-eu]client')) for line in text.splitlines())
    assert sum(1 for line in text.splitlines() if 'HTTPS_PROXY' in line) == 1
    assert text.splitlines()[0].startswith('# Service account "app\\x0aHTTPS_PROXY=')


@pytest.mark.parametrize('fmt', ['ovh_conf', 'env', 'clouds_yaml'])
@pytest.mark.parametrize('field', ['client_id', 'client_secret', 'endpoint'])
def test_a_value_that_could_break_a_line_is_refused_without_being_shown(fmt, field):
    if fmt == 'clouds_yaml' and field == 'endpoint':
        pytest.skip('clouds.yaml names no API endpoint')
    with pytest.raises(credentials_file.CredentialsFileError) as caught:
        render(fmt, **{field: 'abc\nOVH_X=1 $(id)'})
    assert field in str(caught.value) and 'OVH_X' not in str(caught.value)


def test_clouds_yaml_entry_has_the_documented_keys_and_keeps_other_entries():
    other = {'auth_type': 'password', 'auth': {'username': 'u', 'password': 'p'}}
    held = credentials_file.parse('clouds_yaml', yaml.safe_dump({'clouds': {'other': other}}), NAME, NAME)
    document = yaml.safe_load(render('clouds_yaml', held))
    assert document['clouds']['other'] == other
    entry = document['clouds'][NAME]
    assert entry['auth_type'] == 'v3oidcclientcredentials' and entry['region_name'] == 'GRA11'
    assert entry['auth'] == {
        'auth_url': 'https://auth.cloud.ovh.net/v3', 'protocol': 'openid', 'access_token_type': 'id_token',
        'identity_provider': 'ovhcloud-emea',
        'discovery_endpoint': 'https://iam.ovh.net/role-adapter/urn:v1:eu:resource:publicCloudProject:pci/.well-known/openid-configuration',
        'project_id': '0123456789abcdef0123456789abcdef', 'client_id': 'EU.0f0f0f0f0f0f0f0f', 'client_secret': SECRET}
    ca = yaml.safe_load(render('clouds_yaml', identity_region='ca'))['clouds'][NAME]['auth']
    assert ca['identity_provider'] == 'ovhcloud-world' and ca['discovery_endpoint'].startswith('https://iam.ovh.ca/')


def test_clouds_yaml_without_the_entry_keeps_the_others_or_is_empty():
    both = credentials_file.parse('clouds_yaml', render('clouds_yaml'), NAME, NAME)
    assert credentials_file.render_for('clouds_yaml', both, {'cloud': NAME, 'client_id': None}) == ''
    document = {'clouds': {'other': {'auth': {}}, NAME: {'auth': {'client_id': 'x'}}}}
    held = credentials_file.parse('clouds_yaml', yaml.safe_dump(document), NAME, NAME)
    assert yaml.safe_load(credentials_file.render_for('clouds_yaml', held, {'cloud': NAME, 'client_id': None})) == {
        'clouds': {'other': {'auth': {}}}}


@pytest.mark.parametrize('fmt', ['ovh_conf', 'env', 'clouds_yaml'])
def test_parse_reads_back_what_render_writes(fmt):
    text = render(fmt)
    held = credentials_file.parse(fmt, text, NAME, NAME)
    assert held['exists'] and held['writable']
    assert held['ours'] is (fmt != 'clouds_yaml')
    assert (held['client_id'], held['client_secret']) == ('EU.0f0f0f0f0f0f0f0f', SECRET)
    assert held['checksum'] == credentials_file.checksum(text)
    assert credentials_file.parse(fmt, text, 'another-app', NAME)['ours'] is False


@pytest.mark.parametrize('fmt, text', [
    ('ovh_conf', '[default]\nendpoint=ovh-eu\n[ovh-eu]\napplication_key=a\napplication_secret=b\nconsumer_key=c\n'),
    ('ovh_conf', 'not an ini file at all\n'),
    ('env', 'OVH_APPLICATION_KEY=a\nOVH_CONSUMER_KEY=c\n'),
    ('env', 'export OVH_CLIENT_ID="EU.someone"\n'),
])
def test_files_the_role_did_not_write_are_not_writable(fmt, text):
    held = credentials_file.parse(fmt, text, NAME, NAME)
    assert not held['ours'] and not held['writable'] and held['client_id']


def test_a_missing_or_blank_file_is_writable():
    assert credentials_file.parse('ovh_conf', None, NAME)['exists'] is False
    assert credentials_file.parse('ovh_conf', None, NAME)['checksum'] == ''
    blank = credentials_file.parse('env', '\n  \n', NAME)
    assert blank['exists'] and blank['writable'] and blank['client_id'] == ''


def test_the_modules_credentials_file_is_the_same_ovh_conf(tmp_path):
    path = tmp_path / 'ovh.conf'
    credentials_file.write(str(path), 'https://eu.api.ovh.com/1.0', 'EU.abc', SECRET)
    held = credentials_file.parse('ovh_conf', path.read_text(), NAME)
    assert (held['client_id'], held['client_secret']) == ('EU.abc', SECRET)
    assert '[ovh-eu]' in path.read_text()
