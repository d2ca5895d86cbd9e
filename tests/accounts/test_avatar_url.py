"""`avatar_url` is an https link to a public host: no plain http, private or local addresses."""

from __future__ import annotations

import pytest

from tests.support.errors import assert_error

REFUSED = [
    "http://example.org/a.png",
    "https://localhost/a.png",
    "https://LOCALHOST./a.png",
    "https://127.0.0.1/a.png",
    "https://127.8.9.10/a.png",
    "https://10.1.2.3/a.png",
    "https://172.16.0.1/a.png",
    "https://172.31.255.254/a.png",
    "https://192.168.1.1/a.png",
    "https://169.254.169.254/latest/meta-data",
    "https://0.0.0.0/a.png",
    "https://[::1]/a.png",
    "https://[fc00::1]/a.png",
    "https://[fd12:3456::1]/a.png",
    "https://[fe80::1]/a.png",
    "https://[::ffff:127.0.0.1]/a.png",
    "https://2130706433/a.png",  # 127.0.0.1 as a decimal
    "https://0x7f000001/a.png",  # ... as hex
    "https://0x7f.0.0.1/a.png",
    "https://0177.0.0.1/a.png",  # ... octal
    "https://127.1/a.png",
    "https://printer.local/a.png",
    "https://db.internal/a.png",
    "https://app.localhost/a.png",
    "https://intranet/a.png",
    "https://user:secret@example.org/a.png",
    "https://user@example.org/a.png",
    "https://example.org:8443/a.png",
    "ftp://example.org/a.png",
]


@pytest.mark.parametrize("url", REFUSED)
def test_avatar_url_refuses_non_public_or_plain_http_links(api, auth, url):
    ana = auth.user()
    r = api.patch("/me", json={"avatar_url": url}, headers=ana.headers)
    assert_error(r, 422, "avatar_url")


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/ana.png",
        "https://cdn.example.co.uk/u/1/avatar.jpg?size=64",
        "https://93.184.216.34/a.png",
        "https://[2606:4700::6810:85e5]/a.png",
        "https://example.org:443/a.png",
    ],
)
def test_avatar_url_accepts_https_links_to_public_hosts(api, auth, url):
    ana = auth.user()
    r = api.patch("/me", json={"avatar_url": url}, headers=ana.headers)
    assert r.status_code == 200, r.get_json()
    assert r.get_json()["avatar_url"] == url
