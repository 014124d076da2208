"""The decisions of ovh_oauth2_client, without HTTP: option problems, the way state=present goes, the new client."""

import pytest

from ansible_collections.ovhcloud.iam.plugins.modules import ovh_oauth2_client as module

CURRENT = {'client_id': 'EU.1', 'name': 'ci', 'description': 'Deploys', 'flow': 'CLIENT_CREDENTIALS',
           'callback_urls': [], 'identity': 'urn:v1:eu:identity:credential:aa1-ovh/oauth2-EU.1', 'created_at': None}
WEB = dict(CURRENT, client_id='EU.2', name='web', flow='AUTHORIZATION_CODE', callback_urls=['https://a.example.com/cb'])


def params(**given):
    spec = module.argument_spec()
    values = dict((name, option.get('default')) for name, option in spec.items())
    values.update(given)
    return values


def test_every_input_problem_is_listed_at_once():
    problems = module.input_problems(params(name=' ', client_id='a\nb', flow='AUTHORIZATION_CODE', callback_urls=[]))
    assert ['name must not be empty' in p for p in problems].count(True) == 1
    assert any('client_id must be one line' in p for p in problems)
    assert any('callback_urls must list at least one URL' in p for p in problems)
    assert module.input_problems(params(name='ci')) == []


def test_callback_urls_must_be_absolute_http_urls_of_the_right_flow():
    problems = module.input_problems(params(name='web', flow='AUTHORIZATION_CODE', callback_urls=['/cb', 'ftp://x/y']))
    assert len(problems) == 2 and all('is not an absolute http(s) URL' in p for p in problems)
    assert 'apply only to the AUTHORIZATION_CODE flow' in module.input_problems(params(name='ci', callback_urls=['https://a/b']))[0]
    assert 'rotate applies to state=present only' in module.input_problems(params(name='ci', state='absent', rotate=True))[0]


@pytest.mark.parametrize('given, current, expected', [
    (dict(name='ci'), None, 'create'),
    (dict(name='ci'), CURRENT, 'update'),
    (dict(name='ci', rotate=True), CURRENT, 'rotate'),
    (dict(name='ci', flow='AUTHORIZATION_CODE', recreate=True), CURRENT, 'replace'),
])
def test_the_way_state_present_goes(given, current, expected):
    assert module.present_action(current, params(**given)) == (expected, None)


def test_what_state_present_refuses():
    action, problem = module.present_action(None, params(client_id='EU.gone'))
    assert action is None and 'EU.gone does not exist' in problem and 'omit client_id' in problem
    action, problem = module.present_action(CURRENT, params(name='ci', flow='AUTHORIZATION_CODE'))
    assert action is None and 'recreate: true' in problem and 'flow: CLIENT_CREDENTIALS' in problem


def test_a_new_client_takes_what_the_options_leave_out_from_the_one_it_replaces():
    assert module.wanted_for_new_client(params(name='ci')) == ('ci', module.DEFAULT_DESCRIPTION, 'CLIENT_CREDENTIALS', [])
    assert module.wanted_for_new_client(params(client_id='EU.2', flow='AUTHORIZATION_CODE'), WEB) == (
        'web', 'Deploys', 'AUTHORIZATION_CODE', ['https://a.example.com/cb'])
    assert module.wanted_for_new_client(params(name='web', flow='CLIENT_CREDENTIALS', description='x'), WEB) == (
        'web', 'x', 'CLIENT_CREDENTIALS', [])


def test_changes_name_only_what_differs_and_urls_as_a_set():
    assert module.changes_for(CURRENT, params(name='ci')) == {}
    assert module.changes_for(CURRENT, params(name='ci2', description='Deploys')) == {'name': 'ci2'}
    urls = ['https://b.example.com/cb', 'https://a.example.com/cb']
    assert module.changes_for(WEB, params(client_id='EU.2', callback_urls=urls)) == {'callback_urls': urls}
    assert module.changes_for(WEB, params(client_id='EU.2', callback_urls=WEB['callback_urls'] * 2)) == {}


def test_a_secret_must_have_somewhere_to_go():
    assert 'Nothing was created' in module.secret_nowhere_problem(params(name='ci'), no_log=False)
    assert module.secret_nowhere_problem(params(name='ci'), no_log=True) is None
    assert module.secret_nowhere_problem(params(name='ci', credentials_file='/tmp/x'), no_log=False) is None
    assert module.secret_nowhere_problem(params(name='ci', return_secret=False), no_log=False) is None
