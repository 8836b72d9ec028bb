"""The README's promises stay true: its Python example runs, its quick start names real commands."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_python_example_runs(tmp_path):
    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    assert blocks, "README has a Python example"
    script = tmp_path / "example.py"
    script.write_text(blocks[0])
    out = subprocess.run([sys.executable, str(script)], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip(), "the example prints recommendations"


def test_quick_start_is_two_commands_that_ci_runs():
    quick = README.split("## Quick start", 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    commands = [line for line in quick.strip().splitlines() if line.strip()]
    assert len(commands) == 2
    assert commands[0].startswith("pip install . && livelift recommend examples/")
    ci = (REPO / ".ci" / "run").read_text()
    test_command = commands[1].replace("pip install", "python -m pip install")
    assert test_command in ci, "CI runs the README's test command"


def _block_commands(heading: str) -> list[list[str]]:
    """The `livelift ...` lines of the first bash block under ``heading``, continuations joined, comments cut."""
    import shlex

    block = README.split(heading, 1)[1].split("```bash", 1)[1].split("```", 1)[0]
    text = block.replace("\\\n", " ")
    return [shlex.split(line, comments=True) for line in text.splitlines() if line.strip().startswith("livelift ")]


OUTPUT_OPTIONS = {"-o", "--output", "--db", "--profiles", "--sessions"}


def test_using_it_commands_name_files_a_clone_has():
    """Copied into a clone, each command finds its input: it is in the repository or an earlier line wrote it.
    ('livelift ingest events.jsonl.gz summaries.csv' and 'recommend profiles/' named files nobody has.)"""
    written: set[str] = set()
    for argv in _block_commands("## Using it"):
        for i, token in enumerate(argv):
            if argv[i - 1] in OUTPUT_OPTIONS:
                written.add(token)
                continue
            if token == "my-rules/":  # "validate your own rule files": the one path that is the reader's own
                continue
            if re.search(r"\.(csv|json|jsonl|jsonl\.gz|parquet)$|/$", token):
                assert (REPO / token).exists() or token in written, f"{' '.join(argv)}: {token} is in no clone"
    assert {"history.csv", "recs.parquet"} <= written
