"""docs/DEPLOY.md and the commands it tells operators to type must agree: every `flask backup ...`
and `flask recovery ...` it shows parses with the real commands, every command is documented,
and the options each command's --help lists are the ones the guide uses."""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from testimony import backup, recovery

DEPLOY = Path(__file__).resolve().parents[2] / "docs" / "DEPLOY.md"
GROUPS: dict[str, click.Group] = {"backup": backup.backup_group, "recovery": recovery.recovery_group}
INVOCATION = re.compile(r"\b(?:tflask|flask(?:\s+--app\s+wsgi)?)\s+(backup|recovery)\s+([a-z-]+)([^\n`]*)")
SHELL = {"|", "||", "&&", ";", ">", "<", "\\"}


def _snippets(text: str) -> Iterator[tuple[str, bool]]:
    """Each line of a code block (a full invocation) and each inline `code` span."""
    for block in re.findall(r"```[a-z]*\n(.*?)```", text, re.S):
        for line in block.splitlines():
            yield line, True
    for span in re.findall(r"`([^`\n]+)`", re.sub(r"```.*?```", "", text, flags=re.S)):
        yield span, False


def documented() -> list[tuple[str, str, list[str], bool]]:
    found = []
    for snippet, in_block in _snippets(DEPLOY.read_text(encoding="utf-8")):
        for match in INVOCATION.finditer(snippet):
            group, command, rest = match.groups()
            words = shlex.split(rest.split(" #")[0])
            cut = next(
                (i for i, word in enumerate(words) if word in SHELL or word.startswith(">")), len(words)
            )
            found.append((group, command, words[:cut], in_block))
    return found


def test_every_documented_invocation_parses_with_the_real_command() -> None:
    invocations = documented()
    assert invocations, "DEPLOY.md shows no backup or recovery commands"
    for group, name, args, in_block in invocations:
        command = GROUPS[group].commands.get(name)
        assert command is not None, f"DEPLOY.md uses `{group} {name}`, which does not exist"
        if in_block or args:
            # A usage error (unknown option, missing --to, an extra argument) fails the test.
            command.make_context(f"flask {group} {name}", list(args))


def test_every_command_is_documented_with_the_options_its_help_lists() -> None:
    invocations = documented()
    for group_name, group in GROUPS.items():
        for name, command in group.commands.items():
            used = [args for g, n, args, _ in invocations if (g, n) == (group_name, name)]
            assert used, f"`flask {group_name} {name}` is not in DEPLOY.md"
            documented_options = {word for args in used for word in args if word.startswith("--")}
            help_text = CliRunner().invoke(command, ["--help"], prog_name=f"flask {group_name} {name}").output
            listed = set(re.findall(r"^\s+(--[a-z-]+)", help_text, re.M)) - {"--help"}
            assert listed == documented_options, (
                f"`flask {group_name} {name} --help` lists {sorted(listed)}; DEPLOY.md uses {sorted(documented_options)}"
            )


@pytest.mark.parametrize(
    "line", ["flask backup create --to DIR --force", "flask recovery export KEY --to DIR"]
)
def test_the_check_catches_what_the_commands_refuse(line: str) -> None:
    _, group, name, *args = shlex.split(line)
    with pytest.raises(click.UsageError):
        GROUPS[group].commands[name].make_context(f"flask {group} {name}", args)
