"""The interactive API documentation, which must load without fetching anything from the internet."""

import re

import pytest
from django.conf import settings
from django.contrib.staticfiles import finders

pytestmark = pytest.mark.django_db

ASSET_URL = re.compile(r"""(?:src|href)\s*=\s*["']([^"']+)["']""")


def referenced_urls(html: str) -> list[str]:
    return ASSET_URL.findall(html)


def test_docs_page_uses_only_local_assets(api):
    response = api.get("/api/docs/")

    assert response.status_code == 200
    html = response.content.decode()
    assert "https://" not in html
    assert "http://" not in html

    urls = referenced_urls(html)
    assert urls, html
    for url in urls:
        assert url.startswith("/"), url
        assert not url.startswith("//"), url


def test_docs_page_scripts_are_static_files(api):
    html = api.get("/api/docs/").content.decode()
    static_prefix = "/" + settings.STATIC_URL.lstrip("/")

    static_urls = [url for url in referenced_urls(html) if url.startswith(static_prefix)]
    scripts = [url for url in static_urls if url.endswith(".js")]
    assert any("swagger-ui-bundle" in url for url in scripts), static_urls

    for url in static_urls:
        relative_path = url[len(static_prefix) :].split("?")[0]
        assert finders.find(relative_path) is not None, relative_path
