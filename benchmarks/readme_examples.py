"""Regenerate the README's example output by running the commands it shows.

Every block of README.md between `<!-- example -->` and `<!-- /example -->` is a ```text
block whose `$ qa ...` line is the command: this script runs it (on the repo's config.yaml,
through the real CLI) and writes what it printed below it, so the README cannot drift from
what qa does. A block whose command opens the chat (`$ qa` without -q) takes its `qa> ` lines
as what was typed and writes each reply after it. `| python -m json.tool` is honoured.

    python benchmarks/readme_examples.py            rewrite README.md
    python benchmarks/readme_examples.py --check    exit 1 if README.md is out of date
    ... --store DIR                                 answer from this store (tests use their own)
"""

from __future__ import annotations

import argparse
import difflib
import json
import os
import re
import shlex
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from click.testing import CliRunner

from qa import Bot
from qa.config import find_config, load_settings
from qa.ui.cli import cli
from qa.ui.repl import Chat, welcome

BLOCK = re.compile(r"(<!-- example -->\n```text\n)(.*?)(```\n<!-- /example -->)", re.DOTALL)


def run_command(line: str, typed: list[str], store: str | None) -> str:
    """What `line` (a `$ qa ...` command) prints, with `typed` as chat input."""
    words = shlex.split(line)
    pretty = words[-4:] == ["|", "python", "-m", "json.tool"]
    if pretty:
        words = words[:-4]
    assert words[0] == "qa", line
    args = words[1:] + (["--store", store] if store else [])
    if "-q" not in args and "--questions" not in args:
        return chat(args, typed, store)
    result = CliRunner().invoke(cli, args)
    if result.exit_code != 0:
        raise SystemExit(f"{line}: exit {result.exit_code}\n{result.output}")
    out = result.output
    if pretty:
        out = json.dumps(json.loads(out), indent=4, ensure_ascii=False) + "\n"
    return out


def chat(args: list[str], typed: list[str], store: str | None) -> str:
    """A chat session: the banner, then each typed line after `qa> ` and its reply."""
    k = int(args[args.index("-k") + 1]) if "-k" in args else None
    settings = load_settings(find_config(None), k=k, store=store)
    bot = Bot.from_settings(settings, notify=lambda _: None)
    lines: list[str] = []
    session = Chat(bot, lines.append, color=False)
    lines.append(welcome(bot))
    for text in typed:
        lines.append(f"qa> {text}")
        if not session.handle(text):
            break
    return "\n".join(lines) + "\n"


def regenerate(readme: str, store: str | None) -> str:
    """README text with every example block's output made anew."""

    def block(match: re.Match[str]) -> str:
        body = match.group(2).splitlines()
        command = body[0]
        assert command.startswith("$ qa"), f"an example block starts with '$ qa': {command}"
        typed = [line[4:] for line in body[1:] if line.startswith("qa> ")]
        # the checkout's own folder differs from machine to machine
        out = run_command(command[2:], typed, store).replace(str(ROOT), "/path/to/qa")
        return match.group(1) + command + "\n" + out + match.group(3)

    return BLOCK.sub(block, readme)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only check; exit 1 on drift")
    parser.add_argument("--store", help="store directory to answer from")
    options = parser.parse_args()
    os.chdir(ROOT)  # the repo's config.yaml, and sources shown as seeds/...
    os.environ["NO_COLOR"] = "1"
    path = ROOT / "README.md"
    old = path.read_text(encoding="utf-8")
    new = regenerate(old, options.store)
    if options.check:
        if new != old:
            sys.stdout.writelines(difflib.unified_diff(
                old.splitlines(keepends=True), new.splitlines(keepends=True),
                "README.md", "README.md as the commands print it"))
            return 1
        print("README.md examples are current")
        return 0
    path.write_text(new, encoding="utf-8")
    print(f"README.md: {len(BLOCK.findall(new))} examples regenerated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
