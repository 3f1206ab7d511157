"""
Serve the clinician interface: the static export that ``npm run build`` writes to ``settings.FRONTEND_BUILD_DIR``.

Every path that is not under /api/ or /admin/ resolves, in order, to the exact file, to ``<path>/index.html``, then
to the export's 404 page. A path never resolves to anything outside the build folder.
"""

import mimetypes
from pathlib import Path

from django.conf import settings
from django.http import FileResponse, HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponsePermanentRedirect
from django.urls import re_path

MISSING_BUILD_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>OralCare: interface not built</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40rem; margin: 3rem auto; line-height: 1.5">
<h1>The clinician interface has not been built</h1>
<p>No build was found in <code>{build_dir}</code>.</p>
<p>Run <code>npm ci &amp;&amp; npm run build</code> in <code>frontend/</code>, then reload this page.
The API at <a href="/api/docs/">/api/docs/</a> works without it.</p>
</body></html>
"""

# Next.js content-hashes everything under _next/static, so those files never change under the same name.
IMMUTABLE_PREFIX = "_next/static/"


def resolve(build_dir: Path, url_path: str) -> Path | None:
    """Return the file that serves ``url_path`` inside ``build_dir``, or None when there is none."""
    root = build_dir.resolve()
    relative = url_path.lstrip("/")
    candidates = [relative, f"{relative.rstrip('/')}/index.html" if relative else "index.html"]

    for candidate in candidates:
        try:
            path = (root / candidate).resolve()
            if not path.is_relative_to(root):
                return None
            if path.is_file():
                return path
        except (OSError, ValueError):
            # A NUL byte or an over-long name in the URL: no file can match it.
            return None
    return None


def serve_frontend(request: HttpRequest, url_path: str = "") -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])

    build_dir = Path(settings.FRONTEND_BUILD_DIR)
    if not (build_dir / "index.html").is_file():
        page = MISSING_BUILD_PAGE.format(build_dir=build_dir)
        return HttpResponse(page, status=503, content_type="text/html; charset=utf-8")

    path = resolve(build_dir, url_path)
    if path is not None and path.name == "index.html" and url_path and not url_path.endswith(("/", "index.html")):
        # The export links to pages with a trailing slash; redirect so relative URLs and the router agree.
        query = request.META.get("QUERY_STRING", "")
        return HttpResponsePermanentRedirect(f"/{url_path}/" + (f"?{query}" if query else ""))

    status = 200
    if path is None:
        path = resolve(build_dir, "404.html")
        status = 404
    if path is None:
        return HttpResponse("Not found.", status=404, content_type="text/plain; charset=utf-8")

    return _file_response(path, status=status, immutable=url_path.startswith(IMMUTABLE_PREFIX))


def _file_response(path: Path, *, status: int, immutable: bool) -> FileResponse:
    content_type, _ = mimetypes.guess_type(path.name)
    content_type = content_type or "application/octet-stream"
    if content_type.startswith("text/") or content_type in ("application/javascript", "application/json"):
        content_type += "; charset=utf-8"
    response = FileResponse(path.open("rb"), status=status, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    # Pages are re-read on every visit so a new build shows at once; hashed assets are cached for a year.
    response["Cache-Control"] = "public, max-age=31536000, immutable" if immutable else "no-cache"
    return response


urlpatterns = [
    re_path(r"^(?!api/|admin/)(?P<url_path>.*)$", serve_frontend, name="frontend"),
]
