"""Request body checks; every error is a 400 whose message starts with the field path, e.g. ``[flow] ...``.

``prefix`` is where ``body`` sits in the request body, e.g. ``permissions.`` or ``conditions.conditions.0.``.
"""

from .common import bad_request

MISSING = object()


def field_error(path, message, code=None):
    return bad_request('[%s] %s' % (path, message), code)


def value(body, name, required, prefix=''):
    """``body[name]``; MISSING when absent or null and optional; a 400 when absent and required."""
    found = body.get(name)
    if found is None:
        if required:
            raise field_error(prefix + name, 'Property is mandatory')
        return MISSING
    return found


def string(body, name, required=True, prefix=''):
    found = value(body, name, required, prefix)
    if found is not MISSING and not isinstance(found, str):
        raise field_error(prefix + name, 'Invalid type: expected a string')
    return found


def enum(body, name, choices, required=True, prefix=''):
    found = string(body, name, required, prefix)
    if found is not MISSING and found not in choices:
        raise field_error(prefix + name, 'Invalid value %r: expected one of %s' % (found, ', '.join(choices)))
    return found


def array(body, name, required=True, prefix=''):
    found = value(body, name, required, prefix)
    if found is not MISSING and not isinstance(found, list):
        raise field_error(prefix + name, 'Invalid type: expected an array')
    return found


def string_array(body, name, required=True, prefix=''):
    found = array(body, name, required, prefix)
    for index, item in enumerate(found if found is not MISSING else ()):
        if not isinstance(item, str):
            raise field_error('%s%s.%d' % (prefix, name, index), 'Invalid type: expected a string')
    return found


def object_array(body, name, required=True, prefix=''):
    found = array(body, name, required, prefix)
    for index, item in enumerate(found if found is not MISSING else ()):
        if not isinstance(item, dict):
            raise field_error('%s%s.%d' % (prefix, name, index), 'Invalid type: expected an object')
    return found


def json_object(body, name, required=True, prefix=''):
    found = value(body, name, required, prefix)
    if found is not MISSING and not isinstance(found, dict):
        raise field_error(prefix + name, 'Invalid type: expected an object')
    return found
