"""Answering questions within the asker's scope: text, chart or Excel, for every query kind."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date
from typing import overload

from bot import callbacks, replies
from bot.callbacks import period_code
from bot.exports.charts import progress_chart
from bot.exports.excel import progress_workbook
from bot.language.queries import OutputForm, Query, QueryKind
from bot.messages import Attachment, Choice, Reply
from bot.models import CATEGORY_LABELS, PIPELINE_FIELDS, SCREENING_FIELDS, Figures, User
from bot.periods import Period, PeriodKind
from bot.progress import Status
from bot.replies import queries as texts
from bot.services.context import Context
from bot.services.progress import ProgressView, load_progress
from bot.services.scope import resolve_in_scope
from bot.textfmt import num
from bot.tree import UnitTree
from storage import rollups, submissions, users


def query_data(query: Query, unit_id: int, period: Period, page: int = 1) -> str:
    """Callback data that re-asks a query for a given unit (and page)."""
    choice = callbacks.QueryChoice(kind=query.kind, form=query.form, unit_id=unit_id, period=period, page=page)
    return callbacks.pack(choice)


def default_period(kind: QueryKind, today: date) -> Period:
    if kind is QueryKind.NOT_REPORTED:
        return Period.containing(today, PeriodKind.QUARTER)
    return Period.of_year(today.year)


async def ask(ctx: Context, user: User, query: Query) -> list[Reply]:
    """Resolve the unit within scope, then answer."""
    tree = await ctx.tree()
    period = query.period or default_period(query.kind, ctx.today())
    unit_id = user.unit_id if user.unit_id in tree else tree.roots[0]
    if query.unit_text:
        found = await resolve_in_scope(ctx, user, query.unit_text)
        if isinstance(found, Reply):
            return [found]
        if len(found) > 1:
            rows = tuple((Choice(label=tree[u].name, data=query_data(query, u, period)),) for u in found[:8])
            return [Reply(text=replies.which_unit(query.unit_text), choices=rows)]
        unit_id = found[0]
    return await answer(ctx, user, query, unit_id, period)


async def answer_choice(ctx: Context, user: User, choice: callbacks.QueryChoice) -> list[Reply]:
    tree = await ctx.tree()
    if choice.unit_id not in tree:
        return [Reply(text=replies.not_understood())]
    if choice.unit_id not in await ctx.scope(user):
        return [Reply(text=replies.out_of_scope(tree[choice.unit_id].name))]
    query = Query(kind=choice.kind, form=choice.form, period=choice.period, page=choice.page)
    return await answer(ctx, user, query, choice.unit_id, choice.period)


async def answer(ctx: Context, user: User, query: Query, unit_id: int, period: Period) -> list[Reply]:
    tree = await ctx.tree()
    today = ctx.today()
    if period.start > today:
        return [Reply(text=f"Kỳ {period.label} chưa bắt đầu, chưa có số liệu.")]
    view = await load_progress(ctx.db, tree, unit_id, period, today)
    if query.category is not None:
        view = _only_category(view, query.category)
    if query.form is OutputForm.CHART:
        png = await asyncio.to_thread(progress_chart, view)
        caption = f"Biểu đồ tiến độ kết nạp — {tree[unit_id].name} — {period.label}"
        return [Reply(text=caption, attachment=Attachment(kind="photo", filename="tien-do.png", content=png))]
    if query.form is OutputForm.EXCEL:
        full = await load_progress(ctx.db, tree, unit_id, period, today, depth=None)
        if query.category is not None:
            full = _only_category(full, query.category)
        content = await excel_bytes(ctx, full)
        name = f"tien-do-{tree[unit_id].code}-{period_code(period)}.xlsx"
        caption = f"Báo cáo tiến độ kết nạp — {tree[unit_id].name} — {period.label} (tệp Excel)"
        return [Reply(text=caption, attachment=Attachment(kind="document", filename=name, content=content))]
    match query.kind:
        case QueryKind.BREAKDOWN:
            return [Reply(text=texts.breakdown_text(view))]
        case QueryKind.PIPELINE | QueryKind.SCREENING:
            return [Reply(text=await _snapshots(ctx, view, query.kind))]
        case QueryKind.NOT_REPORTED:
            return [await _not_reported(ctx, view, query)]
        case QueryKind.BEHIND:
            rows = sorted(
                (p for p in view.children() if p.status is Status.BEHIND),
                key=lambda p: (p.share or 0.0, -(p.target or 0)),
            )
            text, more = texts.behind_text(view, rows, query.page)
            return [_paged(text, more, query, view)]
        case QueryKind.RANKING:
            rows = sorted(
                (p for p in view.children() if p.target), key=lambda p: (-(p.share or 0.0), -(p.cumulative.admitted))
            )
            text, more = texts.ranking_text(view, rows, query.page)
            return [_paged(text, more, query, view)]
        case QueryKind.COMPARE:
            return [Reply(text=await _compare(ctx, tree, unit_id, period, today))]
    text = replies.progress_text(view, today)
    if period.kind is PeriodKind.TERM:
        text += await _term_years(ctx, tree, unit_id, period, today)
    return [Reply(text=text)]


def _paged(text: str, more: bool, query: Query, view: ProgressView) -> Reply:
    if not more:
        return Reply(text=text)
    data = query_data(query, view.root_id, view.period, query.page + 1)
    return Reply(text=text, choices=((Choice(label="Xem tiếp ▶", data=data),),))


def _only_category(view: ProgressView, category: str) -> ProgressView:
    """The same view with the root's children limited to one category (the root's totals recomputed)."""
    keep = [c for c in view.tree.children(view.root_id) if view.tree[c].category == category]
    ids = {view.root_id} | {u for c in keep for u in view.tree.subtree(c)}
    label = CATEGORY_LABELS.get(category, category)
    root_unit = view.tree[view.root_id]
    tree = UnitTree(
        [view.tree[u] for u in ids if u != view.root_id]
        + [root_unit.model_copy(update={"name": f"{root_unit.name} — khối {label}"})]
    )
    members = [view.units[c] for c in keep]
    root = view.units[view.root_id].model_copy(
        update={
            "cumulative": sum((p.cumulative for p in members), Figures()),
            "in_period": sum((p.in_period for p in members), Figures()),
            "target": sum(p.target or 0 for p in members) if members else None,
        }
    )
    units = {u: view.units[u] for u in ids} | {view.root_id: root}
    return ProgressView(
        tree=tree,
        root_id=view.root_id,
        period=view.period,
        as_of=view.as_of,
        pace=view.pace,
        units=units,
        reported_in_period=view.reported_in_period,
        is_running=view.is_running,
    )


async def _snapshots(ctx: Context, view: ProgressView, kind: QueryKind) -> str:
    tree = view.tree
    year = view.period.years[-1] if view.period.kind is PeriodKind.TERM else view.period.year
    ym_from = view.period.ym_from if view.period.kind is not PeriodKind.YEAR else year * 100 + 1
    ym_to = min(view.period.ym_to, view.as_of.year * 100 + view.as_of.month)
    store_kind = "pipeline" if kind is QueryKind.PIPELINE else "screening"
    fields = PIPELINE_FIELDS if store_kind == "pipeline" else SCREENING_FIELDS
    below = None if tree[view.root_id].parent_id is None else view.root_id  # the whole table at a root is cheaper
    snaps = await submissions.latest_snapshots(ctx.db, store_kind, ym_from, ym_to, root_id=below)
    scope = set(tree.subtree(view.root_id))
    own: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(fields, 0))
    for unit_id, values in snaps.items():
        if unit_id in scope:
            for f in fields:
                own[unit_id][f] += values.get(f, 0)
    totals = {f: sum(v[f] for v in own.values()) for f in fields}
    by_child: dict[int, dict[str, int]] = {}
    for child in tree.children(view.root_id):
        members = [own[u] for u in tree.subtree(child) if u in own]
        if members:
            by_child[child] = {f: sum(m[f] for m in members) for f in fields}
    name = tree[view.root_id].name
    if store_kind == "pipeline":
        top = sorted(by_child.items(), key=lambda kv: -kv[1]["pool"])[:8]
        reporting = len(tree.reporting_units(view.root_id))
        return texts.pipeline_text(
            name,
            view.period.label,
            totals,
            view.root.cumulative.admitted,
            len(own),
            reporting,
            [(tree[u].name, v) for u, v in top],
        )
    rows = sorted(by_child.items(), key=lambda kv: -kv[1]["reviewed"])
    return texts.screening_text(name, view.period.label, totals, len(own), [(tree[u].name, v) for u, v in rows])


async def _not_reported(ctx: Context, view: ProgressView, query: Query) -> Reply:
    tree = view.tree
    leaves = tree.reporting_units(view.root_id)
    ym_to = min(view.period.ym_to, view.as_of.year * 100 + view.as_of.month)
    silent_set = await rollups.silent_units(ctx.db, leaves, view.period.ym_from, ym_to)
    silent = [u for u in leaves if u in silent_set]
    first = (query.page - 1) * texts.PAGE_SIZE
    page = silent[first : first + texts.PAGE_SIZE]
    reporters: dict[int, list[str]] = defaultdict(list)
    for person in await users.in_units(ctx.db, page):  # only the page shown needs names
        if not person.is_official:
            reporters[person.unit_id].append(person.name)
    rows = _Rows(silent, lambda u: (tree[u].name, reporters.get(u, [])))  # only the page shown is built
    text, more = texts.not_reported_text(tree[view.root_id].name, view.period.label, rows, len(leaves), query.page)
    return _paged(text, more, query, view)


class _Rows(Sequence[tuple[str, list[str]]]):
    """A list of rows made on demand: the text shows one page of tens of thousands of silent units."""

    def __init__(self, ids: list[int], row: Callable[[int], tuple[str, list[str]]]) -> None:
        self._ids = ids
        self._row = row

    def __len__(self) -> int:
        return len(self._ids)

    @overload
    def __getitem__(self, index: int) -> tuple[str, list[str]]: ...
    @overload
    def __getitem__(self, index: slice) -> list[tuple[str, list[str]]]: ...
    def __getitem__(self, index: int | slice) -> tuple[str, list[str]] | list[tuple[str, list[str]]]:
        if isinstance(index, slice):
            return [self._row(u) for u in self._ids[index]]
        return self._row(self._ids[index])


async def _compare(ctx: Context, tree: UnitTree, unit_id: int, period: Period, today: date) -> str:
    """This period against the same period a year earlier (to the same month while it is running)."""
    before_period = period.same_period_last_year()
    now_view = await load_progress(ctx.db, tree, unit_id, period, today)
    reading = now_view.as_of
    cutoff = date(reading.year - 1, reading.month, min(reading.day, 28)) if now_view.is_running else before_period.end
    before_view = await load_progress(ctx.db, tree, unit_id, before_period, cutoff)
    groups: list[tuple[str, int, int]] = []
    by_category: dict[str, list[int]] = defaultdict(list)
    for child in tree.active_children(unit_id):
        if tree[child].category:
            by_category[tree[child].category].append(child)  # type: ignore[index]
    if len(by_category) > 1:
        for category, label in CATEGORY_LABELS.items():
            if category in by_category:
                a = sum(now_view.units[c].in_period.admitted for c in by_category[category])
                b = sum(before_view.units[c].in_period.admitted for c in by_category[category])
                groups.append((label, a, b))
    label_now = period.label if not now_view.is_running else f"{period.label} (đến {reading:%d/%m})"
    label_before = f"cùng kỳ {before_period.label}"
    return texts.compare_text(
        tree[unit_id].name,
        label_now,
        label_before,
        now_view.root.in_period,
        before_view.root.in_period,
        now_view.root.target,
        before_view.root.target,
        groups,
    )


async def _term_years(ctx: Context, tree: UnitTree, unit_id: int, period: Period, today: date) -> str:
    lines = ["", "Theo năm:"]
    for year in period.years:
        if year > today.year:
            break
        sums = await rollups.sums(ctx.db, year * 100 + 1, year * 100 + 12, [unit_id])
        total = sums[unit_id][1].admitted if unit_id in sums else 0
        lines.append(f"– Năm {year}: {num(total)} ĐVM")
    return "\n".join(lines)


async def quarter_sums(ctx: Context, view: ProgressView) -> dict[int, list[int]]:
    """Admissions per quarter (rolled up) of the view's year, up to the view's reading date."""
    year = view.period.years[-1] if view.period.kind is PeriodKind.TERM else view.period.year
    limit = view.as_of.year * 100 + view.as_of.month
    out: dict[int, list[int]] = {u: [0, 0, 0, 0] for u in view.units}
    for q in range(1, 5):
        quarter = Period.quarter(year, q)
        if quarter.ym_from > limit:
            continue
        sums = await rollups.sums(ctx.db, quarter.ym_from, min(quarter.ym_to, limit), list(view.units))
        for u, (_, figures) in sums.items():
            out[u][q - 1] = figures.admitted
    return out


async def excel_bytes(ctx: Context, view: ProgressView) -> bytes:
    quarters = await quarter_sums(ctx, view)
    return await asyncio.to_thread(progress_workbook, view, quarters, ctx.now())
