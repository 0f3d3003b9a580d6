"""`rekindle settings`: what this environment configures, and the README's configuration table,
both rendered from the settings class so that neither can drift from what the service reads."""

from __future__ import annotations

from typing import Any

import click
from pydantic.fields import FieldInfo

from domain.settings import Settings
from domain.settings_problems import field_extra


def _text(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(str(item) for item in value)
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _default(field: FieldInfo) -> str:
    """A secret's default is never shown; one chosen at start (a factory) is described."""
    shown = field_extra(field).get("shown")
    if shown:
        return str(shown)
    value = field.get_default(call_default_factory=False)
    if value is None:
        return "unset"
    return "(secret)" if field_extra(field).get("secret") else f"`{_text(value)}`"


def markdown_table() -> str:
    """The README's configuration table: variable, default, meaning, in the class's order."""
    lines = ["| variable | default | meaning |", "|---|---|---|"]
    for field in Settings.model_fields.values():
        meaning = field.description or ""
        assert "|" not in meaning and "\n" not in meaning, meaning
        lines.append(f"| `{field.validation_alias}` | {_default(field)} | {meaning} |")
    return "\n".join(lines) + "\n"


@click.command("settings")
@click.option("--markdown", is_flag=True,
              help="Print the README's configuration table instead (defaults and meanings).")
def settings_command(markdown: bool) -> None:
    """Each setting as this environment gives it (secrets only as set or unset)."""
    if markdown:
        click.echo(markdown_table(), nl=False)
        return
    settings = Settings.from_env()
    for name, field in Settings.model_fields.items():
        value = getattr(settings, name)
        if value is None:
            shown = "unset"
        elif field_extra(field).get("secret"):
            shown = "(set)"
        else:
            shown = _text(value)
        click.echo(f"{field.validation_alias}={shown}")
