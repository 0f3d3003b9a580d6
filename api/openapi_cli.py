"""`rekindle openapi`: the OpenAPI document the service serves, without starting it; with
`--write docs/API.md`, that file's reference part rendered from it (api/reference_doc.py)."""

from __future__ import annotations

import json
from pathlib import Path

import click


@click.command("openapi")
@click.option("--write", "target", type=click.Path(dir_okay=False, path_type=Path),
              help="Render the reference part of this Markdown file (docs/API.md) instead.")
def openapi_command(target: Path | None) -> None:
    """Print the OpenAPI document (JSON), or render docs/API.md's reference from it."""
    from api.reference_doc import served_document, with_reference

    document = served_document()
    if target is None:
        click.echo(json.dumps(document, indent=2))
        return
    text = target.read_text() if target.exists() else ""
    target.write_text(with_reference(text, document))
    click.echo(f"{target}: reference rendered ({len(document['paths'])} paths)")
