"""GET /v1/docs: the interactive reference, served with every asset by the service itself,
under a Content-Security-Policy that allows 'self' and nothing from another host."""

from __future__ import annotations

import re

from tests.api.conftest import Api

NO_OTHER_HOST = re.compile(r"(?:https?:)?//[\w.-]+")


def test_the_page_and_its_assets_come_from_the_service(anonymous: Api) -> None:
    page = anonymous.get("/v1/docs")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert len(assets) >= 4 and all(a.startswith("/v1/docs/") for a in assets), assets
    assert not NO_OTHER_HOST.search(html)
    assert "<script>" not in html  # no inline script: the CSP allows none
    for asset in assets:
        served = anonymous.get(asset)
        assert served.status_code == 200, asset
        assert served.get_data(), asset
    start = anonymous.get("/v1/docs/start.js").get_data(as_text=True)
    assert '"/v1/openapi.json"' in start and not NO_OTHER_HOST.search(start)
    assert "validatorUrl: null" in start  # no badge fetched from a validator elsewhere
    assert anonymous.get("/v1/openapi.json").status_code == 200


def test_the_policy_allows_exactly_self(anonymous: Api) -> None:
    for path in ("/v1/docs", "/v1/docs/swagger-ui-bundle.js"):
        policy = anonymous.get(path).headers["Content-Security-Policy"]
        directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
        assert directives["default-src"] == "'none'"
        for name in ("script-src", "style-src", "connect-src"):
            assert directives[name] == "'self'", name
        assert directives["img-src"] == "'self' data:"
        assert "unsafe" not in policy and "http" not in policy and "*" not in policy


def test_an_unknown_asset_is_404(anonymous: Api) -> None:
    for name in ("index.html", "..%2Fapp.py", "swagger-ui.js.map"):
        missing = anonymous.get(f"/v1/docs/{name}")
        assert missing.status_code == 404 and missing.get_json()["error"] == "not_found"
