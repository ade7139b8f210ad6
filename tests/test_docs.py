"""The documentation holds: the record table matches the JSON Schema, the README stays a README,
every relative link resolves, and the project speaks of itself only."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "newsarchive/schema/article.schema.json").read_text(encoding="utf-8"))
ROW = re.compile(r"^\| (?P<fields>`[^|]+`) \| (?P<type>[^|]+) \| (?P<meaning>.+) \|$")


def table(path: Path) -> dict[str, tuple[str, str]]:
    """field -> (type, meaning) for each row of the fields table."""
    rows: dict[str, tuple[str, str]] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        found = ROW.match(line)
        if found:
            for field in re.findall(r"`([a-z_]+)`", found["fields"]):
                rows[field] = (found["type"].strip(), found["meaning"])
    return rows


def described(spec: dict[str, Any]) -> str:
    """The schema's type as the table words it."""
    given = spec.get("type")
    if given is None:  # an enum: the type of its values
        given = sorted({type(v).__name__.replace("str", "string") for v in spec["enum"]})
    kinds = [given] if isinstance(given, str) else list(given)
    words = []
    for kind in kinds:
        if kind == "array":
            words.append(f"list of {spec['items']['type']}s")
        elif kind != "null":
            words.append(kind)
    return " or ".join(words) + (" or null" if "null" in kinds else "")


def mismatches(rows: dict[str, tuple[str, str]]) -> list[str]:
    props, required = SCHEMA["properties"], set(SCHEMA["required"])
    wrong = [f"{f}: in the schema, not in the table" for f in props if f not in rows]
    wrong += [f"{f}: in the table, not in the schema" for f in rows if f not in props]
    for field, (kind, meaning) in rows.items():
        if field not in props:
            continue
        if kind != described(props[field]):
            wrong.append(f"{field}: the table says {kind!r}, the schema {described(props[field])!r}")
        optional = meaning.startswith("only ")
        if optional == (field in required):
            wrong.append(f"{field}: {'required' if field in required else 'optional'} in the schema")
    return wrong


def test_the_record_table_matches_the_schema() -> None:
    rows = table(ROOT / "docs/record-format.md")
    assert len(rows) == len(SCHEMA["properties"])
    assert mismatches(rows) == []


def test_the_table_check_sees_a_drift() -> None:
    rows = table(ROOT / "docs/record-format.md")
    rows["pages"] = ("string", rows["pages"][1])
    del rows["crawled_at"]
    rows["summary"] = ("string", "a field nobody writes")
    assert sorted(mismatches(rows)) == [
        "crawled_at: in the schema, not in the table",
        "pages: the table says 'string', the schema 'integer'",
        "summary: in the table, not in the schema",
    ]


def test_the_readme_is_short() -> None:
    assert len((ROOT / "README.md").read_text(encoding="utf-8").splitlines()) <= 250


@pytest.mark.parametrize("doc", ["README.md", "CHANGELOG.md", *sorted(p.name for p in (ROOT / "docs").glob("*.md"))])
def test_every_relative_link_resolves(doc: str) -> None:
    path = ROOT / doc if (ROOT / doc).exists() else ROOT / "docs" / doc
    text = path.read_text(encoding="utf-8")
    for target in re.findall(r"\]\((?!https?:|mailto:)([^)#\s]+)(?:#[^)]*)?\)", text):
        assert (path.parent / target).exists(), f"{doc}: link to {target}, which does not exist"


def test_the_project_speaks_of_itself_only() -> None:
    """No word of the work's history (when, under which ticket) outside the changelog."""
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    words = re.compile(r"(?<!scope=\")\bsessions?\b|\bissue #?\d+|#\d{1,3}\b(?=[ ,.)])", re.I)
    found = []
    for name in files:
        if (
            name in ("CHANGELOG.md", "tests/test_docs.py")
            or name.startswith(("fixtures/", "tests/data/"))
            or "testportals/fixtures" in name
        ):
            continue
        if not name.endswith((".py", ".md", ".toml", ".cfg", ".yaml", ".yml", ".txt")) and "/" in name:
            continue
        try:
            text = (ROOT / name).read_text(encoding="utf-8")
        except (UnicodeDecodeError, FileNotFoundError):
            continue
        found += [f"{name}: {m.group(0)!r}" for m in words.finditer(text)]
    assert found == []


def test_pre_commit_runs_the_checks_ci_runs() -> None:
    hooks = (ROOT / ".pre-commit-config.yaml").read_text(encoding="utf-8")
    ci = (ROOT / ".ci/run").read_text(encoding="utf-8")
    for check in (
        ".venv/bin/ruff check",
        ".venv/bin/ruff format",
        ".venv/bin/mypy --strict newsarchive",
        ".venv/bin/mypy tests",
    ):
        assert check in hooks and check in ci, check
