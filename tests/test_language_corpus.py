"""The language corpus (tests/corpus/*.tsv, format in CORPUS-FORMAT.md): every message read for its asker on its
tree — the demo built by bot/runtime/demo.py, the commune built only through the public import — with today fixed at
2026-10-20, and compared with the reading a Ban Tổ chức official wrote by hand.

Asserts: ≥ 98 % exactly right; no answer for a unit the message did not name; no report that stores less than
the message said. PTDV_CORPUS_DIR points at another corpus directory.
"""

from __future__ import annotations

import asyncio
import os
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.config import Settings
from bot.domain.clock import ManualClock
from bot.domain.models import Role, User
from bot.domain.normalize import fold
from bot.domain.periods import Period, PeriodKind
from bot.importing.reader import read_file
from bot.language.understand import Reading, understand
from bot.present.callbacks import period_code as button_code
from bot.runtime import demo
from bot.services import imports
from bot.services.context import Context
from storage.db import Database
from storage.migrations import migrate

TODAY = date(2026, 10, 20)
VN = ZoneInfo("Asia/Ho_Chi_Minh")
CORPUS = Path(os.environ.get("PTDV_CORPUS_DIR") or Path(__file__).parent / "corpus")
COMMUNE_FILES = ("commune-units.csv", "commune-users.csv", "commune-targets.csv", "commune-figures.csv")
QUESTION_OR_REPORT = {"refuse", "ask", "unknown", "confirm", "cancel", "help", "register"}
REPORT_LABELS = {"report", "report_pipeline", "report_screening", "correction", "cumulative"}


@dataclass
class Case:
    source: str
    line: int
    who: str
    state: str
    text: str
    intent: str
    unit: str
    period: str
    figures: str


def load_cases(directory: Path = CORPUS) -> list[Case]:
    cases: list[Case] = []
    for path in sorted(directory.glob("*.tsv")):
        header_seen = False
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            if not header_seen:
                header_seen = True
                continue
            cells = line.split("\t")
            if len(cells) != 7:
                raise AssertionError(f"{path.name}:{number}: {len(cells)} columns, expected 7")
            cases.append(Case(path.name, number, *cells))
    return cases


async def build_tree(name: str, tmp: Path, directory: Path = CORPUS) -> Context:
    db = await Database.open(tmp / f"{name}.sqlite3")
    await migrate(db)
    settings = Settings(database_path=tmp / f"{name}.sqlite3")
    ctx = Context(db, settings, ManualClock(datetime(2026, 10, 20, 9, 0, tzinfo=VN)))
    if name == "demo":
        await demo.load(db, ctx.now(), reorganise=False)  # the district the demo rows were written for
    else:
        for file in COMMUNE_FILES:
            path = directory / file.replace("commune", name, 1)
            if not path.exists():
                continue
            data = read_file(path.name, path.read_bytes(), 50 * 1_048_576)
            problems = await imports.check(ctx, data)
            assert not problems, imports.problems_text(problems)
            await imports.apply(ctx, data, None, path.name)
            ctx.invalidate()
    return ctx


def period_code(period: Period) -> str:
    """The corpus's codes (CORPUS-FORMAT): Y2026, Q2026-3, H2026-1, M2026-10, 9M2021, T2020-2025."""
    if period.kind is PeriodKind.FIRST_MONTHS:
        return f"{period.index}M{period.year}"
    return button_code(period)


def figures_text(reading: Reading) -> str:
    parts = [f"{k}={v}" for k, v in reading.figures.items()]
    parts += [f"unread={u}" for u in reading.unread]
    return ";".join(parts) or "-"


def _figures(text: str) -> dict[str, str]:
    if text == "-":
        return {}
    out: dict[str, str] = {}
    for part in text.split(";"):
        key, _, value = part.partition("=")
        out[key.strip()] = value.strip()
    return out


async def read_case(ctx: Context, case: Case) -> tuple[str, str, str, str]:
    tree = await ctx.tree()
    by_name = {u.name: u.id for u in tree.units.values()}
    role, _, unit_name = case.who.partition("@")
    unit_id = by_name[unit_name] if unit_name else tree.roots[0]
    user = User(id=0, name="corpus", role=Role.OFFICIAL if role == "official" else Role.REPORTER, unit_id=unit_id)
    asker = await ctx.asker(user)
    reading = understand(case.text, TODAY, await ctx.gazetteer(), asker, pending=case.state == "pending")
    unit = "-"
    pick = reading.pick
    if reading.label == "ask" and pick is not None:
        unit = " | ".join(sorted(tree[u].name for u in pick.choices))
    elif reading.label not in QUESTION_OR_REPORT and pick is not None:
        if pick.how == "category" and pick.category is not None:
            names = dict(await ctx.category_words(unit_id)).get(pick.category, [])
            label = (await ctx.category_labels(unit_id)).get(pick.category, pick.category)
            expected = case.unit.removeprefix("khối:")
            # khối are data: the corpus may name one by its label or any of its aliases (old labels included)
            unit = case.unit if case.unit.startswith("khối:") and fold(expected) in names else f"khối:{label}"
        elif pick.unit_id is not None:
            unit = tree[pick.unit_id].name
    period = (
        period_code(reading.period) if reading.period and reading.label not in QUESTION_OR_REPORT - {"ask"} else "-"
    )
    figures = (
        figures_text(reading) if reading.label in REPORT_LABELS or (reading.label == "ask" and reading.figures) else "-"
    )
    return reading.label, unit, period, figures


def _expected_unit(case: Case) -> str:
    if case.intent == "ask":
        return " | ".join(sorted(n.strip() for n in case.unit.split("|")))
    return case.unit


def compare(case: Case, got: tuple[str, str, str, str]) -> list[str]:
    label, unit, period, figures = got
    wrong = []
    if label != case.intent:
        wrong.append("intent")
    if case.intent not in QUESTION_OR_REPORT - {"ask"} and unit != _expected_unit(case):
        wrong.append("unit")
    if case.intent not in QUESTION_OR_REPORT - {"ask"} and period != case.period:
        wrong.append("period")
    if case.intent in REPORT_LABELS | {"ask"} and _figures(figures) != _figures(case.figures):
        wrong.append("figures")
    return wrong


def run_corpus(directory: Path, tmp: Path) -> list[tuple[Case, tuple[str, str, str, str], list[str]]]:
    cases = load_cases(directory)
    trees = sorted({c.source.split("-", 1)[0] for c in cases})

    async def go() -> list[tuple[Case, tuple[str, str, str, str], list[str]]]:
        out = []
        for tree in trees:
            ctx = await build_tree(tree, tmp, directory)
            try:
                for case in (c for c in cases if c.source.startswith(f"{tree}-")):
                    got = await read_case(ctx, case)
                    out.append((case, got, compare(case, got)))
            finally:
                await ctx.db.close()
        return out

    return asyncio.run(go())


def wrong_unit_answer(case: Case, got: tuple[str, str, str, str]) -> bool:
    """An answer (or a stored report) for a unit other than the one the message named."""
    label, unit, _, _ = got
    answered = label not in QUESTION_OR_REPORT
    return answered and case.intent not in QUESTION_OR_REPORT and unit != case.unit


def stores_less(case: Case, got: tuple[str, str, str, str]) -> bool:
    """A report whose stored figures miss or change a figure the message stated (and shows no unread part)."""
    label, _, _, figures = got
    if label not in REPORT_LABELS or case.intent not in REPORT_LABELS:
        return False
    want, have = _figures(case.figures), _figures(figures)
    if "unread" in have:
        return False
    return any(k != "unread" and have.get(k) != v for k, v in want.items())


# Issue 15's goals: ≥ 98 % of the corpus read exactly right, no answer for a unit the message did not name, no
# report that stores less than the message said. They are NOT met yet (issue 15 stays open): until they are, the
# suite holds the line where the parser stands — a change may only move these numbers towards the goals — and the
# test prints the distance to the goals. Raise the floors whenever the parser gets better; never lower them.
GOAL_RATE, GOAL_WRONG_UNITS, GOAL_LOSSES = 0.98, 0, 0
FLOOR_RATE, MAX_WRONG_UNITS, MAX_LOSSES = 0.993, 0, 0  # measured 30/11/2026 (l15c): 99.4 %, 0, 0


@pytest.mark.skipif(not any(CORPUS.glob("*.tsv")), reason=f"no corpus in {CORPUS}")
def test_language_corpus(tmp_path: Path) -> None:
    results = run_corpus(CORPUS, tmp_path)
    failures = [(c, g, w) for c, g, w in results if w]
    rate = 1 - len(failures) / len(results)
    wrong_units = [(c, g) for c, g, _ in results if wrong_unit_answer(c, g)]
    losses = [(c, g) for c, g, _ in results if stores_less(c, g)]
    lines = [
        f"{len(results)} messages, {rate:.1%} read exactly right; by field: "
        + str(Counter(f for _, _, w in failures for f in w))
    ]
    for case, got, wrong in failures:
        lines.append(
            f"{case.source}:{case.line} [{case.who}|{case.state}] {case.text}\n"
            f"    expected {case.intent} | {case.unit} | {case.period} | {case.figures}\n"
            f"    got      {' | '.join(got)}   ({', '.join(wrong)})"
        )
    report = "\n".join(lines)
    print(report)
    print(
        f"goals: ≥ {GOAL_RATE:.0%} exact (now {rate:.1%}), {GOAL_WRONG_UNITS} wrong-unit answers (now "
        f"{len(wrong_units)}), {GOAL_LOSSES} reports storing less (now {len(losses)})"
    )
    assert len(wrong_units) <= MAX_WRONG_UNITS, (
        f"{len(wrong_units)} answers for a unit the message did not name\n{report}"
    )
    assert len(losses) <= MAX_LOSSES, f"{len(losses)} reports store less than the message said\n{report}"
    assert rate >= FLOOR_RATE, report
