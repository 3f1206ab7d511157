"""Django's serving of the built interface (oralcare/frontend.py), checked on a small fake build folder."""

from pathlib import Path

import pytest
from django.test import Client


@pytest.fixture
def build_dir(tmp_path: Path, settings: pytest.FixtureRequest) -> Path:
    folder = tmp_path / "out"
    (folder / "patients" / "view").mkdir(parents=True)
    (folder / "_next" / "static" / "chunks").mkdir(parents=True)
    (folder / "index.html").write_text("<p>home</p>")
    (folder / "404.html").write_text("<p>missing page</p>")
    (folder / "patients" / "index.html").write_text("<p>patients</p>")
    (folder / "patients" / "view" / "index.html").write_text("<p>patient</p>")
    (folder / "_next" / "static" / "chunks" / "app.js").write_text("console.log(1)")
    (tmp_path / "secret.txt").write_text("outside the build")
    settings.FRONTEND_BUILD_DIR = folder
    return folder


def body(response: object) -> bytes:
    return b"".join(response.streaming_content)  # type: ignore[attr-defined]


def test_page_served_from_index(build_dir: Path, client: Client) -> None:
    response = client.get("/patients/view/?id=12")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert body(response) == b"<p>patient</p>"
    assert response["Cache-Control"] == "no-cache"


def test_root_served(build_dir: Path, client: Client) -> None:
    response = client.get("/")

    assert response.status_code == 200
    assert body(response) == b"<p>home</p>"


def test_hashed_asset_cached(build_dir: Path, client: Client) -> None:
    response = client.get("/_next/static/chunks/app.js")

    assert response.status_code == 200
    assert "javascript" in response["Content-Type"]
    assert "immutable" in response["Cache-Control"]
    assert response["X-Content-Type-Options"] == "nosniff"


def test_missing_slash_redirects(build_dir: Path, client: Client) -> None:
    response = client.get("/patients/view?id=12")

    assert response.status_code == 301
    assert response["Location"] == "/patients/view/?id=12"


def test_unknown_path_gets_404_page(build_dir: Path, client: Client) -> None:
    response = client.get("/no/such/page/")

    assert response.status_code == 404
    assert body(response) == b"<p>missing page</p>"


@pytest.mark.parametrize("path", ["/../secret.txt", "/%2e%2e/secret.txt", "/patients/../../secret.txt", "/a%00b"])
def test_path_outside_build_not_served(build_dir: Path, client: Client, path: str) -> None:
    response = client.get(path)

    assert response.status_code == 404
    assert b"outside the build" not in body(response)


def test_api_paths_not_served(build_dir: Path, client: Client) -> None:
    (build_dir / "api").mkdir()
    (build_dir / "api" / "index.html").write_text("<p>shadow</p>")

    response = client.get("/api/")

    assert response.status_code == 404
    assert b"shadow" not in response.content


def test_post_not_allowed(build_dir: Path, client: Client) -> None:
    response = client.post("/patients/")

    assert response.status_code == 405


def test_missing_build_explains_fix(tmp_path: Path, settings: pytest.FixtureRequest, client: Client) -> None:
    settings.FRONTEND_BUILD_DIR = tmp_path / "not-built"

    response = client.get("/patients/")

    assert response.status_code == 503
    assert b"npm run build" in response.content
