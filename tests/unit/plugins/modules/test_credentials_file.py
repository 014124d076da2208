"""The secret file writer (plugins/modules/credentials_file.py), run as Ansible runs it, on real files."""

import grp
import json
import os
import pwd
import stat
from unittest import mock

import pytest
from ansible.module_utils import basic

from ansible_collections.ovhcloud.iam.plugins.modules import credentials_file

SECRET = 'client_secret=f00dfeedcafe\n'


def run(capsys, check=False, **args):
    payload = json.dumps({'ANSIBLE_MODULE_ARGS': dict(args, _ansible_check_mode=check)})
    with mock.patch.object(basic, '_ANSIBLE_ARGS', payload.encode()), \
            mock.patch.object(basic, '_ANSIBLE_PROFILE', 'legacy'), pytest.raises(SystemExit):
        credentials_file.main()
    return json.loads(capsys.readouterr().out)


def mode_of(path):
    return stat.S_IMODE(os.stat(str(path)).st_mode)


@pytest.mark.parametrize('mode, expected', [
    (0o640, 0o640),          # YAML's unquoted 0640: the integer 416, as ansible.builtin.file reads it
    ('0640', 0o640),
    ('640', 0o640),
    ('u=rw,g=r', 0o640),
    ('u=rw', 0o600),
])
def test_modes_are_read_as_ansible_builtin_file_reads_them(tmp_path, capsys, mode, expected):
    path = tmp_path / 'ovh.conf'
    result = run(capsys, path=str(path), content=SECRET, mode=mode)
    assert result['changed'] is True and mode_of(path) == expected
    assert SECRET.strip() not in json.dumps(result)


@pytest.mark.parametrize('mode', [0o644, '0604', 'u=rw,o=r', '0666', 'rw-everyone'])
def test_modes_that_give_others_rights_or_mean_nothing_are_refused(tmp_path, capsys, mode):
    path = tmp_path / 'ovh.conf'
    result = run(capsys, path=str(path), content=SECRET, mode=mode)
    assert result['failed'] is True and not path.exists()


def test_the_file_has_its_final_mode_and_owner_before_the_secret_is_written(tmp_path, capsys, monkeypatch):
    path = tmp_path / 'ovh.conf'
    seen = []
    real_fdopen = os.fdopen

    def watching_fdopen(handle, *args, **kwargs):
        info = os.fstat(handle)
        seen.append((stat.S_IMODE(info.st_mode), info.st_size))
        return real_fdopen(handle, *args, **kwargs)
    monkeypatch.setattr(credentials_file.os, 'fdopen', watching_fdopen)
    run(capsys, path=str(path), content=SECRET, mode='0640')
    assert seen == [(0o640, 0)]
    assert path.read_text() == SECRET and mode_of(path) == 0o640
    assert os.listdir(str(tmp_path)) == ['ovh.conf']


def test_unchanged_content_and_mode_is_no_change_and_a_wider_mode_is_fixed(tmp_path, capsys):
    path = tmp_path / 'ovh.conf'
    run(capsys, path=str(path), content=SECRET)
    assert run(capsys, path=str(path), content=SECRET)['changed'] is False
    os.chmod(str(path), 0o644)
    assert run(capsys, path=str(path), content=SECRET)['changed'] is True
    assert mode_of(path) == 0o600


def test_compare_and_swap_refuses_a_file_changed_since_it_was_read(tmp_path, capsys):
    path = tmp_path / 'ovh.conf'
    path.write_text('written by another run\n')
    for check in (True, False):
        result = run(capsys, check=check, path=str(path), content=SECRET, expected_checksum='')
        assert result['failed'] is True and 'changed since it was read' in result['msg']
    assert path.read_text() == 'written by another run\n'
    import hashlib
    expected = hashlib.sha1(b'written by another run\n').hexdigest()
    assert run(capsys, path=str(path), content=SECRET, expected_checksum=expected)['changed'] is True
    assert path.read_text() == SECRET


@pytest.mark.skipif(os.geteuid() != 0, reason='needs root to give files to another user')
def test_a_new_directory_stays_with_root_and_only_the_file_goes_to_the_owner(tmp_path, capsys):
    shared = tmp_path / 'etc-ovhcloud'
    path = shared / 'app.conf'
    nobody = pwd.getpwnam('nobody')
    group = grp.getgrgid(nobody.pw_gid).gr_name
    run(capsys, path=str(path), content=SECRET, owner='nobody', group=group, mode='0640')
    assert os.stat(str(path)).st_uid == nobody.pw_uid and mode_of(path) == 0o640
    assert os.stat(str(shared)).st_uid == 0 and mode_of(shared) == 0o755


def test_check_mode_writes_nothing(tmp_path, capsys):
    path = tmp_path / 'new' / 'ovh.conf'
    assert run(capsys, check=True, path=str(path), content=SECRET)['changed'] is True
    assert not (tmp_path / 'new').exists()


def test_absent_removes_the_file_and_prunes_an_empty_directory_only(tmp_path, capsys):
    kept, pruned = tmp_path / 'kept', tmp_path / 'pruned'
    for directory in (kept, pruned):
        run(capsys, path=str(directory / 'ovh.conf'), content=SECRET)
    (kept / 'other-file').write_text('x')
    for directory in (kept, pruned):
        assert run(capsys, path=str(directory / 'ovh.conf'), state='absent', prune_directory=True)['changed'] is True
    assert os.listdir(str(kept)) == ['other-file'] and not pruned.exists()
    assert run(capsys, path=str(pruned / 'ovh.conf'), state='absent', prune_directory=True)['changed'] is False
