"""Render docs/reliability.md from the figures the reliability suite wrote to tests/output/reliability/.

    .venv/bin/python -m pytest tests/reliability -q      # writes tests/output/reliability/*.json
    .venv/bin/python tests/reliability/report.py          # rewrites docs/reliability.md from them

The prose is here; every number and table comes from the last run of the suite.
"""

import json
import os
import re
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO_ROOT = os.path.dirname(os.path.dirname(HERE))
OUTPUT_DIR = os.path.join(REPO_ROOT, 'tests', 'output', 'reliability')
DOC = os.path.join(REPO_ROOT, 'docs', 'reliability.md')
SECTIONS = ('faults', 'bad_inputs', 'leak_scan', 'tls', 'credentials_file', 'client_safety', 'newline_secrets')


def load():
    figures = {}
    for section in SECTIONS:
        path = os.path.join(OUTPUT_DIR, section + '.json')
        if not os.path.exists(path):
            sys.exit('%s is missing: run the whole suite first (pytest tests/reliability)' % path)
        with open(path, encoding='utf-8') as handle:
            figures[section] = json.load(handle)
    return figures


def cell(text):
    return str(text).replace('|', '\\|').replace('\n', ' ')


def describe_faults(faults):
    parts = []
    for spec in faults:
        if 'path' in spec:
            text = '%s `%s` → %s' % (spec.get('method', '*'), spec['path'], 'connection closed' if spec.get('status') == 0 else spec.get('status'))
            if spec.get('apply'):
                text += ' after applying'
            if spec.get('delay_ms'):
                text += ', %.1f s late' % (spec['delay_ms'] / 1000.0)
            if spec.get('retry_after') is not None:
                text += ', Retry-After %s' % spec['retry_after']
            if spec.get('times', 1) > 1:
                text += ' ×%d' % spec['times']
            parts.append(text)
        else:
            parts.append(', '.join('%s %s' % (key.replace('_', ' '), value) for key, value in sorted(spec.items())))
    return '; '.join(parts)


def fault_rows(faults):
    rows = ['| case | injected | error answers | runs (rc) | outcome | duplicated | orphaned | lost |',
            '|---|---|---|---|---|---|---|---|']
    for entry in faults:
        duplicated = str(len(entry['duplicated']))
        if entry.get('duplicated_after_run'):
            duplicated += ' (+%d created by the server after the run)' % len(entry['duplicated_after_run'])
        rows.append('| %s | %s | %d | %s | %s | %s | %d | %d |' % (
            cell(entry['case']), cell(describe_faults(entry['faults'])), entry.get('error_answers', entry['faulty_answers_served']),
            ', '.join(str(run['rc']) for run in entry['runs']), cell(entry['outcome']), duplicated,
            len(entry['orphaned']), len(entry['lost'])))
    return '\n'.join(rows)


def catalogue_rows(bad_inputs):
    rows = ['| # | case | kind | module | the input | the message (start) |', '|---|---|---|---|---|---|']
    for number, entry in enumerate(bad_inputs['catalogue'], 1):
        message = entry['message']
        if len(message) > 260:
            message = message[:257] + '…'
        module = entry['module'].replace('ovh_', '')
        rows.append('| %d | `%s` | %s | %s | %s | %s |' % (number, entry['id'], entry['kind'], module, cell(entry['why']), cell(message)))
    return '\n'.join(rows)


def safety_rows(cases):
    by_case = {case['case']: case for case in cases}
    redirect = by_case['delete-answered-302']
    throttled = by_case['time-call-retry-after-3600']
    unanswered = by_case['time-call-unanswered']
    modes = by_case['credentials-file-modes']
    rows = [
        ('a DELETE answered `302`', '%s after %d DELETE; the client %s' % (
            redirect['status'], redirect['delete_requests'],
            'still exists' if redirect['client_still_exists'] else 'was deleted'), redirect['message']),
        ('the server-time call answered `429` with `Retry-After: 3600`', '%s after %d call, in %s s' % (
            throttled['status'], throttled['time_calls'], throttled['seconds']), throttled['message']),
        ('the server-time call never answered (`timeout: 1`, `max_retries: 2`)', '%s in %s s' % (
            unanswered['status'], unanswered['seconds']), unanswered['message']),
        ('`credentials_file_mode: 0640` unquoted, and `u=rw,g=r`', 'files made %s and %s' % (
            modes['unquoted_0640'], modes['symbolic_u=rw,g=r']), ''),
        ('the credentials file opened to %s by someone' % modes['opened_to'],
         'check mode leaves %s; the run makes it %s (changed: %s); the next run changed: %s' % (
             modes['after_check_mode'], modes['after_run'], modes['changed'], modes['second_run_changed']), ''),
    ]
    return '\n'.join(['| case | outcome | message |', '|---|---|---|'] + [
        '| %s | %s | %s |' % (case, outcome, cell(redact(message)) if message else '') for case, outcome, message in rows])


def redact(message):
    message = re.sub(r'127\.0\.0\.1:\d+', '127.0.0.1:<port>', message)
    message = re.sub(r'EU\.[0-9a-f]{16}', 'EU.<client id>', message)
    return re.sub(r'\[OVH query id: [^\]]+\]', '[OVH query id: ...]', message)


def newline_rows(figures):
    return '\n'.join(['| value | outcome |', '|---|---|'] + [
        '| %s | %s |' % (name, outcome) for name, outcome in sorted(figures['outcomes'].items())])


def render(figures):
    faults = figures['faults']
    bad = figures['bad_inputs']
    leak = figures['leak_scan']
    tls = figures['tls']
    creds = figures['credentials_file']
    cases = len(faults)
    survived = len([f for f in faults if f['outcome'] == 'survived'])
    injected = sum(f['faulty_answers_served'] for f in faults)
    errors = sum(f.get('error_answers', f['faulty_answers_served']) for f in faults)
    duplicated = sum(len(f['duplicated']) for f in faults)
    orphaned = sum(len(f['orphaned']) for f in faults)
    lost = sum(len(f['lost']) for f in faults)
    late = sum(len(f.get('duplicated_after_run') or []) for f in faults)
    return TEMPLATE.format(
        cases=cases, survived=survived, clear=cases - survived, injected=injected, errors=errors, duplicated=duplicated,
        orphaned=orphaned, lost=lost, late=late, fault_table=fault_rows(faults),
        bad_cases=bad['cases'], bad_input=bad['input_cases'], bad_remote=bad['remote_cases'], bad_ok=bad['refused_clearly'],
        bad_requests=bad['requests_from_input_cases'], bad_writes=bad['write_requests'], bad_tls=bad['tls_fake_requests'],
        catalogue=catalogue_rows(bad),
        leak_runs='; '.join(leak['runs']), leak_secrets=leak['secrets_searched'], leak_tokens=leak['access_tokens'],
        leak_clients=leak['client_secrets'], leak_outputs=leak['outputs_scanned'], leak_files=leak['files_scanned'],
        leak_mb=leak['megabytes_scanned'], leak_hits=leak['hits'],
        tls_rows='\n'.join('| %s | %s |' % (name, outcome) for name, outcome in sorted(tls['outcomes'].items())),
        tls_message=redact(tls['untrusted_message'].split(' (HTTPSConnectionPool')[0]),
        creds_mode='%04o' % int(creds['mode'], 8),
        safety_table=safety_rows(figures['client_safety']),
        newline_table=newline_rows(figures['newline_secrets']),
        newline_searched=figures['newline_secrets']['secrets_searched'],
        newline_hits=figures['newline_secrets']['hits'],
        newline_wrong=cell(redact(figures['newline_secrets']['wrong_consumer_key_message'])),
        newline_control=cell(figures['newline_secrets']['control_character_message']),
    )


TEMPLATE = '''# Reliability: faults survived, bad input refused, no secret leaked

What this page claims is proven by `tests/reliability/`, which `make test` runs. Every figure below comes from its
last run (`tests/output/reliability/*.json`); this page is rendered from them:

```console
cd /work/main   # your checkout
.venv/bin/python -m pytest tests/reliability -q
.venv/bin/python tests/reliability/report.py   # rewrites docs/reliability.md
```

Every case drives real `ansible-playbook` runs against the local fake of the OVHcloud API, then reads the fake's
state and request log.

## Figures

| | |
|---|---|
| fault cases tried | {cases} |
| answers the fake made fail (injected faults) | {injected} |
| error answers met in those runs (faults, 401 of expired tokens, ...) | {errors} |
| cases whose runs succeeded despite the faults | {survived} |
| cases where a task failed clearly (the cause named, a re-run converging) | {clear} |
| objects duplicated by the modules | {duplicated} |
| orphans (a deleted client still listed by a policy) | {orphaned} |
| changes lost | {lost} |
| objects the server created after the module had finished ([the limits](#guarantees-and-their-limits)) | {late} |
| bad inputs in the catalogue | {bad_cases} ({bad_input} refused before any request, {bad_remote} refused on the API's answer) |
| bad inputs refused with a message naming the option or the cause | {bad_ok} of {bad_cases} |
| requests sent by the {bad_input} input errors | {bad_requests} |
| write requests sent by the whole catalogue | {bad_writes} |
| secret found by the leak scan (`-vvvv`, `--diff`, log file, files written) | {leak_hits} hits |

## Faults

Faults are injected through the fake (`POST /_fake/faults`): a status (or a closed connection), optionally after
carrying the request out (`apply`), late (`delay_ms`), or with `Retry-After`. The client retries `GET`, `PUT` and
`DELETE` on 429, 5xx and network errors (waiting `Retry-After` when given, else an exponential backoff), and never
sends a `POST` again blindly: when a create may have been applied, the module looks first. The playbooks use
`max_retries: 4`.

{fault_table}

What each case checks afterwards, in the fake's state: no name carried by two clients or two policies, no policy
listing the identity of a deleted client, and every change asked for present (descriptions, identities, deletions;
the credentials file holds the id and secret of the one client of its name).

### Guarantees, and their limits

- **A lost answer to a write** (the connection closed, or a 503, after the server applied it): `PUT` and `DELETE`
  are sent again (a repeated `DELETE` meets a 404, which means done). A lost create of a service account ends with
  exactly one client and its secret in hand: the module deletes the client it created but never got the secret of,
  then creates it again. A lost create of a policy is found by name and content, and adopted.
- **A 5xx to a create that was not applied**: `ovh_oauth2_client` looks, finds nothing and creates again;
  `ovh_iam_policy` looks, finds nothing and fails naming the 503 (a re-run creates the policy).
- **Two runs creating the same service account at once.** Names are not unique on OVHcloud and the API has no
  idempotency key, so two runs that both look before either creates both create a client. The best guarantee
  without server-side uniqueness: after creating, `ovh_oauth2_client` looks again, and a run that sees another new
  client of that name created before its own, or in the same second (`createdAt` has whole seconds), deletes its
  own and fails with `Another run created OAuth2 client ... at the same time`. So at most one client survives, and
  every run either holds its credentials or failed clearly; when both creates fall in the same second, both runs fail
  and nothing is left: run again. The `service_account` role goes further on its next run: it keeps the client the
  targets hold and retires any other client of the account.
- **A create the server carries out after the module stopped waiting** (an answer later than `timeout`): no client
  can prevent a second object when the server may apply a request at any later time. The policy task fails naming
  the timeout and its re-run adopts the late policy. For a service account, the module has already created the client
  again by then (nothing was there when it looked), so the late one is a second client without a known secret: the
  next run of `ovh_oauth2_client` fails and lists both ids instead of guessing (delete the one you do not hold with
  `client_id` and `state: absent`). The `service_account` role, which takes every client of the account's name as its
  own, keeps the one its targets hold and retires the others. Keep `timeout` (default 30 s) above the API's slowest
  answers.
- **Tokens**: a 401 on an OAuth2 token is answered once by fetching a new token and sending the request again;
  tokens are renewed ahead of their expiry. A ready `access_token` cannot be renewed: an expired one fails naming
  the 401.
- **Clock skew**: signed requests are stamped with the server's time (`/auth/time`, once per task), so a controller
  clock 10 minutes off either way still signs valid requests.

## Bad inputs

One run for the input errors, one for the causes only an answer can tell; one inventory host per case so they run
in parallel. Each input error talks to an endpoint of its own on the fake (`<fake>/bad-input/<case>/1.0`), so a
request it should not have sent would be logged under its name: there were {bad_requests}. The TLS case went to a
second fake serving https, which received {bad_tls} requests. Every message was also searched for every secret the
fake knows and for a planted wrong secret: none was found. The catalogue is
[`tests/reliability/bad_inputs.yml`](../tests/reliability/bad_inputs.yml); `<workdir>` and `<port>` stand for the
test's temporary directory and ports.

{catalogue}

Found on the way and fixed: callback URLs were not checked before the create (a malformed one reached the API,
which refused it); now `ovh_oauth2_client` refuses it first. Not refused before any request: a `credentials_file`
in a directory that does not exist is found after the read requests that look the client up (no write is sent).
OVHcloud documents no length limit for the names of clients or policies and no reserved prefix for client names,
so none is enforced.

## Leak scan

Runs at `-vvvv` with `--diff` and `ANSIBLE_LOG_PATH` set: {leak_runs}. They issued {leak_clients} client secrets
and {leak_tokens} access tokens; with the owner's application secret and consumer key and a planted wrong secret,
{leak_secrets} secrets were searched in {leak_outputs} outputs (stdout, stderr and the recorded task results of each
run) and in the {leak_files} files left in the runs' directory (the log file included; {leak_mb} MB in all), except
the credential files meant to hold a secret. Hits: **{leak_hits}**. The one place a secret is shown, the
`client_secret` return value of the creating task, is under `no_log` in these playbooks, as the docs advise.

Found on the way: a secret given to a task with the `environment:` keyword is put by Ansible on the module's
command line (`OVH_APPLICATION_SECRET=... python AnsiballZ_....py`), which `-vvvv` prints and `ps` shows. Give
secrets as module options (they are `no_log`), through `module_defaults`, or in the environment of
`ansible-playbook` itself (an AWX/AAP credential does that), never with `environment:`.

## HTTPS

A second fake serves https with a certificate for `127.0.0.1` signed by a throwaway CA made by the test (openssl).
`REQUESTS_CA_BUNDLE` is set to the system bundle during the run on purpose.

| task | result |
|---|---|
{tls_rows}

Untrusted, the message names the fix: `{tls_message} (...). Give the CA bundle with ca_path`.

Found on the way and fixed: `requests` lets `REQUESTS_CA_BUNDLE` / `CURL_CA_BUNDLE` win over a session's own setting
for some calls, so with one of them set `ca_path` did not apply to the server-time and token calls, and
`validate_certs: false` did not turn verification off for them. The client now gives its verification setting to
every call: `validate_certs: false`, else `ca_path`, else those variables, else the CA bundle of `requests`.

## Credential files

- Written through a temporary file in the same directory, then `os.replace`: a reader sees the old file or the new
  one; after a write (or a failed one) no temporary file is left, and a failed write keeps the old file.
- Mode {creds_mode} whatever the umask (the module ran under umask `0000`).
- A file that holds other credentials (application keys, another client) is refused, left as it was, and nothing is
  created; the message never quotes the file's content.
- Never on a command line: no plugin of the collection starts a process (checked over `plugins/`), and the secret
  goes to the module in Ansible's module arguments, not in `argv`.

## Client safety

Answers that must never be taken for success, and calls that must never hang a task. From
`tests/reliability/test_client_safety.py`:

{safety_table}

## Credentials with a stray line break

Credentials copied from a terminal or a file often end with a newline. The client trims white space around a
credential and refuses a control character inside one, naming the option and where the value came from, never the
value. Runs at `-vvvv` with a log file; {newline_searched} secrets searched in every output and file: **{newline_hits}**
hits.

{newline_table}

A wrong consumer key that ends with a newline: `{newline_wrong}`

A line break inside a value: `{newline_control}`
'''


def main():
    text = render(load())
    with open(DOC, 'w', encoding='utf-8') as handle:
        handle.write(text)
    print('wrote %s' % os.path.relpath(DOC, REPO_ROOT))


if __name__ == '__main__':
    main()
