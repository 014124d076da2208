"""Connection settings: precedence (option > env > ovh.conf), empty strings, method choice, clear errors."""

import os

import pytest

from ansible_collections.ovhcloud.iam.plugins.module_utils._config import resolve_connection
from ansible_collections.ovhcloud.iam.plugins.module_utils._errors import OvhConfigError

SIGNED = {'application_key': 'ak-task', 'application_secret': 'as-task', 'consumer_key': 'ck-task'}


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty HOME and working directory, so no real ovh.conf is read."""
    monkeypatch.setenv('HOME', str(tmp_path))
    monkeypatch.chdir(tmp_path)
    for key in list(os.environ):
        if key.startswith('OVH_'):
            monkeypatch.delenv(key)
    return tmp_path


def write_conf(path, text):
    path.write_text(text, encoding='utf-8')
    return str(path)


def test_task_options_win_over_env_and_conf(home, monkeypatch):
    write_conf(home / 'ovh.conf', '[default]\nendpoint=ovh-ca\n[ovh-eu]\napplication_key=ak-conf\napplication_secret=as-conf\nconsumer_key=ck-conf\n')
    monkeypatch.setenv('OVH_ENDPOINT', 'ovh-us')
    monkeypatch.setenv('OVH_APPLICATION_KEY', 'ak-env')
    settings = resolve_connection(dict(SIGNED, endpoint='ovh-eu'))
    assert settings.endpoint == 'ovh-eu'
    assert settings.api_url == 'https://eu.api.ovh.com/1.0'
    assert settings.credentials == {'application_key': 'ak-task', 'application_secret': 'as-task', 'consumer_key': 'ck-task'}
    assert settings.origin('application_key') == 'task option application_key'


def test_env_wins_over_conf_and_conf_fills_the_rest(home, monkeypatch):
    write_conf(home / 'ovh.conf', '[default]\nendpoint=ovh-eu\n[ovh-eu]\napplication_key=ak-conf\napplication_secret=as-conf\nconsumer_key=ck-conf\n')
    monkeypatch.setenv('OVH_APPLICATION_KEY', 'ak-env')
    settings = resolve_connection({})
    assert settings.auth_method == 'signed'
    assert settings.credentials['application_key'] == 'ak-env'
    assert settings.credentials['application_secret'] == 'as-conf'
    assert settings.origin('endpoint') == 'endpoint in [default] of %s' % (home / 'ovh.conf')
    assert settings.origin('application_key') == 'environment variable OVH_APPLICATION_KEY'
    assert settings.origin('application_secret') == 'application_secret in [ovh-eu] of %s' % (home / 'ovh.conf')
    assert settings.origin('consumer_key') == 'consumer_key in [ovh-eu] of %s' % (home / 'ovh.conf')


def test_conf_files_in_python_ovh_order_later_wins(home, monkeypatch):
    write_conf(home / '.ovh.conf', '[default]\nendpoint=ovh-eu\n[ovh-eu]\nclient_id=id-home\nclient_secret=secret-home\n')
    write_conf(home / 'ovh.conf', '[ovh-eu]\nclient_id=id-cwd\n')
    extra = write_conf(home / 'extra.conf', '[ovh-eu]\nclient_secret=secret-extra\n')
    settings = resolve_connection({'config_file': extra})
    assert settings.auth_method == 'oauth2'
    assert settings.credentials == {'auth_client_id': 'id-cwd', 'auth_client_secret': 'secret-extra'}
    assert settings.token_url == 'https://www.ovh.com/auth/oauth2/token'


def test_empty_strings_count_as_unset(home, monkeypatch):
    # The pulumi-ovh / python-ovh pitfall: empty application keys next to a service account.
    monkeypatch.setenv('OVH_APPLICATION_KEY', '')
    monkeypatch.setenv('OVH_APPLICATION_SECRET', '')
    settings = resolve_connection({'endpoint': 'ovh-eu', 'application_key': '', 'auth_client_id': 'id', 'auth_client_secret': 's'})
    assert settings.auth_method == 'oauth2'


def test_two_methods_at_one_level_is_an_error_naming_both(home):
    with pytest.raises(OvhConfigError) as info:
        resolve_connection(dict(SIGNED, endpoint='ovh-eu', access_token='tok-secret-value'))
    message = str(info.value)
    assert 'access_token (OVH_ACCESS_TOKEN)' in message and 'application_key (OVH_APPLICATION_KEY' in message
    assert 'tok-secret-value' not in message and 'as-task' not in message


def test_stronger_level_method_wins_over_weaker_level(home, monkeypatch):
    write_conf(home / 'ovh.conf', '[default]\nendpoint=ovh-eu\n[ovh-eu]\napplication_key=a\napplication_secret=b\nconsumer_key=c\n')
    monkeypatch.setenv('OVH_CLIENT_ID', 'id')
    monkeypatch.setenv('OVH_CLIENT_SECRET', 'secret')
    assert resolve_connection({}).auth_method == 'oauth2'
    assert resolve_connection({'access_token': 'tok'}).auth_method == 'access_token'


def test_incomplete_method_names_missing_options(home):
    with pytest.raises(OvhConfigError) as info:
        resolve_connection({'endpoint': 'ovh-eu', 'auth_client_id': 'id'})
    assert 'auth_client_secret (OVH_CLIENT_SECRET, ovh.conf client_secret) is not set' in str(info.value)


def test_no_credentials_lists_every_method(home):
    with pytest.raises(OvhConfigError) as info:
        resolve_connection({'endpoint': 'ovh-eu'})
    for name in ('OVH_APPLICATION_KEY', 'OVH_CLIENT_ID', 'OVH_ACCESS_TOKEN'):
        assert name in str(info.value)


def test_missing_and_unknown_endpoint(home):
    with pytest.raises(OvhConfigError, match='OVH_ENDPOINT'):
        resolve_connection({'access_token': 't'})
    with pytest.raises(OvhConfigError, match='not known: use one of'):
        resolve_connection({'endpoint': 'ovh-mars', 'access_token': 't'})
    with pytest.raises(OvhConfigError, match='end with /1.0'):
        resolve_connection({'endpoint': 'https://api.example.net/v2', 'access_token': 't'})


@pytest.mark.parametrize('endpoint, api_url, token_url, region', [
    ('ovh-eu', 'https://eu.api.ovh.com/1.0', 'https://www.ovh.com/auth/oauth2/token', 'eu'),
    ('ovh-ca', 'https://ca.api.ovh.com/1.0', 'https://ca.ovh.com/auth/oauth2/token', 'ca'),
    ('ovh-us', 'https://api.us.ovhcloud.com/1.0', 'https://us.ovhcloud.com/auth/oauth2/token', 'us'),
    ('https://eu.api.ovh.com/1.0', 'https://eu.api.ovh.com/1.0', 'https://www.ovh.com/auth/oauth2/token', 'eu'),
    # OVHcloud's new domains: api.<eu|ca>.ovhcloud.com pairs with auth.<eu|ca>.ovhcloud.com (python-ovh #148, go-ovh #96).
    ('https://api.eu.ovhcloud.com/1.0/', 'https://api.eu.ovhcloud.com/1.0', 'https://auth.eu.ovhcloud.com/oauth2/token', 'eu'),
    ('https://api.ca.ovhcloud.com/1.0', 'https://api.ca.ovhcloud.com/1.0', 'https://auth.ca.ovhcloud.com/oauth2/token', 'ca'),
    ('http://127.0.0.1:8080/1.0', 'http://127.0.0.1:8080/1.0', 'http://127.0.0.1:8080/auth/oauth2/token', None),
])
def test_endpoint_urls(home, endpoint, api_url, token_url, region):
    settings = resolve_connection({'endpoint': endpoint, 'auth_client_id': 'i', 'auth_client_secret': 's'})
    assert (settings.api_url, settings.token_url, settings.region) == (api_url, token_url, region)


def test_token_url_override_and_oauth2_refused_where_not_offered(home):
    settings = resolve_connection({'endpoint': 'ovh-eu', 'auth_client_id': 'i', 'auth_client_secret': 's',
                                   'token_url': 'https://auth.eu.ovhcloud.com/oauth2/token'})
    assert settings.token_url == 'https://auth.eu.ovhcloud.com/oauth2/token'
    settings = resolve_connection({'endpoint': 'https://api.ca.ovhcloud.com/1.0', 'auth_client_id': 'i', 'auth_client_secret': 's',
                                   'token_url': 'https://proxy.example.net/oauth2/token'})
    assert settings.token_url == 'https://proxy.example.net/oauth2/token'
    with pytest.raises(OvhConfigError, match='does not offer OAuth2'):
        resolve_connection({'endpoint': 'kimsufi-eu', 'auth_client_id': 'i', 'auth_client_secret': 's'})
    assert resolve_connection(dict(SIGNED, endpoint='kimsufi-eu')).api_url == 'https://eu.api.kimsufi.com/1.0'


def test_malformed_or_missing_conf_file_is_a_clear_error(home):
    bad = write_conf(home / 'bad.conf', 'this is not ini\n')
    with pytest.raises(OvhConfigError, match='not a valid ovh.conf'):
        resolve_connection({'config_file': bad})
    with pytest.raises(OvhConfigError, match='does not exist'):
        resolve_connection({'config_file': str(home / 'missing.conf')})


def test_numbers_and_booleans_from_env(home, monkeypatch):
    monkeypatch.setenv('OVH_TIMEOUT', '7.5')
    monkeypatch.setenv('OVH_MAX_RETRIES', '2')
    monkeypatch.setenv('OVH_VALIDATE_CERTS', 'no')
    settings = resolve_connection(dict(SIGNED, endpoint='ovh-eu'))
    assert (settings.timeout, settings.max_retries, settings.validate_certs) == (7.5, 2, False)
    monkeypatch.setenv('OVH_TIMEOUT', 'soon')
    with pytest.raises(OvhConfigError, match='timeout'):
        resolve_connection(dict(SIGNED, endpoint='ovh-eu'))


def test_defaults(home):
    settings = resolve_connection(dict(SIGNED, endpoint='ovh-eu'))
    assert (settings.timeout, settings.max_retries, settings.validate_certs, settings.ca_path) == (30.0, 5, True, None)


# ---------------------------------------------------------------- credentials as sent (issue 12.2)

def test_credentials_lose_surrounding_whitespace_at_every_level(home, monkeypatch):
    write_conf(home / 'ovh.conf', '[default]\nendpoint=ovh-eu\n[ovh-eu]\nconsumer_key =  ck-conf  \n')
    monkeypatch.setenv('OVH_APPLICATION_SECRET', 'as-env\n')
    settings = resolve_connection({'application_key': ' ak-task\n'})
    assert settings.credentials == {'application_key': 'ak-task', 'application_secret': 'as-env', 'consumer_key': 'ck-conf'}


@pytest.mark.parametrize('where', ['option', 'env', 'conf'])
def test_a_control_character_inside_a_credential_is_refused_naming_its_origin_not_its_value(home, monkeypatch, where):
    value = 'ck-\x1b[31mred'
    params = {'endpoint': 'ovh-eu', 'application_key': 'ak', 'application_secret': 'as'}
    if where == 'option':
        params['consumer_key'] = value
        origin = 'task option consumer_key'
    elif where == 'env':
        monkeypatch.setenv('OVH_CONSUMER_KEY', 'ck-a\tb')
        origin = 'environment variable OVH_CONSUMER_KEY'
    else:
        path = write_conf(home / 'ovh.conf', '[ovh-eu]\nconsumer_key=ck-a\x07b\n')
        origin = 'consumer_key in [ovh-eu] of %s' % os.path.abspath(path)
    with pytest.raises(OvhConfigError) as caught:
        resolve_connection(params)
    message = str(caught.value)
    assert 'consumer_key (from %s) holds a control character' % origin in message
    assert 'ck-' not in message and 'The value is not shown' in message


def test_origins_name_the_option_the_variable_or_the_file(home, monkeypatch):
    path = write_conf(home / 'ovh.conf', '[default]\nendpoint=ovh-eu\n[ovh-eu]\nclient_secret=s-conf\n')
    monkeypatch.setenv('OVH_CLIENT_ID', 'EU.1')
    settings = resolve_connection({'token_url': 'https://auth.example.com/oauth2/token'})
    assert settings.origin('endpoint') == 'endpoint in [default] of %s' % os.path.abspath(path)
    assert settings.origin('auth_client_id') == 'environment variable OVH_CLIENT_ID'
    assert settings.origin('auth_client_secret') == 'client_secret in [ovh-eu] of %s' % os.path.abspath(path)
    assert settings.origin('token_url') == 'task option token_url'
    assert settings.secrets() == ['s-conf']


def test_secrets_are_every_secret_credential_whatever_its_source(home, monkeypatch):
    monkeypatch.setenv('OVH_CONSUMER_KEY', 'ck-env\n')
    settings = resolve_connection({'endpoint': 'ovh-eu', 'application_key': 'ak', 'application_secret': 'as-task'})
    assert sorted(settings.secrets()) == ['as-task', 'ck-env']
    token = resolve_connection({'endpoint': 'ovh-eu', 'access_token': 'tok'}, environ={})
    assert token.secrets() == ['tok']


# ---------------------------------------------------------------- plain http (issue 12.8)

@pytest.mark.parametrize('endpoint', ['http://127.0.0.1:8080/1.0', 'http://localhost/1.0', 'http://[::1]:9/1.0',
                                      'http://127.3.4.5/1.0', 'https://api.example.com/1.0'])
def test_plain_http_is_accepted_on_this_machine(home, endpoint):
    assert resolve_connection({'endpoint': endpoint, 'access_token': 't'}).api_url == endpoint


@pytest.mark.parametrize('params, named', [
    ({'endpoint': 'http://api.example.com/1.0', 'access_token': 't'}, 'endpoint http://api.example.com/1.0 (from task option endpoint)'),
    ({'endpoint': 'http://10.0.0.5:8080/1.0', 'application_key': 'a', 'application_secret': 'b', 'consumer_key': 'c'},
     'endpoint http://10.0.0.5:8080/1.0'),
    ({'endpoint': 'ovh-eu', 'auth_client_id': 'EU.1', 'auth_client_secret': 's', 'token_url': 'http://auth.example.com/t'},
     'token_url http://auth.example.com/t (from task option token_url)'),
    ({'endpoint': 'http://api.example.com/1.0', 'auth_client_id': 'EU.1', 'auth_client_secret': 's'},
     'token_url http://api.example.com/auth/oauth2/token (from the default of endpoint http://api.example.com/1.0)'),
])
def test_plain_http_to_another_host_is_refused_unless_allowed(home, monkeypatch, params, named):
    with pytest.raises(OvhConfigError) as caught:
        resolve_connection(params)
    message = str(caught.value)
    assert named in message and 'unencrypted' in message
    assert 'allow_unencrypted_http (OVH_ALLOW_UNENCRYPTED_HTTP)' in message
    assert resolve_connection(dict(params, allow_unencrypted_http=True)).endpoint
    monkeypatch.setenv('OVH_ALLOW_UNENCRYPTED_HTTP', 'true')
    assert resolve_connection(params).endpoint


def test_an_unused_plain_http_token_url_is_not_refused(home):
    settings = resolve_connection({'endpoint': 'ovh-eu', 'access_token': 't', 'token_url': 'http://auth.example.com/t'})
    assert settings.auth_method == 'access_token'
