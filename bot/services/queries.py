"""Answering questions within the asker's scope: text, chart or Excel, for every query kind."""

from __future__ import annotations

import asyncio
import dataclasses
from collections import defaultdict
from collections.abc import Callable, Sequence
from datetime import date
from typing import overload

from bot.domain.derived import DEFAULT_IDLE_YEARS
from bot.domain.messages import Attachment, Choice, Reply
from bot.domain.models import PIPELINE_FIELDS, SCREENING_FIELDS, Figures, User
from bot.domain.periods import Period, PeriodKind
from bot.domain.progress import ProgressView, Status, UnitProgress, status_of
from bot.domain.tree import UnitTree
from bot.language.queries import OutputForm, Query, QueryKind
from bot.language.understand import default_query_period, pick_for_query
from bot.present import callbacks, replies
from bot.present.callbacks import period_code
from bot.present.exports.charts import breakdown_chart, progress_chart, term_chart
from bot.present.exports.excel import progress_workbook
from bot.present.replies import queries as texts
from bot.services import files
from bot.services.context import Context
from bot.services.progress import load_progress
from bot.services.report import derived_for  # the report's own computation: chat and report agree
from bot.services.scope import NAME_REQUIRED, choice_labels, from_pick, own_words, refusal, resolve_unit
from storage import rollups, submissions, users
from storage.dataversion import data_version
from storage.db import Database

SILENT_KEPT = 32  # silent sets kept (one list of unit ids each)


def query_data(query: Query, unit_id: int, period: Period, page: int = 1) -> str:
    """Callback data that re-asks a query for a given unit (and page), keeping its category (khối)."""
    choice = callbacks.QueryChoice(
        kind=query.kind, form=query.form, unit_id=unit_id, period=period, page=page, category=query.category
    )
    return callbacks.pack(choice)


def default_period(kind: QueryKind, today: date) -> Period:
    return default_query_period(kind, today)


async def ask(ctx: Context, user: User, query: Query) -> list[Reply]:
    """Find the unit the question names (against the gazetteer, within scope), then answer."""
    tree = await ctx.tree()
    period = query.period or default_period(query.kind, ctx.today())
    unit_id = user.unit_id if user.unit_id in tree else tree.roots[0]
    if query.text:
        asker = await ctx.asker(user)
        # the one resolver's reading of a question (services.scope): mentions, the asker's words, a khối
        found = await from_pick(ctx, user, pick_for_query(await ctx.gazetteer(), query, asker))
    elif query.unit_text:
        found = await resolve_unit(ctx, user, query.unit_text, NAME_REQUIRED)
    else:
        found = None
    if found is not None:
        if (refused := await refusal(ctx, user, found)) is not None:
            return [refused]
        if found.how == "ask":
            shown = found.choices[:8]
            labels = choice_labels(tree, shown, found.phrase)  # "… (huyện Cao Phong cũ)": matched by a former name
            rows = tuple(
                (Choice(label=label, data=query_data(query, u, period)),)
                for u, label in zip(shown, labels, strict=True)
            )
            return [Reply(text=replies.which_unit(own_words(found.phrase)), choices=rows)]
        if found.how == "category" and query.category is None:
            query = query.model_copy(update={"category": found.category})
        if found.unit_id is not None and found.unit_id in tree:
            unit_id = found.unit_id
    return await answer(ctx, user, query, unit_id, period)


async def answer_choice(ctx: Context, user: User, choice: callbacks.QueryChoice) -> list[Reply]:
    tree = await ctx.tree()
    if choice.unit_id not in tree:
        return [Reply(text=replies.not_understood())]
    if choice.unit_id not in await ctx.scope(user):
        return [Reply(text=replies.out_of_scope(tree[choice.unit_id].name))]
    query = Query(  # an unknown khối code gets the polite "no such khối here" from `answer`
        kind=choice.kind, form=choice.form, period=choice.period, page=choice.page, category=choice.category
    )
    return await answer(ctx, user, query, choice.unit_id, choice.period)


async def answer(ctx: Context, user: User, query: Query, unit_id: int, period: Period) -> list[Reply]:
    tree = await ctx.tree()
    today = ctx.today()
    if period.start > today:
        return [Reply(text=texts.not_started(period.label))]
    if query.category is not None and not _members(tree, unit_id, query.category):
        label = (await ctx.categories()).labels(tree, unit_id).get(query.category, query.category)
        return [Reply(text=texts.no_category(tree[unit_id].name, label))]
    if query.form is OutputForm.CHART:  # the same chart again is served from the cache until the data change
        key = ("chart", unit_id, period, query.category, today)
        version = await data_version(ctx.db)  # read before the figures: a write in between only forces a redraw
        if (kept := ctx.answers.get(key, version)) is not None:
            return [kept]

        async def chart() -> list[Reply]:
            reply = await files.off_loop(ctx, lambda reading: _chart(reading, tree, query, unit_id, period))
            ctx.answers.put(key, version, reply)
            return [reply]

        return await files.soon(chart())
    if query.form is OutputForm.EXCEL:
        return await files.soon(_excel_reply(ctx, tree, query, unit_id, period))
    view = await _load(ctx.db, tree, unit_id, period, today, query)
    match query.kind:
        case QueryKind.BREAKDOWN:
            return [Reply(text=texts.breakdown_text(view))]
        case QueryKind.PIPELINE | QueryKind.SCREENING:  # kept per data version, as charts are
            snapshot_key = ("snapshots", query.kind, unit_id, query.category, view.period, view.as_of)
            version = await data_version(ctx.db)
            if (kept := ctx.answers.get(snapshot_key, version)) is None:
                kept = Reply(text=await _snapshots(ctx, view, query.kind))
                ctx.answers.put(snapshot_key, version, kept)
            return [kept]
        case QueryKind.NOT_REPORTED:
            return [await _not_reported(ctx, view, query)]
        case QueryKind.BEHIND:
            rows = sorted(
                (p for p in view.children() if _short(p, view.target_period_over)),
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
            return [Reply(text=await _compare(ctx, tree, unit_id, period, today, query))]
        case QueryKind.ADMITTING | QueryKind.IDLE:
            derived = await derived_for(ctx, unit_id, period, years=query.years or DEFAULT_IDLE_YEARS)
            if query.kind is QueryKind.ADMITTING:
                return [Reply(text=texts.admitting_text(tree, unit_id, period.label, derived.share))]
            return [Reply(text=texts.idle_text(tree, unit_id, derived.years, derived.window, derived.idle))]
    text = replies.progress_text(view, today, await silent_units(ctx, view))
    if period.kind is PeriodKind.TERM:
        text += await _term_years(ctx, _group(tree, unit_id, query), view.period, today)  # the committee's dates
    return [Reply(text=text)]


def _short(p: UnitProgress, target_period_over: bool) -> bool:
    """Behind the pace; once the year (term) is over, short of the target."""
    return bool(p.remaining) if target_period_over else p.status is Status.BEHIND


def _paged(text: str, more: bool, query: Query, view: ProgressView) -> Reply:
    if not more:
        return Reply(text=text)
    data = query_data(query, view.root_id, view.period, query.page + 1)
    return Reply(text=text, choices=((Choice(label=texts.MORE, data=data),),))


def _members(tree: UnitTree, unit_id: int, category: str) -> list[int]:
    """The top-most units of a category anywhere under `unit_id` (merged-away ones too: their history counts):
    at a province whose children are communes, "khối doanh nghiệp" gathers the enterprises under every commune."""
    return tree.top_of_category(unit_id, category)


def _group(tree: UnitTree, unit_id: int, query: Query) -> list[int]:
    """The units whose sum answers the query: the unit itself, or the members of the category asked about."""
    return [unit_id] if query.category is None else _members(tree, unit_id, query.category)


def _scoped(view: ProgressView, query: Query) -> ProgressView:
    return view if query.category is None else only_category(view, query.category)


async def _load(
    db: Database, tree: UnitTree, unit_id: int, period: Period, today: date, query: Query, depth: int | None = 1
) -> ProgressView:
    """The view a query is answered from: the unit and its children, or the members of the khối asked about
    (wherever they sit below it) — only what the answer needs, not the whole subtree."""
    members = () if query.category is None else _members(tree, unit_id, query.category)
    return _scoped(await load_progress(db, tree, unit_id, period, today, depth=depth, extra=members), query)


def only_category(view: ProgressView, category: str) -> ProgressView:
    """The view of one category under the root: a set of units that is not one subtree, so its figures, target,
    report flag and status are summed and assessed from its members — never copied from the root."""
    keep = _members(view.tree, view.root_id, category)
    ids = {view.root_id} | {u for c in keep for u in view.tree.subtree(c)}
    label = view.category_labels.get(category, category)
    root_unit = view.tree[view.root_id]
    members_set = set(keep)  # members deeper down stand directly under the root in the category's tree
    tree = UnitTree(
        [
            dataclasses.replace(view.tree[u], parent_id=view.root_id) if u in members_set else view.tree[u]
            for u in ids
            if u != view.root_id
        ]
        + [dataclasses.replace(root_unit, name=f"{root_unit.name} — {texts.khoi_words(label)}")]
    )
    members = [view.units[c] for c in keep if c in view.units]
    targets = [p.target for p in members if p.target is not None]
    cumulative = sum((p.cumulative for p in members), Figures())
    target = sum(targets) if targets else None
    reported = any(p.reported for p in members)
    root = UnitProgress(
        unit_id=view.root_id,
        target=target,
        target_direct=False,
        in_period=sum((p.in_period for p in members), Figures()),
        cumulative=cumulative,
        pace=view.pace,
        status=status_of(cumulative.admitted, target, view.pace, reported, view.tolerance),
        reported=reported,
        events_in_period=sum(p.events_in_period for p in members),
    )
    units = {u: view.units[u] for u in ids if u in view.units} | {view.root_id: root}  # loaded to its depth
    in_period = {u for u in view.reported_in_period if u in units and u != view.root_id}
    return ProgressView(
        tree=tree,
        root_id=view.root_id,
        period=view.period,
        as_of=view.as_of,
        pace=view.pace,
        units=units,
        reported_in_period=frozenset(in_period | ({view.root_id} if root.events_in_period else set())),
        is_running=view.is_running,
        tolerance=view.tolerance,
        category=category,
        category_labels=view.category_labels,
        indicators=view.indicators,
    )


async def _snapshots(ctx: Context, view: ProgressView, kind: QueryKind) -> str:
    tree = view.tree
    year = view.period.years[-1] if view.period.kind is PeriodKind.TERM else view.period.year
    ym_from = view.period.ym_from if view.period.kind is not PeriodKind.YEAR else year * 100 + 1
    ym_to = min(view.period.ym_to, view.as_of.year * 100 + view.as_of.month)
    store_kind = "pipeline" if kind is QueryKind.PIPELINE else "screening"
    fields = PIPELINE_FIELDS if store_kind == "pipeline" else SCREENING_FIELDS
    children = tree.children(view.root_id)
    rolled = await rollups.snapshot_sums(ctx.db, store_kind, ym_from, ym_to, children, period_end=view.period.ym_to)
    if rolled is not None:  # a few rows of the trigger-kept rollup (schema 0013)
        # the root's own snapshot and its children's subtrees: in a khối's view, only the khối's members
        reported, totals = await rollups.snapshot_own(
            ctx.db, store_kind, view.root_id, ym_from, ym_to, period_end=view.period.ym_to
        )
        by_child = {c: rolled[c][1] for c in children if c in rolled}
        reported += sum(rolled[c][0] for c in by_child)
        totals = {f: totals[f] + sum(v[f] for v in by_child.values()) for f in fields}
    else:
        reported, totals, by_child = await _snapshots_computed(ctx, view, store_kind, ym_from, ym_to)
    name = tree[view.root_id].name
    if store_kind == "pipeline":
        top = sorted(by_child.items(), key=lambda kv: -kv[1]["pool"])[:8]
        reporting = len(tree.reporting_units(view.root_id, existing_by=view.period.end))
        return texts.pipeline_text(
            name,
            view.period.label,
            totals,
            view.root.cumulative.admitted,
            reported,
            reporting,
            [(tree[u].name, v) for u, v in top],
        )
    rows = sorted(by_child.items(), key=lambda kv: -kv[1]["reviewed"])
    return texts.screening_text(name, view.period.label, totals, reported, [(tree[u].name, v) for u, v in rows])


async def _snapshots_computed(
    ctx: Context, view: ProgressView, store_kind: str, ym_from: int, ym_to: int
) -> tuple[int, dict[str, int], dict[int, dict[str, int]]]:
    """Units with a snapshot, the totals and the totals per child, from each unit's newest snapshot: the
    definition `rollups.snapshot_sums` agrees with, used when a unit has snapshots of several counted periods."""
    tree = view.tree
    fields = PIPELINE_FIELDS if store_kind == "pipeline" else SCREENING_FIELDS
    below = None if tree[view.root_id].parent_id is None else view.root_id  # the whole table at a root is cheaper
    snaps = await submissions.latest_snapshots(
        ctx.db, store_kind, ym_from, ym_to, root_id=below, period_end=view.period.ym_to
    )
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
    return len(own), totals, by_child


async def silent_units(ctx: Context, view: ProgressView) -> list[int]:
    """The reporting units under the view's root with no report in its period: the one definition of "chưa báo
    cáo", used by `/chuabaocao` and by the progress answer alike. A unit created after the period (by a
    re-organisation) is not counted: it had nothing to report then."""
    leaves = view.tree.reporting_units(view.root_id, existing_by=view.period.end)
    ym_to = min(view.period.ym_to, view.as_of.year * 100 + view.as_of.month)
    # Kept per data version (as charts are): at a 60k root the set costs ~120 indexed reads over 54k leaves.
    key = ("silent", view.root_id, view.category, view.period.ym_from, ym_to, view.period.ym_to)
    version = await data_version(ctx.db)
    kept = ctx.silent.get(key)
    if kept is not None and kept[0] == version:
        return kept[1]
    silent_set = await rollups.silent_units(ctx.db, leaves, view.period.ym_from, ym_to, period_end=view.period.ym_to)
    silent = [u for u in leaves if u in silent_set]
    if len(ctx.silent) >= SILENT_KEPT:
        ctx.silent.clear()
    ctx.silent[key] = (version, silent)
    return silent


async def _not_reported(ctx: Context, view: ProgressView, query: Query) -> Reply:
    tree = view.tree
    leaves = tree.reporting_units(view.root_id, existing_by=view.period.end)
    silent = await silent_units(ctx, view)
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


async def _compare(ctx: Context, tree: UnitTree, unit_id: int, period: Period, today: date, query: Query) -> str:
    """This period against the same period a year earlier (to the same month while it is running)."""
    before_period = period.same_period_last_year()
    now_view = await _load(ctx.db, tree, unit_id, period, today, query)
    reading = now_view.as_of
    cutoff = date(reading.year - 1, reading.month, min(reading.day, 28)) if now_view.is_running else before_period.end
    before_view = await _load(ctx.db, tree, unit_id, before_period, cutoff, query)
    tree = now_view.tree
    groups: list[tuple[str, int, int]] = []
    by_category: dict[str, list[int]] = defaultdict(list)
    for child in tree.active_children(unit_id):
        if (category := tree[child].category) and child in now_view.units and child in before_view.units:
            by_category[category].append(child)
    if len(by_category) > 1:
        labels = {**now_view.category_labels, **{c: c for c in by_category if c not in now_view.category_labels}}
        for category, label in labels.items():
            if category in by_category:
                a = sum(now_view.units[c].in_period.admitted for c in by_category[category])
                b = sum(before_view.units[c].in_period.admitted for c in by_category[category])
                groups.append((label, a, b))
    label_now = texts.period_so_far(period.label, reading if now_view.is_running else None)
    label_before = texts.same_period(before_period.label)
    return texts.compare_text(
        tree[unit_id].name,
        label_now,
        label_before,
        now_view.root.in_period,
        before_view.root.in_period,
        now_view.root.target,
        before_view.root.target,
        groups,
        now_view.indicators,
    )


async def _term_year_sums(
    ctx: Context, unit_ids: list[int], period: Period, read_at: date
) -> list[tuple[int, int, int, int]]:
    """(year, first month, last month, admissions summed over `unit_ids`) for each year of the term up to the
    reading date — congress to congress, so the first and last years are partial and the years add up to the
    term's cumulative figure."""
    limit = read_at.year * 100 + read_at.month
    out = []
    for year in period.years:
        lo, hi = max(year * 100 + 1, period.ym_from), min(year * 100 + 12, period.ym_to, limit)
        if lo > hi:
            break
        sums = await rollups.sums(ctx.db, lo, hi, unit_ids, period_end=min(year * 100 + 12, period.ym_to))
        out.append((year, lo % 100, hi % 100, sum(sums[u].figures.admitted for u in unit_ids if u in sums)))
    return out


async def _term_years(ctx: Context, unit_ids: list[int], period: Period, today: date) -> str:
    """Admissions per year of the term, summed over `unit_ids` (one unit, or the members of a category)."""
    return texts.term_years(await _term_year_sums(ctx, unit_ids, period, today))


async def _years_of_term(ctx: Context, view: ProgressView) -> list[tuple[int, int]]:
    """(year, admissions of the view's root in that year) for the term's years up to the reading date."""
    return [(y, n) for y, _, _, n in await _term_year_sums(ctx, [view.root_id], view.period, view.as_of)]


async def _chart(ctx: Context, tree: UnitTree, query: Query, unit_id: int, period: Period) -> Reply:
    """The chart answer, made off the loop (`files.off_loop`: `ctx` reads on its own connection, in a worker)."""
    view = await _load(ctx.db, tree, unit_id, period, ctx.today(), query)
    if query.kind is QueryKind.BREAKDOWN:  # "biểu đồ cơ cấu": one bar per indicator of the list
        with files.DRAWING:
            png = breakdown_chart(view)
        caption = texts.breakdown_caption(view.tree[view.root_id].name, period.label)
        return Reply(text=caption, attachment=Attachment(kind="photo", filename="co-cau.png", content=png))
    if period.kind is PeriodKind.TERM and query.category is None:  # a term is drawn year by year
        by_year = await _years_of_term(ctx, view)
        with files.DRAWING:
            png = term_chart(view, by_year)
    else:
        with files.DRAWING:
            png = progress_chart(view)
    caption = texts.chart_caption(view.tree[view.root_id].name, period.label)  # "… — khối …"
    return Reply(text=caption, attachment=Attachment(kind="photo", filename="tien-do.png", content=png))


async def _excel_reply(ctx: Context, tree: UnitTree, query: Query, unit_id: int, period: Period) -> list[Reply]:
    async def make(reading: Context) -> tuple[bytes, str]:  # off the loop, on a read connection
        full = await _load(reading.db, tree, unit_id, period, reading.today(), query, depth=None)
        content = progress_workbook(full, await column_sums(reading, full), reading.now())
        return content, full.tree[full.root_id].name  # "… — khối …" for a category

    content, name_shown = await files.off_loop(ctx, make)
    suffix = f"-{query.category}" if query.category is not None else ""
    name = f"tien-do-{tree[unit_id].code}{suffix}-{period_code(period)}.xlsx"
    caption = texts.workbook_caption(name_shown, period.label)
    return [Reply(text=caption, attachment=Attachment(kind="document", filename=name, content=content))]


async def column_sums(ctx: Context, view: ProgressView) -> dict[int, list[int | None]]:
    """Admissions (rolled up) in each column of the workbook, up to the view's reading date: the quarters of the
    view's year, or the years of a term — so that they add up to the cumulative figure. Columns after the
    reading date are None (left empty), not 0."""
    limit = view.as_of.year * 100 + view.as_of.month
    if view.period.kind is PeriodKind.TERM:
        spans = [
            (max(y * 100 + 1, view.period.ym_from), min(y * 100 + 12, view.period.ym_to)) for y in view.period.years
        ]
    else:
        spans = [(q.ym_from, q.ym_to) for q in (Period.quarter(view.period.year, i) for i in range(1, 5))]
    out: dict[int, list[int | None]] = {u: [None] * len(spans) for u in view.units}  # None: after the date
    for i, (ym_from, ym_to) in enumerate(spans):
        if ym_from > limit:
            continue
        for row in out.values():
            row[i] = 0
        sums = await rollups.sums(ctx.db, ym_from, min(ym_to, limit), list(view.units), period_end=ym_to)
        for u, rolled in sums.items():
            if u in out:
                out[u][i] = rolled.figures.admitted
    if view.category is not None:  # the root stands for its members only: their sum, not the root's rollup
        members = [c for c in view.tree.children(view.root_id) if c in out]
        out[view.root_id] = [
            None if all(out[c][i] is None for c in members) else sum(out[c][i] or 0 for c in members)
            for i in range(len(spans))
        ]
    return out


async def excel_bytes(ctx: Context, view: ProgressView) -> bytes:
    columns = await column_sums(ctx, view)
    return await asyncio.to_thread(progress_workbook, view, columns, ctx.now())
