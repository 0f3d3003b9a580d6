"""`GET /v1/docs`: the OpenAPI document as an interactive reference (Swagger UI), served with
its assets by the service itself (the swagger-ui-bundle package), public like the document.

Nothing comes from another host, and the page runs no inline script: its Content-Security-
Policy allows scripts, styles and requests from 'self' only, and images from 'self' and
`data:` (the icons in Swagger UI's stylesheet).
"""

from __future__ import annotations

from flask import Response, send_from_directory
from swagger_ui_bundle import swagger_ui_path

from api import responses
from api.blueprint import Blueprint
from domain.errors import NotFound

blp = Blueprint("docs", __name__, url_prefix="/v1/docs", description="Interactive reference")

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'")
BUNDLED = ("swagger-ui.css", "swagger-ui-bundle.js", "favicon-32x32.png")
START = """window.addEventListener("load", function () {
  window.ui = SwaggerUIBundle({
    url: "/v1/openapi.json",
    dom_id: "#reference",
    deepLinking: true,
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
});
"""
PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Rekindle API reference</title>
  <link rel="stylesheet" href="/v1/docs/swagger-ui.css">
  <link rel="icon" type="image/png" href="/v1/docs/favicon-32x32.png">
</head>
<body>
  <div id="reference"></div>
  <script src="/v1/docs/swagger-ui-bundle.js"></script>
  <script src="/v1/docs/start.js"></script>
</body>
</html>
"""
HTML = {"type": "string", "description": "the reference page"}
ASSET = {"type": "string", "format": "binary", "description": "a stylesheet, script or icon"}


def _served(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@blp.route("", methods=["GET"])
@responses.read(blp, HTML, content_type="text/html")
@blp.doc(summary="Interactive API reference")
def reference() -> Response:
    """Swagger UI over `/v1/openapi.json`; it needs a browser with JavaScript."""
    return _served(Response(PAGE, mimetype="text/html"))


@blp.route("/<string:asset>", methods=["GET"])
@responses.read(blp, ASSET, content_type="*/*")
@blp.doc(summary="Asset of the API reference")
def reference_asset(asset: str) -> Response:
    """The page's stylesheet, scripts and icon."""
    if asset == "start.js":
        return _served(Response(START, mimetype="text/javascript"))
    if asset not in BUNDLED:
        raise NotFound(f"no asset {asset!r}", {"asset": asset[:100]})
    return _served(send_from_directory(swagger_ui_path, asset))
