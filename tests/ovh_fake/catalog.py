"""What a fresh fake account holds: its profile, its IAM resources and OVHcloud's reference data."""

import uuid

from .reference_actions import ACCOUNT_ACTIONS

# Realistic operations of other resource types, for filters and policies in tests and demos.
OTHER_ACTIONS = (
    ('vps', 'apiovh', 'get', 'READ', 'Get VPS properties'),
    ('vps', 'apiovh', 'edit', 'EDIT', 'Alter VPS properties'),
    ('vps', 'apiovh', 'reboot', 'OPERATE', 'Request a reboot of the machine'),
    ('vps', 'apiovh', 'start', 'OPERATE', 'Request the machine to start'),
    ('vps', 'apiovh', 'stop', 'OPERATE', 'Request the machine to stop'),
    ('vps', 'apiovh', 'rebuild', 'OPERATE', 'Rebuild the VPS'),
    ('vps', 'apiovh', 'snapshot/get', 'READ', 'Get the snapshot of the VPS'),
    ('vps', 'apiovh', 'snapshot/create', 'CREATE', 'Create a snapshot of the VPS'),
    ('vps', 'apiovh', 'snapshot/delete', 'DELETE', 'Delete the snapshot of the VPS'),
    ('vps', 'apiovh', 'ips/get', 'READ', 'IPs associated to this VPS'),
    ('dnsZone', 'apiovh', 'get', 'READ', 'Get DNS zone properties'),
    ('dnsZone', 'apiovh', 'refresh', 'OPERATE', 'Apply the zone modification on DNS servers'),
    ('dnsZone', 'apiovh', 'export', 'READ', 'Export the zone'),
    ('dnsZone', 'apiovh', 'import', 'OPERATE', 'Import a zone file'),
    ('dnsZone', 'apiovh', 'record/get', 'READ', 'Get the records of the zone'),
    ('dnsZone', 'apiovh', 'record/create', 'CREATE', 'Create a new DNS record'),
    ('dnsZone', 'apiovh', 'record/edit', 'EDIT', 'Alter a DNS record'),
    ('dnsZone', 'apiovh', 'record/delete', 'DELETE', 'Delete a DNS record'),
    ('publicCloudProject', 'apiovh', 'get', 'READ', 'Get the project properties'),
    ('publicCloudProject', 'apiovh', 'edit', 'EDIT', 'Alter the project properties'),
    ('publicCloudProject', 'apiovh', 'instance/get', 'READ', 'Get the instances of the project'),
    ('publicCloudProject', 'apiovh', 'instance/create', 'CREATE', 'Create a new instance'),
    ('publicCloudProject', 'apiovh', 'instance/delete', 'DELETE', 'Delete an instance'),
    ('publicCloudProject', 'apiovh', 'user/create', 'CREATE', 'Create an OpenStack user'),
    ('publicCloudProject', 'openstack', 'administrator', 'OPERATE', 'OpenStack role: administrator'),
    ('publicCloudProject', 'openstack', 'backupOperator', 'OPERATE', 'OpenStack role: backup operator'),
    ('publicCloudProject', 'openstack', 'computeOperator', 'OPERATE', 'OpenStack role: compute operator'),
    ('publicCloudProject', 'openstack', 'imageOperator', 'OPERATE', 'OpenStack role: image operator'),
    ('publicCloudProject', 'openstack', 'infrastructureSupervisor', 'OPERATE', 'OpenStack role: infrastructure supervisor'),
    ('publicCloudProject', 'openstack', 'networkOperator', 'OPERATE', 'OpenStack role: network operator'),
    ('publicCloudProject', 'openstack', 'networkSecurityOperator', 'OPERATE', 'OpenStack role: network security operator'),
    ('publicCloudProject', 'openstack', 'objectstoreOperator', 'OPERATE', 'OpenStack role: object storage operator'),
    ('publicCloudProject', 'openstack', 'volumeOperator', 'OPERATE', 'OpenStack role: volume operator'),
    ('publicCloudProject', 'ai', 'aiTrainingOperator', 'OPERATE', 'AI Training: operator'),
    ('publicCloudProject', 'ai', 'aiTrainingRead', 'READ', 'AI Training: read only'),
    ('ldp', 'apiovh', 'output/graylog/stream/forwardTo', 'OPERATE', 'Forward logs to a stream of the LDP service'),
)

RESOURCE_TYPES = ('account', 'dedicatedServer', 'dnsZone', 'domain', 'ldp', 'publicCloudProject', 'vps', 'webHosting')

# (type, name, displayName, tags) of the example resources every fresh account holds.
EXAMPLE_RESOURCES = (
    ('vps', 'vps-5a6b7c8d.vps.ovh.net', 'web-frontend', {'environment': 'production'}),
    ('vps', 'vps-1f2e3d4c.vps.ovh.net', 'web-staging', {'environment': 'staging'}),
    ('dnsZone', 'example.com', 'example.com', {'environment': 'production'}),
    ('publicCloudProject', '0123456789abcdef0123456789abcdef', 'My project', {'environment': 'staging'}),
)

_CATEGORIES = {'get': 'READ', 'create': 'CREATE', 'add': 'CREATE', 'edit': 'EDIT', 'delete': 'DELETE', 'remove': 'DELETE'}
_CURRENCIES = {'eu': ('EUR', 'EURO', 'FR', 'fr_FR', 'FR'), 'ca': ('CAD', 'CAD', 'CA', 'en_CA', 'CA'),
               'us': ('USD', 'US_DOLLAR', 'US', 'en_US', 'US')}


def stable_id(*parts):
    """A uuid that stays the same across resets, so tests can hard-code seeded ids."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, ':'.join(parts)))


def reference_actions():
    """Every item of GET /v2/iam/reference/action, shaped as iam.reference.Action."""
    actions = []
    for action, description in ACCOUNT_ACTIONS:
        operation = action.rsplit('/', 1)[-1]
        actions.append(_action_item(action, 'account', _CATEGORIES.get(operation, 'OPERATE'), description))
    for resource_type, api, operation, category, description in OTHER_ACTIONS:
        actions.append(_action_item('%s:%s:%s' % (resource_type, api, operation), resource_type, category, description))
    return actions


def _action_item(action, resource_type, category, description):
    return {'action': action, 'categories': [category], 'description': description,
            'resourceType': resource_type, 'hasQueryParameters': False}


def resource(region, nic, resource_type, name, display_name, tags):
    urn = 'urn:v1:%s:resource:%s:%s' % (region, resource_type, name)
    return {'id': stable_id(urn), 'urn': urn, 'name': name, 'displayName': display_name,
            'type': resource_type, 'owner': nic, 'tags': dict(tags)}


def account_resources(region, nic):
    """The account itself (target of every /me and /v2/iam action), then the example services."""
    resources = [resource(region, nic, 'account', nic, nic, {})]
    for resource_type, name, display_name, tags in EXAMPLE_RESOURCES:
        resources.append(resource(region, nic, resource_type, name, display_name, tags))
    return resources


def nichandle(region, nic):
    """GET /me, shaped as nichandle.Nichandle."""
    currency, symbol, subsidiary, language, country = _CURRENCIES[region]
    return {
        'nichandle': nic, 'email': 'owner@example.com', 'firstname': 'Ada', 'name': 'Lovelace',
        'organisation': None, 'legalform': 'individual', 'country': country, 'language': language,
        'currency': {'code': currency, 'symbol': symbol}, 'ovhCompany': 'ovh', 'ovhSubsidiary': subsidiary,
        'state': 'complete', 'customerCode': '1234-5678-90', 'kycValidated': True, 'address': '1 rue de la Paix',
        'city': 'Paris', 'zip': '75000', 'area': None, 'phone': '+33.123456789', 'phoneCountry': country,
        'fax': None, 'spareEmail': None, 'vat': None, 'birthCity': None, 'birthDay': None,
        'companyNationalIdentificationNumber': None, 'nationalIdentificationNumber': None,
        'corporationType': None, 'complementaryAddress': None, 'italianSDI': None, 'phoneType': 'mobile',
        'purposeOfPurchase': None, 'sex': None,
    }
