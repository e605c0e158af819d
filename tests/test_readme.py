"""The README stays true: its Python example runs and prints what it says."""

from __future__ import annotations

import contextlib
import io
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[1]


def test_readme_python_example_runs_and_matches_its_comments():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```python\n(.*?)```", text, flags=re.S)
    assert blocks, "README has no python example"
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(blocks[0], "README.md", "exec"), {})
    printed = out.getvalue()
    assert "[ 9. 10.] [1 0]" in printed
    assert "all identities hold" in printed
    assert printed.rstrip().endswith("True")


def test_readme_commands_match_ci():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    bash = re.findall(r"```bash\n(.*?)```", text, flags=re.S)
    assert len(bash) >= 2
    test_command = bash[1].strip()
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert test_command in ci, "the README's test command must be what .ci/run runs"
    assert "pip install" in bash[0] and '-e ".[dev]"' in bash[0]


def test_readme_policy_gradient_example():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = [
        b
        for b in re.findall(r"```python\n(.*?)```", text, flags=re.S)
        if "short-corridor" in b
    ]
    assert len(blocks) == 1
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(blocks[0], "README.md", "exec"), {})
    lines = out.getvalue().splitlines()
    assert lines[0] == "-12.0 [[-2.  2.]]"
    assert lines[2] == "[0.4142 0.5858] -11.657"
