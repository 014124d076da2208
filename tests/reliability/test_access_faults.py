"""The access, caller and audit modules under faults: a transient error is retried and the answer is unchanged; a
caller that may not read the policies gets a clear refusal naming the missing action, never a wrong answer."""

from tests.ansible_runner import run_playbook
from tests.playbooks import play
from tests.reliability.conftest import make_service_account, oauth2_env

QUESTION = {'service_account': 'rel-access-reader', 'resources': None, 'actions': ['account:apiovh:me/get',
                                                                                   'account:apiovh:me/api/oauth2/client/delete']}


def _ask(fake, workdir, env):
    args = dict(QUESTION, resources=[fake.account_urn()])
    result = run_playbook(play([{'name': 'ask', 'ovhcloud.iam.ovh_iam_access_info': args},
                                {'name': 'audit', 'ovhcloud.iam.ovh_iam_audit_info': {}}]), workdir, env=env)
    return result


def test_a_transient_error_on_each_list_is_retried_and_the_answer_does_not_change(fake, workdir, owner_env):
    make_service_account(fake, 'rel-access-reader', allow=('account:apiovh:me/get',))
    fake.clear_requests()
    calm = _ask(fake, workdir, owner_env)
    assert calm.rc == 0, calm
    for path in ('/v2/iam/policy', '/1.0/me/api/oauth2/client', '/v2/iam/resource', '/v2/iam/reference/action'):
        fake.fault(method='GET', path=path, status=503, times=1)
    stormy = _ask(fake, workdir, owner_env)
    assert stormy.rc == 0, stormy
    assert stormy.task('ask')['allowed'] == calm.task('ask')['allowed'] == {
        fake.account_urn(): {'account:apiovh:me/get': True, 'account:apiovh:me/api/oauth2/client/delete': False}}
    assert stormy.task('audit')['findings'] == calm.task('audit')['findings']
    retried = stormy.task('ask')['api_requests'] + stormy.task('audit')['api_requests']
    assert retried == calm.task('ask')['api_requests'] + calm.task('audit')['api_requests'] + 4
    assert fake.writes() == []


def test_a_caller_that_cannot_read_policies_is_refused_clearly(fake, workdir):
    reader = make_service_account(fake, 'rel-access-reader', allow=('account:apiovh:me/api/oauth2/client/get',))
    result = _ask(fake, workdir, oauth2_env(fake, reader))
    assert result.rc != 0
    message = result.task('ask')['msg']
    assert 'account:apiovh:iam/policy/get' in message, message
    assert reader['client_secret'] not in result.output
