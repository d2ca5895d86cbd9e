"""Links people give us that others' apps will fetch: https, to a public host, without DNS."""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l

from neighbours.i18n import template

_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)
_PRIVATE_SUFFIXES = (".localhost", ".local", ".internal", ".localdomain", ".home.arpa", ".lan")

# Each answer of `public_https_problem`, translated (and given its reason) in a 422.
_NOT_A_URL = template("bad_url", _l("Not a valid URL."))
_NOT_HTTPS = template("bad_url", _l("Use an https:// link."))
_CREDENTIALS = template("bad_url", _l("A link can't carry a user name or password."))
_NO_HOST = template("bad_url", _l("The link has no host."))
_PORT = template("bad_url", _l("Use a link on the standard https port."))
_PRIVATE_ADDRESS = template("bad_url", _l("The link must point to a public address."))
_NUMERIC_HOST = template("bad_url", _l("Write an address as four decimal numbers, or use a name."))
_PRIVATE_HOST = template("bad_url", _l("The link must point to a public host."))


def public_https_problem(url: str) -> str | None:
    """Why this URL is not an https link to a public host, or None if it is.

    Refused: other schemes, credentials, ports other than 443's default, loopback, private,
    link-local and other non-global addresses (IPv4 and IPv6), IPv4 written as a decimal,
    hex or octal number or with missing parts, and names that only resolve on a local network
    (`localhost`, `.local`, `.internal`, one-label names). No DNS lookup is made: a public name
    may still point anywhere, which is for the fetching side to guard.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname
        port = parts.port
    except ValueError:
        return _NOT_A_URL
    if parts.scheme.lower() != "https":
        return _NOT_HTTPS
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        return _CREDENTIALS
    if not host:
        return _NO_HOST
    if port not in (None, 443):
        return _PORT
    host = host.rstrip(".").lower()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        address = None
    if address is not None:
        mapped = getattr(address, "ipv4_mapped", None)
        if not (mapped or address).is_global:
            return _PRIVATE_ADDRESS
        return None
    labels = host.split(".")
    if all(_NUMERIC_LABEL.match(label) for label in labels) or _NUMERIC_LABEL.match(labels[-1]):
        return _NUMERIC_HOST
    if len(labels) < 2 or host == "localhost" or host.endswith(_PRIVATE_SUFFIXES):
        return _PRIVATE_HOST
    return None
