"""The client and connection side of issue 12, seen through real ansible-playbook runs against the fake.

- Secrets with a trailing newline (a value vaulted from ``echo``), from the environment, a task option or
  ovh.conf, work and never show, at -vvvv with a log file; secrets from the environment and ovh.conf are masked
  in module results like the no_log options (12.2).
- A redirect answered to a DELETE is a failure, and the object is still there (12.9).
- An endpoint that asks to wait an hour (Retry-After) on the server-time call ends the task at once with the
  readable give-up message, instead of holding it (12.10).
- credentials_file_mode: 0640 unquoted gives a 0640 file, a symbolic mode works, and an existing file that holds
  the secret but is open to others gets the asked mode, with a change and a warning (12.3, 12.12).
Plain http to another host, dot ids and modes open to others are refused before any request: bad_inputs.yml.
"""

import json
import os
import secrets
import time

from tests.ansible_runner import run_playbook
from tests.playbooks import mode_of, play, task
from tests.reliability.conftest import CLIENTS_PATH, make_service_account
from tests.reliability.test_leak_scan import describe_hits, files_written, hits_in


def test_newline_terminated_secrets_work_and_never_show(fake, workdir, ledger):
    owner = fake.owner_env()
    planted = 'planted-' + secrets.token_hex(16)
    account = make_service_account(fake, 'rel-nl-operator', allow=('account:apiovh:me/api/oauth2/client/get',))
    # A client whose description quotes the owner's consumer key and application secret: listing it shows them,
    # unless Ansible masks every credential value the module used, wherever it came from.
    api = fake.owner_api()
    api.post(CLIENTS_PATH, {'name': 'rel-nl-echo', 'flow': 'CLIENT_CREDENTIALS', 'callbackUrls': [],
                            'description': 'ck=%s as=%s' % (owner['OVH_CONSUMER_KEY'], owner['OVH_APPLICATION_SECRET'])})
    api.close()
    conf = os.path.join(workdir, 'owner-ovh.conf')
    with open(conf, 'w', encoding='utf-8') as handle:
        handle.write('[default]\nendpoint=%s\n\n[%s]\napplication_key=%s\napplication_secret=%s\t\nconsumer_key=  %s \n' % (
            fake.endpoint, fake.endpoint, owner['OVH_APPLICATION_KEY'], owner['OVH_APPLICATION_SECRET'], owner['OVH_CONSUMER_KEY']))
    os.chmod(conf, 0o600)
    log_path = os.path.join(workdir, 'ansible.log')
    newline_env = dict(owner, OVH_CONSUMER_KEY=owner['OVH_CONSUMER_KEY'] + '\n',
                       OVH_APPLICATION_SECRET=owner['OVH_APPLICATION_SECRET'] + '\n',
                       REL_CK_NL=owner['OVH_CONSUMER_KEY'] + '\n', REL_SA_SECRET_NL=account['client_secret'] + '\n',
                       REL_PLANTED_NL=planted + '\n', REL_CONTROL='ck-\x1b[0m' + planted, ANSIBLE_LOG_PATH=log_path)
    signed_options = {'application_key': "{{ lookup('ansible.builtin.env', 'OVH_APPLICATION_KEY') }}",
                      'application_secret': "{{ lookup('ansible.builtin.env', 'OVH_APPLICATION_SECRET') }}"}
    from_env = run_playbook(play([
        task('environment, newline-terminated', 'ovh_oauth2_client_info', {'name': 'rel-nl-echo'}),
        task('option, newline-terminated', 'ovh_oauth2_client_info',
             dict(signed_options, name='rel-nl-echo', consumer_key="{{ lookup('ansible.builtin.env', 'REL_CK_NL') }}")),
        task('service account secret, newline-terminated', 'ovh_oauth2_client_info',
             {'name': 'rel-nl-operator', 'auth_client_id': account['client_id'],
              'auth_client_secret': "{{ lookup('ansible.builtin.env', 'REL_SA_SECRET_NL') }}",
              'application_key': '', 'application_secret': '', 'consumer_key': ''}),
        task('wrong consumer key, newline-terminated', 'ovh_oauth2_client_info',
             dict(signed_options, max_retries=0, consumer_key="{{ lookup('ansible.builtin.env', 'REL_PLANTED_NL') }}"),
             ignore_errors=True),
        task('control character inside', 'ovh_oauth2_client_info',
             dict(signed_options, consumer_key="{{ lookup('ansible.builtin.env', 'REL_CONTROL') }}"), ignore_errors=True),
    ]), workdir, env=newline_env, verbosity=4)
    from_conf = run_playbook(play([
        task('ovh.conf, surrounded by whitespace', 'ovh_oauth2_client_info', {'name': 'rel-nl-echo', 'config_file': conf}),
    ]), workdir, env={'ANSIBLE_LOG_PATH': log_path}, verbosity=4)

    outcomes = dict((record['task'], record['status']) for run in (from_env, from_conf) for record in run.records)
    secrets_known = set(s for s in fake.secrets() if s) | {planted}
    kinds = {owner['OVH_CONSUMER_KEY']: 'owner consumer key', owner['OVH_APPLICATION_SECRET']: 'owner application secret',
             planted: 'planted wrong secret', account['client_secret']: 'service account secret'}
    findings = {}
    for label, run in (('environment and options', from_env), ('ovh.conf', from_conf)):
        for part, text in (('stdout', run.stdout), ('stderr', run.stderr), ('results', json.dumps(run.records))):
            hits = hits_in(text, secrets_known)
            if hits:
                findings['%s %s' % (label, part)] = describe_hits(text, hits, kinds)
    for path in files_written(workdir, {os.path.realpath(conf)}):
        with open(path, 'rb') as handle:
            text = handle.read().decode('utf-8', 'replace')
        hits = hits_in(text, secrets_known)
        if hits:
            findings[os.path.relpath(path, workdir)] = describe_hits(text, hits, kinds)
    listed = [from_env.task('environment, newline-terminated'), from_env.task('option, newline-terminated'),
              from_conf.task('ovh.conf, surrounded by whitespace')]
    wrong = from_env.task('wrong consumer key, newline-terminated').get('msg', '')
    control = from_env.task('control character inside').get('msg', '')
    ledger.put('newline_secrets', {
        'outcomes': outcomes, 'verbosity': '-vvvv', 'log_file': True, 'secrets_searched': len(secrets_known),
        'hits': len(findings), 'wrong_consumer_key_message': wrong[:400], 'control_character_message': control[:400],
    })
    assert not findings, json.dumps(findings, indent=1)
    for name in ('environment, newline-terminated', 'option, newline-terminated',
                 'service account secret, newline-terminated', 'ovh.conf, surrounded by whitespace'):
        assert outcomes[name] == 'ok', (name, from_env.output[-3000:], from_conf.output[-2000:])
    for result in listed:
        assert [c['description'] for c in result['clients']] == ['ck=******** as=********'], result['clients']
    assert outcomes['wrong consumer key, newline-terminated'] == 'failed'
    assert 'This credential does not exist' in wrong and 'Check consumer_key (from task option consumer_key)' in wrong, wrong
    assert outcomes['control character inside'] == 'failed'
    assert 'consumer_key (from task option consumer_key) holds a control character' in control, control


def test_a_redirect_is_a_failure_not_a_deletion(fake, workdir, owner_env, ledger):
    api = fake.owner_api()
    created = api.post(CLIENTS_PATH, {'name': 'rel-redirect', 'description': 'x', 'flow': 'CLIENT_CREDENTIALS', 'callbackUrls': []})
    api.close()
    fake.fault(method='DELETE', path='/1.0/me/api/oauth2/client/*', status=302)
    run = run_playbook(play([
        task('delete answered 302', 'ovh_oauth2_client', {'name': 'rel-redirect', 'state': 'absent'}, ignore_errors=True),
    ]), workdir, env=owner_env)
    result = run.task('delete answered 302')
    deletes = [r for r in fake.requests() if r['method'] == 'DELETE']
    still_there = [c['clientId'] for c in fake.state()['clients'] if c['name'] == 'rel-redirect']
    ledger.add('client_safety', {'case': 'delete-answered-302', 'status': run.status('delete answered 302'),
                                 'message': result.get('msg', '')[:300], 'delete_requests': len(deletes),
                                 'client_still_exists': still_there == [created['clientId']]})
    assert run.status('delete answered 302') == 'failed', result
    assert 'unexpected answer HTTP 302' in result['msg'] and 'nothing is assumed done' in result['msg']
    assert len(deletes) == 1 and still_there == [created['clientId']]


def test_an_hour_of_retry_after_on_the_time_call_ends_the_task_at_once(fake, workdir, owner_env, ledger):
    fake.fault(method='GET', path='/1.0/auth/time', status=429, retry_after=3600, times=20)
    started = time.monotonic()
    run = run_playbook(play([
        task('time call throttled', 'ovh_oauth2_client_info', {}, ignore_errors=True),
    ]), workdir, env=owner_env, timeout=240)
    elapsed = time.monotonic() - started
    message = run.task('time call throttled').get('msg', '')
    time_calls = [r for r in fake.requests() if r['path'] == '/1.0/auth/time']
    ledger.add('client_safety', {'case': 'time-call-retry-after-3600', 'status': run.status('time call throttled'),
                                 'seconds': round(elapsed, 1), 'time_calls': len(time_calls), 'message': message[:300]})
    assert run.status('time call throttled') == 'failed'
    assert 'gave up after 1 attempt: the API asked to wait 3600 s' in message, message
    assert len(time_calls) == 1 and elapsed < 60


def test_an_unresponsive_time_call_gives_up_like_any_call(fake, workdir, owner_env, ledger):
    fake.fault(method='GET', path='/1.0/auth/time', status=200, delay_ms=3000, times=3)
    started = time.monotonic()
    run = run_playbook(play([
        task('time call unanswered', 'ovh_oauth2_client_info', {'timeout': 1, 'max_retries': 2}, ignore_errors=True),
    ]), workdir, env=owner_env, timeout=240)
    elapsed = time.monotonic() - started
    message = run.task('time call unanswered').get('msg', '')
    ledger.add('client_safety', {'case': 'time-call-unanswered', 'status': run.status('time call unanswered'),
                                 'seconds': round(elapsed, 1), 'message': message[:300]})
    assert run.status('time call unanswered') == 'failed'
    assert message.startswith('GET /auth/time failed: no answer from 127.0.0.1:'), message
    assert 'within 1 s (timeout) (gave up after 3 attempts)' in message, message
    assert 'HTTPConnectionPool' not in message


def test_credentials_file_modes_as_ansible_reads_them_and_an_open_file_is_closed(fake, workdir, owner_env, ledger):
    octal_path = os.path.join(workdir, 'octal.conf')
    symbolic_path = os.path.join(workdir, 'symbolic.conf')
    # Written by hand: 0640 must reach ansible unquoted, as users write it (yaml.safe_dump would quote nothing
    # but would write the integer 416).
    playbook = play('''
    - name: unquoted octal mode
      ovhcloud.iam.ovh_oauth2_client:
        name: rel-mode-octal
        return_secret: false
        credentials_file: %s
        credentials_file_mode: 0640
    - name: symbolic mode
      ovhcloud.iam.ovh_oauth2_client:
        name: rel-mode-symbolic
        return_secret: false
        credentials_file: %s
        credentials_file_mode: u=rw,g=r
''' % (octal_path, symbolic_path), name='credentials file modes')
    first = run_playbook(playbook, workdir, env=owner_env)
    assert first.rc == 0, first
    octal_mode, symbolic_mode = mode_of(octal_path), mode_of(symbolic_path)
    # Someone opens the file that holds the secret; the next run closes it again, says so, then stays quiet.
    os.chmod(octal_path, 0o666)
    again = play([task('same account, file opened meanwhile', 'ovh_oauth2_client',
                       {'name': 'rel-mode-octal', 'return_secret': False, 'credentials_file': octal_path})])
    check = run_playbook(again, workdir, env=owner_env, check=True)
    mode_after_check = mode_of(octal_path)
    fixed = run_playbook(again, workdir, env=owner_env)
    mode_after_fix = mode_of(octal_path)
    quiet = run_playbook(again, workdir, env=owner_env)
    name = 'same account, file opened meanwhile'
    ledger.add('client_safety', {'case': 'credentials-file-modes', 'unquoted_0640': '0%03o' % octal_mode,
                                 'symbolic_u=rw,g=r': '0%03o' % symbolic_mode, 'opened_to': '0666',
                                 'after_check_mode': '0%03o' % mode_after_check, 'after_run': '0%03o' % mode_after_fix,
                                 'changed': fixed.task(name)['changed'], 'second_run_changed': quiet.task(name)['changed']})
    assert octal_mode == 0o640 and symbolic_mode == 0o640
    assert check.task(name)['changed'] is True and mode_after_check == 0o666
    assert fixed.task(name)['changed'] is True and mode_after_fix == 0o600
    assert any('was open to others (mode 0666)' in w and 'is now 0600' in w for w in fixed.task(name).get('warnings', []))
    assert quiet.task(name)['changed'] is False and 'warnings' not in quiet.task(name)
    assert not [r for r in fake.requests() if r['method'] in ('PUT', 'DELETE')]
