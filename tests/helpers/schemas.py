"""The JSON schemas in docs/ as validators (jsonschema is a test extra: the test skips without it)."""

import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def schema_validator():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads((ROOT / "docs" / "attnviz-1.schema.json").read_text())
    return jsonschema.Draft202012Validator(schema)
