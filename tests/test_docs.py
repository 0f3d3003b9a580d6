"""The README stays true: every setting documented, every linked document present, CI runs the
README's test command."""

from __future__ import annotations

import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text()
SOURCE_DIRS = ("domain", "projections", "api", "consumers")
INTERNAL = {"REKINDLE_ADAPTERS", "REKINDLE_CONNINFO"}  # passed from Database to the library


def _variables_in_source() -> set[str]:
    found: set[str] = set()
    for folder in SOURCE_DIRS:
        for path in (REPO / folder).rglob("*.py"):
            found |= set(re.findall(r"REKINDLE_[A-Z0-9_]+", path.read_text()))
    return found - INTERNAL


def _configuration_table() -> set[str]:
    section = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `(REKINDLE_[A-Z0-9_]+)`", section, flags=re.MULTILINE))


def test_every_setting_the_code_reads_is_documented_in_the_configuration_table():
    missing = _variables_in_source() - _configuration_table()
    assert not missing, f"undocumented settings: {sorted(missing)}"


def test_the_configuration_table_lists_no_setting_that_does_not_exist():
    tests = {"REKINDLE_TEST_DATABASE_URL"}
    stale = _configuration_table() - _variables_in_source() - tests
    assert not stale, f"documented but never read: {sorted(stale)}"


def test_the_configuration_table_is_the_one_the_settings_render():
    from api.settings_cli import markdown_table

    section = README.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    table = "\n".join(line for line in section.splitlines() if line.startswith("|"))
    assert table == markdown_table().rstrip("\n"), (
        "the README's configuration table is stale: replace it with the output of "
        "`rekindle settings --markdown` (meanings and defaults live in domain/settings.py)")


def test_every_linked_document_exists():
    for target in re.findall(r"\]\(([A-Za-z0-9_./-]+\.md)\)", README):
        assert (REPO / target).is_file(), f"README links to missing {target}"


def test_ci_runs_the_readme_test_command():
    commands = re.findall(r"```bash\n(.+?)\n```", README, flags=re.DOTALL)
    test_command = next(c for c in commands if "pytest" in c)
    assert test_command.strip() in (REPO / ".ci" / "run").read_text()


def test_every_test_the_guarantees_name_exists():
    section = README.split("## Guarantees", 1)[1].split("\n## ", 1)[0]
    current: Path | None = None
    named = 0
    for path, name in re.findall(r"`(tests/[\w/]+\.py)?(?:::(\w+))?`", section):
        if path:
            current = REPO / path
            assert current.is_file(), f"the Guarantees name a missing {path}"
        if name:
            assert current is not None
            assert re.search(rf"^def {name}\(", current.read_text(), re.MULTILINE), \
                f"{current.name} has no test {name}"
            named += 1
    assert named >= 20


def _command_problem(named: str) -> str | None:
    """Why `rekindle ...` as written names no command, option or argument value of the
    `rekindle` CLI; None if it does. Upper-case words and <...> are placeholders."""
    import click

    from api.bench.command import bench
    from api.cli import main

    words = named.replace("[", " ").replace("]", " ").split()[1:]
    command: click.Command = main
    while isinstance(command, click.Group) and words and not words[0].startswith("-"):
        found = command.commands.get(words[0])
        if found is None:
            return f"{command.name} has no command {words[0]!r}"
        command, words = found, words[1:]
    if command.name == "bench":  # it hands its arguments to the benchmark's own command
        command = bench
    options = {opt: p for p in command.params if isinstance(p, click.Option) for opt in p.opts}
    values = [p.type.choices for p in command.params
              if isinstance(p, click.Argument) and isinstance(p.type, click.Choice)]
    expects_value = False
    for word in words:
        if expects_value or word.isupper() or word.startswith("<") or word == "...":
            expects_value = False
            continue
        if word.startswith("-"):
            option = options.get(word)
            if option is None and word != "--help":
                return f"{command.name} has no option {word}"
            expects_value = option is not None and not option.is_flag
        elif values and word not in values[0]:
            return f"{command.name} takes no {word!r}"
    return None


def test_every_rekindle_command_the_documents_name_exists():
    assert _command_problem("rekindle schedule") is not None  # the check can fail
    assert _command_problem("rekindle worker scheduler --bogus") is not None
    named: set[str] = set()
    for document in ("README.md", "GDPR.md"):
        text = (REPO / document).read_text()
        named |= {" ".join(span.split()) for span in
                  re.findall(r"`(?:\.venv/bin/)?(rekindle [^`]+)`", text)}
    assert len(named) >= 10
    problems = {name: _command_problem(name) for name in sorted(named)}
    assert not {n: p for n, p in problems.items() if p}, problems
