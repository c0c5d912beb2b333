"""Drafting the periodic report a committee sends up (6 tháng, 9 tháng, năm, nhiệm kỳ) from the progress views.

The figures come from `load_progress` — the same loader the chat's answers use — so the .docx, its annex and the
chat agree. Rendering is in `bot.present.exports.periodic_report`.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from bot.domain.derived import (
    DEFAULT_IDLE_YEARS,
    AdmittingShare,
    IdleUnit,
    admitting_share,
    branches,
    grassroots_units,
    idle_units,
)
from bot.domain.messages import Attachment, Reply
from bot.domain.models import PIPELINE_FIELDS, SCREENING_FIELDS, Figures, User
from bot.domain.periods import Period, PeriodKind
from bot.domain.progress import STATUS_LABELS, ProgressView, Status, UnitProgress
from bot.domain.tree import UnitTree
from bot.language.report_spans import ReportRequest
from bot.present.exports.periodic_report import AnnexRow, PeriodicReport, UnitMention, annex_workbook, report_docx
from bot.present.replies import report as texts
from bot.services import files as file_jobs
from bot.services.context import Context
from bot.services.progress import load_progress
from bot.services.scope import named_or_own
from storage import rollups, submissions

OTHER = texts.OTHER
MAX_MENTIONS = 5


@dataclass(frozen=True)
class ReportSpan:
    """What a periodic report covers: the first `months` months of a year, or a whole term."""

    period: Period  # the period loaded (its cumulative figures are the report's)
    title: str  # "9 tháng đầu năm 2021"

    @classmethod
    def months(cls, year: int, months: int) -> ReportSpan:
        if months == 12:
            return cls(Period.of_year(year), texts.year_title(year))
        if months == 6:
            return cls(Period.half(year, 1), texts.months_title(year, 6))
        if months in (3, 9):
            return cls(Period.quarter(year, months // 3), texts.months_title(year, months))
        raise ValueError(months)

    @classmethod
    def term(cls, start_year: int) -> ReportSpan:
        period = Period.term(start_year)
        return cls(period, texts.term_title(period.year, period.end_year))

    @property
    def is_term(self) -> bool:
        return self.period.kind is PeriodKind.TERM

    def previous(self) -> ReportSpan | None:
        """The same span a year earlier (none for a term)."""
        if self.is_term:
            return None
        p = self.period.same_period_last_year()
        return ReportSpan(p, self.title.replace(str(self.period.year), str(p.year)))


def span_of(request: ReportRequest, today: date) -> ReportSpan:
    if request.term_start is not None:
        return ReportSpan.term(request.term_start)
    if request.term_current:
        return ReportSpan.term(Period.containing(today, PeriodKind.TERM).year)
    return ReportSpan.months(request.year, request.months)


async def files(ctx: Context, unit_id: int, span: ReportSpan) -> tuple[PeriodicReport, bytes, bytes]:
    """The drafted report as .docx and its annex as .xlsx (read on a connection of its own and rendered in a worker
    thread: `bot.services.files.off_loop`)."""

    async def make(reading: Context) -> tuple[PeriodicReport, bytes, bytes]:
        report = await draft(reading, unit_id, span)
        return report, report_docx(report), annex_workbook(report)

    return await file_jobs.off_loop(ctx, make)


def file_stem(tree: UnitTree, unit_id: int, span: ReportSpan) -> str:
    p = span.period
    which = f"nhiem-ky-{p.year}-{p.end_year}" if span.is_term else f"{span.title.split()[0]}-thang-{p.year}"
    if span.period.kind is PeriodKind.YEAR:
        which = f"nam-{p.year}"
    return f"bao-cao-ptdv-{tree[unit_id].code}-{which}"


async def answer(ctx: Context, user: User, request: ReportRequest, unit_text: str | None = None) -> list[Reply]:
    """Chat: the drafted report and its annex, for the official's own unit (or one named within their scope).
    Officials only: the route's audience."""
    unit_id = await named_or_own(ctx, user, unit_text)
    return await file_jobs.soon(_answer(ctx, unit_id, span_of(request, ctx.today())))


async def _answer(ctx: Context, unit_id: int, span: ReportSpan) -> list[Reply]:
    tree = await ctx.tree()
    report, docx, xlsx = await files(ctx, unit_id, span)
    stem = file_stem(tree, unit_id, span)
    return [
        Reply(
            text=texts.draft_caption(
                span.title, tree[unit_id].name, report.cumulative.admitted, report.target, report.as_of
            ),
            attachment=Attachment(kind="document", filename=f"{stem}.docx", content=docx),
        ),
        Reply(
            text=texts.annex_caption(span.title),
            attachment=Attachment(kind="document", filename=f"{stem}-phu-luc.xlsx", content=xlsx),
        ),
    ]


committee_of = texts.committee_of


async def draft(ctx: Context, unit_id: int, span: ReportSpan) -> PeriodicReport:
    tree = await ctx.tree()
    today = ctx.today()
    view = await load_progress(ctx.db, tree, unit_id, span.period, today)
    previous_total: int | None = None
    previous = span.previous()
    if previous is not None:
        cutoff = date(view.as_of.year - 1, view.as_of.month, min(view.as_of.day, 28))
        before = await load_progress(ctx.db, tree, unit_id, previous.period, min(cutoff, previous.period.end))
        previous_total = before.root.cumulative.admitted
    pipeline, screening = await _snapshots(ctx, view)
    children = view.children()
    derived = await derived_for(ctx, unit_id, span.period, view)
    name = tree[unit_id].name
    issuer, suffix, place = committee_of(name)
    parent = tree[unit_id].parent_id
    superior = committee_of(tree[parent].name)[0] if parent is not None else None
    root = view.root
    return PeriodicReport(
        committee=_lower_first(name),
        issuer=issuer,
        superior=superior,
        number_suffix=suffix,
        place=place,
        issued_on=today,
        period_title=span.title,
        as_of=view.as_of,
        is_running=view.is_running,
        target=root.target,
        target_label=texts.target_label(span.period.year, span.period.end_year, span.is_term),
        cumulative=root.cumulative,
        pace=view.pace,
        previous=previous_total,
        previous_label=(previous.title if span.period.kind is PeriodKind.YEAR else texts.same_period(previous.title))
        if previous
        else "",
        pipeline=pipeline,
        screening=screening,
        grassroots_total=derived.share.total,
        grassroots_admitting=derived.share.admitting,
        grassroots_not_admitting=[tree[u].name for u in derived.share.not_admitting],
        idle=[(tree[i.unit_id].name, i.last_year) for i in derived.idle],
        idle_years=derived.years,
        idle_window=derived.window,
        indicators=view.indicators,
        leading=_leading(tree, children),
        behind=_behind(tree, children, view.target_period_over),
        none_admitted=[tree[p.unit_id].name for p in children if p.cumulative.admitted == 0],
        period_over=view.target_period_over,
        rows=annex_rows(view),
    )


@dataclass(frozen=True)
class Derived:
    share: AdmittingShare  # grassroots organisations that admitted anyone over the span
    idle: list[IdleUnit]  # units with no admission for `years` years running, up to the span's last year
    years: int
    window: str  # "2023–2025"


async def derived_for(
    ctx: Context, unit_id: int, period: Period, view: ProgressView | None = None, years: int = DEFAULT_IDLE_YEARS
) -> Derived:
    """The derived indicators of `unit_id`'s subtree (bot.domain.derived) for a period (a year, part of one, a term):
    the admissions counted the way the chat counts them (`load_progress`, every level)."""
    tree = await ctx.tree()
    today = ctx.today()
    full = await load_progress(ctx.db, tree, unit_id, period, today, depth=None)
    # units a re-organisation created after the period are not counted for it; nor, among the units that admitted
    # no one for N years, those that did not exist at the start of the N years
    grassroots = [u for u in grassroots_units(tree, unit_id) if tree.existed_by(u, period.end)]
    admitted = {u: p.cumulative.admitted for u, p in full.units.items()}
    last_year = min(period.end.year if period.kind is PeriodKind.TERM else period.year, today.year)
    window_start = date(last_year - years + 1, 1, 1)
    leaves = [u for u in branches(tree, unit_id) if tree.existed_by(u, window_start)]
    by_year = await rollups.admitted_by_year(ctx.db, leaves, last_year)
    return Derived(
        share=admitting_share(grassroots, admitted),
        idle=idle_units(leaves, by_year, last_year, years),
        years=years,
        window=f"{last_year - years + 1}–{last_year}",
    )


def _lower_first(name: str) -> str:
    return name[:1].lower() + name[1:]


def _mention(tree: UnitTree, p: UnitProgress) -> UnitMention:
    return UnitMention(
        name=tree[p.unit_id].name,
        admitted=p.cumulative.admitted,
        target=p.target,
        share=p.share,
        short_of=p.remaining or 0,
    )


def _leading(tree: UnitTree, children: list[UnitProgress]) -> list[UnitMention]:
    ranked = sorted(
        (p for p in children if p.target and p.cumulative.admitted and (p.share or 0) >= 1.0),
        key=lambda p: (-(p.share or 0.0), -p.cumulative.admitted),
    )
    return [_mention(tree, p) for p in ranked[:MAX_MENTIONS]]


def _behind(tree: UnitTree, children: list[UnitProgress], period_over: bool) -> list[UnitMention]:
    """Units under the pace (or, once the period is over, short of the target) that admitted someone: those that
    admitted no one are named in their own sentence."""
    if period_over:
        short = [p for p in children if p.target and p.cumulative.admitted < p.target]
    else:
        short = [p for p in children if p.status is Status.BEHIND]
    ranked = sorted((p for p in short if p.cumulative.admitted > 0), key=lambda p: (p.share or 0.0, -(p.target or 0)))
    return [_mention(tree, p) for p in ranked]


def annex_rows(view: ProgressView) -> list[AnnexRow]:
    """Units grouped by khối with a subtotal per khối (when there is more than one) and the total."""
    by_group: dict[str, list[UnitProgress]] = defaultdict(list)
    for p in view.children():
        category = view.tree[p.unit_id].category
        by_group[view.category_labels.get(category, category) if category else OTHER].append(p)
    known = [*view.category_labels.values(), *by_group, OTHER]
    order = [label for label in dict.fromkeys(known) if label in by_group and label != OTHER]
    order += [OTHER] if OTHER in by_group else []
    rows: list[AnnexRow] = []
    for label in order:
        members = by_group[label]
        if len(order) > 1:
            rows.append(AnnexRow(name=label, target=None, cumulative=Figures(), share=None, kind="group"))
        rows.extend(_row(view.tree[p.unit_id].name, p) for p in members)
        if len(order) > 1:
            rows.append(_sum_row(texts.subtotal(label), members, "subtotal"))
    rows.append(_row(texts.TOTAL, view.root, kind="total"))
    return rows


def _row(name: str, p: UnitProgress, kind: str = "unit") -> AnnexRow:
    return AnnexRow(
        name=name,
        target=p.target,
        cumulative=p.cumulative,
        share=p.share,
        status=STATUS_LABELS[p.status],
        kind=kind,
    )


def _sum_row(name: str, members: list[UnitProgress], kind: str) -> AnnexRow:
    cumulative = sum((p.cumulative for p in members), Figures())
    targets = [p.target for p in members if p.target is not None]
    target = sum(targets) if targets else None
    return AnnexRow(
        name=name,
        target=target,
        cumulative=cumulative,
        share=(cumulative.admitted / target) if target else None,
        kind=kind,
    )


async def _snapshots(ctx: Context, view: ProgressView) -> tuple[dict[str, int], dict[str, int]]:
    """Pipeline and screening totals over the subtree: the latest snapshot of each unit within the span."""
    ym_from = view.period.ym_from if view.period.kind is PeriodKind.TERM else Period.of_year(view.period.year).ym_from
    ym_to = view.period.ym_until(view.as_of)
    scope = set(view.tree.subtree(view.root_id))
    out: list[dict[str, int]] = []
    for kind, fields in (("pipeline", PIPELINE_FIELDS), ("screening", SCREENING_FIELDS)):
        rolled = await rollups.snapshot_sums(ctx.db, kind, ym_from, ym_to, [view.root_id], period_end=view.period.ym_to)
        if rolled is not None:  # the trigger-kept rollup (schema 0013); None: a unit's newest must be picked
            out.append(rolled[view.root_id][1] if view.root_id in rolled else dict.fromkeys(fields, 0))
            continue
        snaps = await submissions.latest_snapshots(ctx.db, kind, ym_from, ym_to, period_end=view.period.ym_to)
        totals = dict.fromkeys(fields, 0)
        for unit_id, values in snaps.items():
            if unit_id in scope:
                for f in fields:
                    totals[f] += values.get(f, 0)
        out.append(totals)
    return out[0], out[1]
