"""The URN filters: ovhcloud.iam.urn and ovhcloud.iam.identity_urn."""

import pytest

from ansible.errors import AnsibleFilterError

from ansible_collections.ovhcloud.iam.plugins.filter.urn import FilterModule, identity_urn, urn

NIC = 'xx1111-ovh'


def test_both_filters_are_exported():
    assert set(FilterModule().filters()) == {'urn', 'identity_urn'}


@pytest.mark.parametrize('parts, expected', [
    ({'region': 'eu', 'kind': 'resource', 'type': 'vps', 'name': 'vps-123'}, 'urn:v1:eu:resource:vps:vps-123'),
    ({'type': 'vps', 'name': '*'}, 'urn:v1:eu:resource:vps:*'),
    ({'kind': 'resource', 'type': 'account', 'name': NIC, 'region': 'CA'}, 'urn:v1:ca:resource:account:xx1111-ovh'),
    ({'kind': 'resourceGroup', 'id': '6d0a0b5e-3a55-5e8e-8c2e-63d5d0f7f1aa'}, 'urn:v1:eu:resourceGroup:6d0a0b5e-3a55-5e8e-8c2e-63d5d0f7f1aa'),
    ({'kind': 'identity', 'type': 'user', 'nic': NIC, 'name': 'alice'}, 'urn:v1:eu:identity:user:xx1111-ovh/alice'),
    ({'type': 'credential', 'nic': NIC, 'client_id': 'EU.0f0f'}, 'urn:v1:eu:identity:credential:xx1111-ovh/oauth2-EU.0f0f'),
    ({'type': 'account', 'nic': NIC, 'region': 'us'}, 'urn:v1:us:identity:account:xx1111-ovh'),
    ({'owner': 'ovh', 'name': 'globalAdmin'}, 'urn:v1:eu:permissionsGroup:ovh:globalAdmin'),
])
def test_urn_from_a_mapping(parts, expected):
    assert urn(parts) == expected


def test_urn_from_a_kind_and_positional_or_keyword_parts():
    assert urn('resource', 'vps', 'vps-123', region='ca') == 'urn:v1:ca:resource:vps:vps-123'
    assert urn('resource', type='publicCloudProject', name='0123abcd') == 'urn:v1:eu:resource:publicCloudProject:0123abcd'
    assert urn('resource', 'vps', name='*') == 'urn:v1:eu:resource:vps:*'
    assert urn('identity', 'group', NIC, 'admins') == 'urn:v1:eu:identity:group:xx1111-ovh/admins'
    assert urn('identity', 'credential', NIC, 'oauth2-EU.1') == 'urn:v1:eu:identity:credential:xx1111-ovh/oauth2-EU.1'
    assert urn('permissionsGroup', NIC, 'readers') == 'urn:v1:eu:permissionsGroup:xx1111-ovh:readers'


def test_parts_are_trimmed():
    assert urn({'type': ' vps ', 'name': 'vps-1 '}) == 'urn:v1:eu:resource:vps:vps-1'


@pytest.mark.parametrize('args, kwargs, fragments', [
    (({'kind': 'resource', 'type': 'vps'},), {}, ['name is missing']),
    (({'kind': 'resource', 'type': 'vps', 'name': 'x', 'region': 'fr'},), {}, ["region must be one of eu, ca, us, got 'fr'"]),
    (({'kind': 'resource', 'type': 'vps', 'name': 'x', 'color': 'red', 'region': 'fr'},), {},
     ['no part named color', "got 'fr'"]),
    (({'kind': 'machine', 'name': 'x'},), {}, ["kind must be one of resource, resourceGroup, identity, permissionsGroup, got 'machine'"]),
    (({'name': 'x'},), {}, ['kind must be one of']),
    (('vps', 'x'), {}, ['the input must be a mapping of URN parts or one of the kinds']),
    (('resource', 'vps', 'a', 'b'), {}, ['at most 2 parts']),
    (('resource', 'vps', 'x'), {'type': 'dnsZone'}, ['type is given twice']),
    (({'type': 'vps', 'name': 'x'}, 'more'), {}, ['either in the mapping or as arguments']),
    (('resource', 'vps:x', 'y'), {}, ['type must not contain ":"']),
    (('resource', 'vps', 'a*b'), {}, ['a wildcard may only start or end it']),
    (('identity', 'robot', NIC, 'x'), {}, ["type of an identity must be one of account, user, group, credential, got 'robot'"]),
    (('identity', 'account', NIC, 'x'), {}, ['an account identity has no name']),
    (('identity', 'user', NIC), {}, ['a user identity needs a name']),
    (('identity', 'credential', NIC), {}, ['a credential identity needs a name (the client_id of the service account)']),
    (('resource', 5, 'x'), {}, ['type must be a string, got 5']),
])
def test_urn_reports_every_problem(args, kwargs, fragments):
    with pytest.raises(AnsibleFilterError) as caught:
        urn(*args, **kwargs)
    message = str(caught.value)
    assert message.startswith('urn: ')
    for fragment in fragments:
        assert fragment in message


@pytest.mark.parametrize('kwargs, expected', [
    ({'client_id': 'EU.0f0f0f0f0f0f0f0f'}, 'urn:v1:eu:identity:credential:xx1111-ovh/oauth2-EU.0f0f0f0f0f0f0f0f'),
    ({'client_id': 'oauth2-EU.0f'}, 'urn:v1:eu:identity:credential:xx1111-ovh/oauth2-EU.0f'),
    ({'client_id': 'CA.1', 'region': 'ca'}, 'urn:v1:ca:identity:credential:xx1111-ovh/oauth2-CA.1'),
    ({'user': 'alice'}, 'urn:v1:eu:identity:user:xx1111-ovh/alice'),
    ({'group': 'admin@mycompany.com'}, 'urn:v1:eu:identity:group:xx1111-ovh/admin@mycompany.com'),
    ({}, 'urn:v1:eu:identity:account:xx1111-ovh'),
])
def test_identity_urn(kwargs, expected):
    assert identity_urn(NIC, **kwargs) == expected


def test_identity_urn_positional_client_id_and_region():
    assert identity_urn(NIC, 'US.9', 'us') == 'urn:v1:us:identity:credential:xx1111-ovh/oauth2-US.9'


@pytest.mark.parametrize('args, kwargs, fragment', [
    ((NIC,), {'client_id': 'EU.1', 'user': 'alice'}, 'give at most one of client_id, user and group, got credential, user'),
    ((NIC,), {'client_id': 'EU.1', 'region': 'de'}, "region must be one of eu, ca, us, got 'de'"),
    (('',), {'client_id': 'EU.1'}, 'nic is missing'),
    ((None,), {}, 'nic is missing'),
    (('xx1111 ovh',), {'user': 'a'}, 'is not an identity URN'),
])
def test_identity_urn_failures(args, kwargs, fragment):
    with pytest.raises(AnsibleFilterError) as caught:
        identity_urn(*args, **kwargs)
    assert fragment in str(caught.value)
    assert str(caught.value).startswith('identity_urn: ')


# ---------------------------------------------------------------- the region a client ID carries (issue 14.11)

@pytest.mark.parametrize('kwargs, expected', [
    ({'client_id': 'CA.0f0f0f0f0f0f0f0f'}, 'urn:v1:ca:identity:credential:xx1111-ovh/oauth2-CA.0f0f0f0f0f0f0f0f'),
    ({'client_id': 'oauth2-US.9'}, 'urn:v1:us:identity:credential:xx1111-ovh/oauth2-US.9'),
    ({'client_id': 'ca.1'}, 'urn:v1:ca:identity:credential:xx1111-ovh/oauth2-ca.1'),
    ({'client_id': 'CA.1', 'region': 'CA'}, 'urn:v1:ca:identity:credential:xx1111-ovh/oauth2-CA.1'),
    # An ID without a region prefix (older clients): the region given, else eu.
    ({'client_id': '0f0f0f0f0f0f0f0f', 'region': 'us'}, 'urn:v1:us:identity:credential:xx1111-ovh/oauth2-0f0f0f0f0f0f0f0f'),
    ({'client_id': '0f0f0f0f0f0f0f0f'}, 'urn:v1:eu:identity:credential:xx1111-ovh/oauth2-0f0f0f0f0f0f0f0f'),
])
def test_identity_urn_takes_the_region_of_the_client_id(kwargs, expected):
    assert identity_urn(NIC, **kwargs) == expected


def test_identity_urn_refuses_a_region_other_than_the_client_ids():
    with pytest.raises(AnsibleFilterError) as caught:
        identity_urn(NIC, 'CA.0f0f0f0f0f0f0f0f', region='eu')
    assert "client_id CA.0f0f0f0f0f0f0f0f is a service account of region ca" in str(caught.value)


def test_urn_filter_takes_the_region_of_the_client_id_too():
    assert urn({'kind': 'identity', 'type': 'credential', 'nic': NIC, 'client_id': 'US.1'}) == \
        'urn:v1:us:identity:credential:xx1111-ovh/oauth2-US.1'
    with pytest.raises(AnsibleFilterError) as caught:
        urn({'kind': 'identity', 'type': 'credential', 'nic': NIC, 'name': 'oauth2-CA.1', 'region': 'us'})
    assert 'region ca' in str(caught.value)
