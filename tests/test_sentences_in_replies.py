"""Services hold no user-visible sentences: what the bot says lives in `bot/present/replies/` (issue 18 §2). Checked for
the services already moved; the others join the list as their sentences move."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
WITHOUT_SENTENCES = [
    "bot/services/core.py",
    "bot/services/routes.py",
    "bot/services/refusal.py",
    "bot/services/proposals.py",
    "bot/services/confirmations.py",
    "bot/services/reporting.py",
    "bot/services/scope.py",
    "bot/services/targets_admin.py",
    "bot/services/people.py",
    "bot/services/khoi.py",
    "bot/services/context.py",
    "bot/services/progress.py",
    "bot/services/plain_channel.py",
    "bot/services/reminder_controls.py",
    "bot/services/reminders/__init__.py",
    "bot/services/reminders/calendar_state.py",
    "bot/services/reminders/delivery.py",
    "bot/services/reminders/rendering.py",
    "bot/services/reminders/routing.py",
    "bot/services/reminders/service.py",
    "bot/services/reminders/state.py",
]
VIETNAMESE = re.compile(r"[ăâđêôơưàáảãạằắẳẵặầấẩẫậèéẻẽẹềếểễệìíỉĩịòóỏõọồốổỗộờớởỡợùúủũụừứửữựỳýỷỹỵ]", re.IGNORECASE)


def sentences(source: str) -> list[str]:
    """String constants with Vietnamese letters, docstrings aside."""
    tree = ast.parse(source)
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
        and VIETNAMESE.search(node.value)
    ]


def test_the_check_sees_a_sentence():
    assert sentences('"""Tài liệu."""\nx = f"Đã lưu {1}."\n') == ["Đã lưu "]


@pytest.mark.parametrize("path", WITHOUT_SENTENCES)
def test_service_holds_no_sentence(path):
    assert sentences((ROOT / path).read_text(encoding="utf-8")) == []
