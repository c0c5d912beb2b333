"""Services hold no user-visible sentences: what the bot says lives in `bot/present/replies/` (issue 18 §2). Checked for
every module under `bot/services/`, so a sentence added to a service fails the suite. Patterns handed to `re` read
the user's words (they are not said to anyone) and are not sentences."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SERVICES = sorted(str(path.relative_to(ROOT)) for path in (ROOT / "bot" / "services").rglob("*.py"))
VIETNAMESE = re.compile(r"[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.IGNORECASE)


PATTERN_READERS = {"compile", "sub", "subn", "match", "search", "fullmatch", "split", "findall", "finditer"}


def sentences(source: str) -> list[str]:
    """String constants with Vietnamese letters, docstrings and the patterns given to `re` aside."""
    tree = ast.parse(source)
    patterns = {
        id(node.args[0])
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "re"
        and node.func.attr in PATTERN_READERS
        and node.args
    }
    docstrings = {
        id(node.body[0].value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef)
        and node.body
        and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [
        node.value
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in docstrings
        and id(node) not in patterns
        and VIETNAMESE.search(node.value)
    ]


def test_the_check_sees_a_sentence():
    assert sentences('"""Tài liệu."""\nx = f"Đã lưu {1}."\n') == ["Đã lưu "]


def test_a_pattern_that_reads_input_is_no_sentence():
    assert sentences('import re\nWORD = re.compile(r"\\bnhiệm kỳ\\b", re.I)\nSAY = "Nhiệm kỳ"\n') == ["Nhiệm kỳ"]


def test_every_service_is_checked():
    assert "bot/services/imports.py" in SERVICES
    assert "bot/services/reminders/service.py" in SERVICES


@pytest.mark.parametrize("path", SERVICES)
def test_service_holds_no_sentence(path):
    assert sentences((ROOT / path).read_text(encoding="utf-8")) == []
