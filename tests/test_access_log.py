"""The access log of the production server never shows a calendar feed's secret (found by the
outside probe: `accesslog = "-"` wrote every feed URL, the feed's only credential)."""

from __future__ import annotations

import re
import time

import pytest
import requests

from tests.realtime import servers
from tests.support.settings import DATABASE_URL

pytestmark = [pytest.mark.postgres, pytest.mark.commits, pytest.mark.slow]


def test_a_feed_fetch_is_logged_without_its_secret(auth, tmp_path):
    me = auth.user()
    env = {
        "DATABASE_URL": DATABASE_URL,
        "REDIS_URL": "",
        "SECRET_KEY": "access-log-test",
        "RATELIMIT_ENABLED": "false",
        "NEIGHBOURS_ENV": "production",
    }
    with servers.running(env, tmp_path, "web") as (web,):
        made = requests.post(f"{web.url}/api/v1/me/calendar-feed", headers=me.headers, timeout=5)
        assert made.status_code == 201, made.text
        url = made.json()["url"]
        secret = re.search(r"/calendar/([^/]+)\.ics", url).group(1)
        path = url.split("://", 1)[1].split("/", 1)[1]
        assert requests.get(f"{web.url}/{path}", timeout=5).status_code == 200
        time.sleep(0.5)
        log = web.log()
    assert "/calendar/<secret>.ics" in log
    assert secret not in log
