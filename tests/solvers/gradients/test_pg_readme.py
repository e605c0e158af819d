"""The README's policy-gradient example runs and prints what its comments say."""

from __future__ import annotations

import contextlib
import io
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[3]


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
