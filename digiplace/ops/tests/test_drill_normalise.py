"""The restore drill compares answers after taking out only what legitimately differs between
two renderings of the same data; everything else, a date of the data included, still counts."""

from __future__ import annotations

import datetime

from digiplace.ops.tests.drill_data import _links, _normalised, _sitemap_paths

STARTED = datetime.datetime.now(datetime.UTC) - datetime.timedelta(seconds=5)
HTML = "text/html; charset=utf-8"


def test_csrf_tokens_nonces_and_the_answers_own_moment_are_taken_out() -> None:
    now = datetime.datetime.now(datetime.UTC).isoformat()
    first = (
        '<input type="hidden" name="csrfmiddlewaretoken" value="abc123">'
        '<script nonce="n0nce1" src="/static/a.js"></script>'
        f'<p>Updated: <time datetime="{now}">12/02/2026 12:51 a.m.</time></p>'
    )
    second = (
        '<input type="hidden" name="csrfmiddlewaretoken" value="zzz999">'
        '<script nonce="other" src="/static/a.js"></script>'
        f'<p>Updated: <time datetime="{now}">12/02/2026 12:52 a.m.</time></p>'
    )

    assert _normalised(first.encode(), HTML, STARTED) == _normalised(second.encode(), HTML, STARTED)
    assert "[now]" in _normalised(first.encode(), HTML, STARTED)


def test_a_moment_of_the_data_and_any_other_difference_still_count() -> None:
    created = '<time datetime="2026-11-30T12:00:00+00:00">30 November 2026</time>'
    changed = '<time datetime="2026-11-30T12:00:00+00:00">1 December 2026</time>'

    assert _normalised(created.encode(), HTML, STARTED) == created
    assert _normalised(created.encode(), HTML, STARTED) != _normalised(
        changed.encode(), HTML, STARTED
    )
    json_now = f'{{"exported_at": "{datetime.datetime.now(datetime.UTC).isoformat()}", "n": 1}}'
    assert _normalised(json_now.encode(), "application/json", STARTED) == (
        '{\n "exported_at": "[now]",\n "n": 1\n}'
    )


def test_json_objects_are_compared_whatever_the_order_of_their_keys() -> None:
    written = b'{"b": 1, "a": [2, 1]}'
    sorted_by_the_database = b'{"a": [2, 1], "b": 1}'
    other_order_of_items = b'{"a": [1, 2], "b": 1}'

    normalised = _normalised(written, "application/json", STARTED)
    assert normalised == _normalised(sorted_by_the_database, "application/json", STARTED)
    assert normalised != _normalised(other_order_of_items, "application/json", STARTED)


def test_files_are_compared_by_their_bytes() -> None:
    assert _normalised(b"\xff\xd8jpeg", "image/jpeg", STARTED).startswith("sha256:")
    assert _normalised(b"\xff\xd8jpeg", "image/jpeg", STARTED) != _normalised(
        b"\xff\xd8jpeh", "image/jpeg", STARTED
    )


def test_the_drill_follows_files_and_data_links_and_the_sitemaps_pages() -> None:
    page = (
        '<a href="/media/reports/photos/a.jpg">photo</a> <a href="/reports/">list</a>'
        ' <a href="/opendata/datasets/x/download/csv">csv</a> <a href="/static/x.css">'
        ' <div data-url="/waste/containers.json"></div> <a href="/accounts/logout/">'
    )
    assert _links(page) == [
        "/media/reports/photos/a.jpg",
        "/opendata/datasets/x/download/csv",
        "/waste/containers.json",
    ]
    sitemap = (
        "<urlset><url><loc>http://drill.localhost/plans/a/</loc></url>"
        "<url><loc>http://drill.localhost/x/?page=2&amp;q=1</loc></url></urlset>"
    )
    assert _sitemap_paths(sitemap) == ["/plans/a/", "/x/?page=2&q=1"]


def test_the_planners_default_moment_is_taken_out() -> None:
    first = b'<input type="time" name="time" value="01:10" required id="id_time">'
    second = b'<input type="time" name="time" value="01:11" required id="id_time">'

    assert _normalised(first, HTML, STARTED) == _normalised(second, HTML, STARTED)
