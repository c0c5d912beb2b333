"""Importing units, users, targets and historical figures: cross-checked against the database, applied in one
transaction, idempotent (the same file twice changes nothing). By chat (an official sends the file; preview and
"Xác nhận") and by `ptdv import FILE`."""

from __future__ import annotations

import base64
import contextlib
import json
from collections import defaultdict
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from bot.config import Settings
from bot.domain.messages import Inbound, Reply
from bot.domain.models import PIPELINE_FIELDS, SCREENING_FIELDS, UnitKind, User
from bot.domain.payloads import ImportPayload
from bot.domain.periods import Period
from bot.domain.tree import UnitTree
from bot.importing.reader import (
    SHEETS,
    FileRefused,
    ImportFile,
    Limits,
    Problem,
    check_size,
    infer_kind,
    kind_hint,
    period_of,
)
from bot.importing.worker import read_in_worker
from bot.present.replies import imports as texts
from bot.services.context import Context
from bot.services.proposals import Deferred, preview
from bot.services.refusal import Refusal
from bot.services.reorg import short_name
from bot.services.reporting import report_problem
from storage import audit, rollups, submissions, targets, units, users
from storage.pending import Pending

IMPORT_ROOT_ONLY = texts.IMPORT_ROOT_ONLY
problems_text = texts.problems_text
CHAT_FILE_LIMIT = 5 * 1_048_576  # kept in the pending preview until confirmed


@dataclass
class Summary:
    added: dict[str, int] = field(default_factory=lambda: dict.fromkeys(texts.SUMMARY_LABELS, 0))
    changed: dict[str, int] = field(default_factory=lambda: dict.fromkeys(texts.SUMMARY_LABELS, 0))

    def text(self) -> str:
        return texts.summary_text(self.added, self.changed)


def _problem(sheet: str, row: int, column: str, message: str) -> Problem:
    """A problem on `row` of the file's sheet `sheet` (a `SHEETS` key) in the column whose key is `column` (or a
    column title read from the file), titled as the file titles them."""
    title, columns = SHEETS[sheet]
    return Problem(title, row, next((c.title for c in columns if c.key == column), column), message)


async def _categories(ctx: Context, data: ImportFile) -> list[Problem]:
    """The Khối column against the committee's own khối (label, short label, alias or code): each row's value
    becomes the khối's code; a name the committee does not have is a problem."""
    tree, cats = await ctx.tree(), await ctx.categories()
    existing = {u.code: u.id for u in tree.units.values()}
    parent_in_file = {row["code"]: row["parent"] for row in data.units}
    out = []
    for row in data.units:
        if not row.get("category"):
            continue
        above, seen = row["parent"], set()
        while above and above not in existing and above not in seen:  # a parent added by the same file
            seen.add(above)
            above = parent_in_file.get(above)
        committee = existing.get(above or "") or existing.get(row["code"])
        found = cats.find(tree, committee, row["category"])
        if found is None:
            known = ", ".join(k.label for k in cats.for_unit(tree, committee))
            out.append(_problem("units", row["_row"], "category", texts.unknown_category(row["category"], known)))
        else:
            row["category"] = found.code
    return out


async def check(ctx: Context, data: ImportFile) -> list[Problem]:
    """Problems that need the database: unknown parents and units, cycles, duplicates, reports on parents."""
    problems = list(data.problems) + await _categories(ctx, data)
    tree = await ctx.tree()
    parent_of = {
        u.code: (tree[u.parent_id].code if u.parent_id is not None and u.parent_id in tree else None)
        for u in tree.units.values()
    }
    seen: dict[str, int] = {}
    for row in data.units:
        if row["code"] in seen:
            problems.append(
                _problem("units", row["_row"], "code", texts.duplicate_code(row["code"], seen[row["code"]]))
            )
        seen[row["code"]] = row["_row"]
        parent_of[row["code"]] = row["parent"]
    known = set(parent_of)
    for row in data.units:
        if row["parent"] and row["parent"] not in known:
            problems.append(_problem("units", row["_row"], "parent", texts.unknown_unit(row["parent"])))
        elif _cycle(row["code"], parent_of):
            problems.append(_problem("units", row["_row"], "parent", texts.CYCLE))
    root_codes = {tree[r].code for r in tree.roots}
    new_roots = [r for r in data.units if r["parent"] is None and r["code"] not in root_codes]
    for row in new_roots[1:] if not root_codes else new_roots:  # one root, as in chat
        problems.append(_problem("units", row["_row"], "parent", texts.ONE_ROOT))
    problems += _kinds(tree, data)
    # The units below each unit that take its reports: active ones (a merged-away or closed unit below is history,
    # not a unit below), each with the day it came into being (None: always).
    below: dict[str, list[date | None]] = defaultdict(list)
    listed_codes = {row["code"] for row in data.units}
    for u in tree.units.values():
        parent = parent_of.get(u.code)
        if parent and u.code not in listed_codes and u.active:
            below[parent].append(u.valid_from)
    by_code = {u.code: u for u in tree.units.values()}
    for row in data.units:
        existing = by_code.get(row["code"])
        if row["parent"] and (existing is None or existing.active):
            below[row["parent"]].append(existing.valid_from if existing is not None else None)

    def has_units_below(code: str, row: dict[str, Any]) -> bool:
        """The unit had units below it in the row's period: its figures are reported by them. A row for a period
        before every unit below it came into being is the unit as it was then, and is taken."""
        end = period_of(row).end
        return any(since is None or since <= end for since in below.get(code, ()))

    logins: dict[str, int] = {}
    for row in data.users:
        if row["unit"] not in known:
            problems.append(_problem("users", row["_row"], "unit", texts.unknown_unit(row["unit"])))
        if row["login"]:
            if row["login"] in logins:
                problems.append(_problem("users", row["_row"], "login", texts.same_as_row(logins[row["login"]])))
            logins[row["login"]] = row["_row"]
    keys: dict[tuple[str, str, int], int] = {}
    for row in data.targets:
        if row["unit"] not in known:
            problems.append(_problem("targets", row["_row"], "unit", texts.unknown_unit(row["unit"])))
        key = (row["unit"], row["scope"], row["year"])
        if key in keys:
            problems.append(_problem("targets", row["_row"], "year", texts.same_as_row(keys[key])))
        keys[key] = row["_row"]
    periods: dict[tuple[str, str], int] = {}
    listed = await ctx.indicators()
    for row in data.reports:
        for title in row.get("columns", {}):
            item = listed.find(title)
            if item is None:
                names = ", ".join(i.short_name for i in listed if not i.column_backed)
                problems.append(_problem("reports", row["_row"], title, texts.unknown_indicator(title, names)))
        if row["unit"] not in known:
            problems.append(_problem("reports", row["_row"], "unit", texts.unknown_unit(row["unit"])))
        elif has_units_below(row["unit"], row):
            problems.append(_problem("reports", row["_row"], "unit", texts.has_children(row["unit"], "reports")))
        problem = report_problem(ctx, "admission", row["figures"], period_of(row))  # the chat's own check
        if problem is not None:
            column = "period" if problem.startswith(texts.PERIOD_PROBLEM_STARTS) else "admitted"
            problems.append(_problem("reports", row["_row"], column, problem))
        unit_period = (row["unit"], str(row["period"]))
        if unit_period in periods:
            problems.append(_problem("reports", row["_row"], "period", texts.same_as_row(periods[unit_period])))
        periods[unit_period] = row["_row"]
    snapshots: dict[tuple[str, str, str], int] = {}
    for row in data.history:
        if row["unit"] not in known:
            problems.append(_problem("history", row["_row"], "unit", texts.unknown_unit(row["unit"])))
        elif has_units_below(row["unit"], row):
            problems.append(_problem("history", row["_row"], "unit", texts.has_children(row["unit"], "history")))
        problem = report_problem(ctx, row["kind"], row["figures"], period_of(row))  # the chat's own check
        if problem is not None:
            period_problem = problem.startswith(texts.PERIOD_PROBLEM_STARTS)
            column = "period" if period_problem else ("pool" if row["kind"] == "pipeline" else "reviewed")
            problems.append(_problem("history", row["_row"], column, problem))
        key = (row["unit"], str(row["period"]), row["kind"])
        if key in snapshots and snapshots[key] != row["_row"]:
            problems.append(_problem("history", row["_row"], "period", texts.same_as_row(snapshots[key])))
        snapshots.setdefault(key, row["_row"])
    return sorted(problems, key=lambda p: (p.sheet, p.row))


def _kinds(tree: UnitTree, data: ImportFile) -> list[Problem]:
    """A blank Cấp: a unit already stored keeps its kind; a new one gets the one kind its parent and its name
    allow (`bot.importing.reader.infer_kind`), else its row asks for Cấp. Fills each new row's kind for `apply`."""
    stored = {u.code: u.kind for u in tree.units.values()}
    known = set(stored) | {r["code"] for r in data.units}
    kinds: dict[str, UnitKind | None] = dict(stored) | {r["code"]: r["kind"] for r in data.units if r["kind"]}
    waiting = [r for r in data.units if not r["kind"] and r["code"] not in stored]
    out = []
    while waiting:  # parents first: a parent's kind may itself have been inferred
        ready = [r for r in waiting if not r["parent"] or r["parent"] in kinds or r["parent"] not in known]
        if not ready:
            break  # a cycle: reported by `check`
        for row in ready:
            waiting.remove(row)
            if (row["parent"] and row["parent"] not in known) or (not row["parent"] and tree.roots):
                continue  # an unknown parent, a second root: reported by `check`
            parent = kinds.get(row["parent"]) if row["parent"] else None
            kind = infer_kind(row["name"], parent) if not row["parent"] or parent else None
            if kind is None:
                out.append(_problem("units", row["_row"], "kind", kind_hint(parent)))
            row["kind"] = kind
            kinds[row["code"]] = kind
    return out


def _cycle(code: str, parent_of: dict[str, str | None]) -> bool:
    seen = {code}
    current = parent_of.get(code)
    while current:
        if current in seen:
            return True
        seen.add(current)
        current = parent_of.get(current)
    return False


Step = Callable[[int], None]  # told how many rows are written so far; raising stops the apply (rolled back)


@dataclass
class Plan:
    """What the figure rows of a file will write, worked out before the write transaction (the long part of a large
    import needs no lock), with the state it was worked out from (`stamp`): re-planned in the transaction if the
    units or the imported events changed meanwhile."""

    stamp: tuple[int, ...]
    events: list[tuple[str, str, Period, dict[str, int], str, int | None, list[int]]]
    # (unit code, kind, period, figures, raw text, the event it supersedes, live imported events it replaces)
    unchanged: int
    ready: dict[str, list[tuple[Any, ...]]] = field(default_factory=dict)
    # new events of units already stored, as rows ready to insert (storage.submissions.event_rows), by kind


async def _stamp(ctx: Context) -> tuple[int, ...]:
    return (await units.version(ctx.db), *await submissions.import_stamp(ctx.db))


async def plan(ctx: Context, data: ImportFile, source: str, step: Step | None = None, actor: int | None = None) -> Plan:
    """The events the figure sheets (Số liệu; Nguồn, rà soát) call for: a row whose figures an earlier import
    already gave is left alone, an imported event with other figures is replaced, chat reports are never
    touched. `step(0)` is called now and then (the time limit)."""
    stamp = await _stamp(ctx)
    codes = {u.code: u.id for u in await units.all_units(ctx.db)}
    events: list[tuple[str, str, Period, dict[str, int], str, int | None, list[int]]] = []
    fresh: dict[str, list[tuple[int, str, Period, dict[str, int], datetime, int | None, str, str]]] = {}
    now = ctx.now()
    unchanged = 0
    periods: dict[tuple[Any, ...], Period] = {}  # a file repeats a few hundred periods over its rows
    listed = await ctx.indicators()
    for kind, rows in (
        ("admission", data.reports),
        *((k, [r for r in data.history if r["kind"] == k]) for k in HISTORY_KINDS),
    ):
        live = await submissions.live_imports(ctx.db, kind) if rows else {}
        told = await _told_in_chat(ctx, kind) if rows else {}
        for n, row in enumerate(rows):
            if step is not None and n % BATCH == 0:
                step(0)
            key = tuple(row["period"].values())
            period = periods.get(key) or periods.setdefault(key, period_of(row))
            unit_id = codes.get(row["unit"])
            olds = live.get((unit_id, period.ym_from, period.ym_to), []) if unit_id is not None else []
            figures = row["figures"]
            if row.get("columns"):  # the indicator columns (checked: each names one of the list)
                figures = dict(figures)
                for title, value in row["columns"].items():
                    if (item := listed.find(title)) is not None and value:
                        figures[item.code] = value
            columns, extra = submissions.split_extra(figures)
            if (
                olds
                and all(olds[-1].figures[k] == v for k, v in columns.items())
                and (olds[-1].extra or "{}") == (extra or "{}")
            ):
                unchanged += 1
                continue
            if not olds and unit_id is not None and _same(told.get((unit_id, period.ym_from, period.ym_to)), figures):
                unchanged += 1  # what the chat's reports already say (the filled template sent back): nothing new
                continue
            raw_text = texts.source_line(source, row["_row"])
            if unit_id is not None and not olds:
                fresh.setdefault(kind, []).append((unit_id, kind, period, figures, now, actor, "import", raw_text))
                continue
            events.append(
                (
                    row["unit"],
                    kind,
                    period,
                    figures,
                    raw_text,
                    olds[-1].id if olds else None,
                    [o.id for o in olds],
                )
            )
    ready = {}
    for kind, new in fresh.items():
        ready[kind] = submissions.event_rows(new)
        if step is not None:
            step(0)
    return Plan(stamp=stamp, events=events, unchanged=unchanged, ready=ready)


async def _told_in_chat(ctx: Context, kind: str) -> dict[tuple[int, int, int], dict[str, int | None]]:
    """The figures the live events that were not imported give each (unit, ym_from, ym_to): admissions summed
    (with adjustments), a snapshot's newest values — what `ptdv template --fill` writes for them."""
    out: dict[tuple[int, int, int], dict[str, int | None]] = {}
    if kind == "admission":
        for event in await submissions.live_admission_rows(ctx.db):
            if event.channel == "import":
                continue
            sums = out.setdefault((event.unit_id, event.ym_from, event.ym_to), {})
            for name, value in (*event.figures.items(), *event.extra.items()):
                sums[name] = (sums.get(name) or 0) + (value or 0)
        return out
    fields = PIPELINE_FIELDS if kind == "pipeline" else SCREENING_FIELDS
    for r in await submissions.live_snapshot_rows(ctx.db):
        if r.kind == kind and r.channel != "import":
            out[(r.unit_id, r.ym_from, r.ym_to)] = {f: r.figures.get(f) for f in fields}
    return out


def _same(told: dict[str, int | None] | None, figures: dict[str, int]) -> bool:
    """A row states exactly what is already told (a figure of 0 and one not stated alike for admissions)."""
    if told is None:
        return False
    return {k: v for k, v in told.items() if v} == {k: v for k, v in figures.items() if v}


async def apply(
    ctx: Context,
    data: ImportFile,
    actor: int | None,
    source: str,
    step: Step | None = None,
    planned: Plan | None = None,
) -> Summary:
    """Apply a checked file in one transaction (joined if the caller holds one). `step` is called as rows are
    written (progress, the time limit); whatever it raises undoes everything. `planned`: the figure rows worked
    out beforehand (`plan`), used if nothing it depends on changed since."""
    summary = Summary()
    now = ctx.now()
    done = 0

    def tick(rows: int = 1) -> None:
        nonlocal done
        done += rows
        if step is not None:
            step(done)

    async with ctx.db.transaction():
        unknown = await _categories(ctx, data)  # the Khối column as the committee's codes
        if unknown:
            raise ValueError(problems_text(unknown))
        kinds = _kinds(await ctx.tree(), data)  # a blank Cấp, as `check` read it
        if kinds:
            raise ValueError(problems_text(kinds))
        moved = await _apply_units(ctx, data, summary)
        tick(len(data.units))
        codes = {u.code: u.id for u in await units.all_units(ctx.db)}
        for row in data.users:
            await _apply_user(ctx, row, codes[row["unit"]], summary)
            tick()
        for row in data.targets:
            await _apply_target(ctx, row, codes[row["unit"]], actor, summary)
            tick()
        if planned is None or planned.stamp != await _stamp(ctx):
            planned = await plan(ctx, data, source)
        tick(planned.unchanged)
        bulk = len(planned.events) + sum(len(r) for r in planned.ready.values()) >= BULK
        async with rollups.bulk_insert(ctx.db) if bulk else contextlib.nullcontext():
            await _write_events(ctx, planned, codes, actor, summary, tick)
        if moved:
            await rollups.rebuild(ctx.db)
        if summary.added["units"] or summary.changed["units"]:
            await units.bump_version(ctx.db, now)
        if any(summary.added.values()) or any(summary.changed.values()):
            await audit.record(
                ctx.db,
                action="import",
                entity="file",
                entity_id=source,
                now=now,
                actor=actor,
                after={"added": summary.added, "changed": summary.changed},
            )
    ctx.invalidate()
    return summary


async def _apply_units(ctx: Context, data: ImportFile, summary: Summary) -> bool:
    existing = {u.code: u for u in await units.all_units(ctx.db)}
    pending = list(data.units)
    ids = {code: u.id for code, u in existing.items()}
    kinds = {code: u.kind for code, u in existing.items()}
    moved = False
    while pending:  # parents before children
        ready = [r for r in pending if not r["parent"] or r["parent"] in ids]
        if not ready:
            break  # a cycle; `check` reported it
        for row in ready:
            pending.remove(row)
            parent_id = ids.get(row["parent"]) if row["parent"] else None
            old = existing.get(row["code"])
            kind = row["kind"] or (old.kind if old is not None else None)  # blank: kept, or inferred by `check`
            if kind is None:
                raise ValueError(texts.no_kind(row["code"]))
            kinds[row["code"]] = kind
            short = row["short"] or short_name(row["name"])
            if old is None:
                ids[row["code"]] = await units.add(
                    ctx.db,
                    code=row["code"],
                    name=row["name"],
                    short_name=short,
                    kind=kind.value,
                    category=row["category"],
                    parent_id=parent_id,
                    sort_order=row["_row"],
                    now=ctx.now(),
                )
                summary.added["units"] += 1
                continue
            changed = False
            if (old.name, old.short_name) != (row["name"], short):
                await units.rename(ctx.db, old.id, row["name"], short)
                changed = True
            if old.parent_id != parent_id:
                await units.set_parent(ctx.db, old.id, parent_id)
                moved = changed = True
            if (old.kind, old.category) != (kind, row["category"] or old.category):
                await units.set_kind_category(ctx.db, old.id, kind.value, row["category"] or old.category)
                changed = True
            summary.changed["units"] += changed
    return moved


async def _apply_user(ctx: Context, row: dict[str, Any], unit_id: int, summary: Summary) -> None:
    person = await users.by_login(ctx.db, row["login"]) if row["login"] else None
    if person is None:
        found = await users.find_in_unit(ctx.db, row["name"], unit_id)
        person = await users.get(ctx.db, found) if found else None
    if person is None:
        await users.add(
            ctx.db,
            name=row["name"],
            role=row["role"].value,
            unit_id=unit_id,
            now=ctx.now(),
            login=row["login"],
            title=row["title"],
            phone=row["phone"],
        )
        summary.added["users"] += 1
        return
    stored = await users.profile(ctx.db, person.id)
    wanted = {
        "name": row["name"],
        "role": row["role"].value,
        "unit_id": unit_id,
        "title": row["title"],
        "phone": row["phone"],
        "login": row["login"] or stored["login"],
    }
    if stored != wanted:
        await users.set_profile(ctx.db, person.id, wanted)
        summary.changed["users"] += 1


async def _apply_target(ctx: Context, row: dict[str, Any], unit_id: int, actor: int | None, summary: Summary) -> None:
    stored = await targets.get(ctx.db, unit_id, row["scope"], row["year"])
    plan = json.dumps(row["plan"]) if row["plan"] else None
    if stored is not None and (stored["value"], stored["quarter_plan"], stored["end_year"]) == (
        row["value"],
        plan,
        row["end_year"],
    ):
        return
    await targets.set_target(
        ctx.db,
        unit_id=unit_id,
        scope=row["scope"],
        start_year=row["year"],
        end_year=row["end_year"],
        value=row["value"],
        now=ctx.now(),
        set_by=actor,
        quarter_plan=row["plan"],
    )
    summary.added["targets"] += stored is None
    summary.changed["targets"] += stored is not None


BATCH = 1_000  # new events written with one statement
HISTORY_KINDS = ("pipeline", "screening")  # the sheet "Nguồn, rà soát" (bot.importing.reader)
BULK = 2_000  # from this many rows, rollups are added up once at the end (storage.rollups.bulk_insert)


async def _write_events(
    ctx: Context,
    planned: Plan,
    codes: dict[str, int],
    actor: int | None,
    summary: Summary,
    tick: Callable[[int], None],
) -> None:
    """Write the planned events: new ones in batches, replacements one by one (each supersedes the old)."""
    now = ctx.now()
    for kind, ready in planned.ready.items():
        for start in range(0, len(ready), BATCH):
            chunk = ready[start : start + BATCH]
            await submissions.insert_rows(ctx.db, chunk)
            summary.added["reports" if kind == "admission" else "history"] += len(chunk)
            tick(len(chunk))
    fresh: list[tuple[Any, ...]] = []

    async def flush() -> None:
        if fresh:
            await submissions.append_many(ctx.db, fresh)
            tick(len(fresh))
            fresh.clear()

    for code, kind, period, figures, raw_text, supersedes, olds in planned.events:
        label = "reports" if kind == "admission" else "history"
        if supersedes is None:
            fresh.append((codes[code], kind, period, figures, now, actor, "import", raw_text))
            summary.added[label] += 1
            if len(fresh) >= BATCH:
                await flush()
            continue
        new = await submissions.append(
            ctx.db,
            unit_id=codes[code],
            kind=kind,
            period=period,
            figures=figures,
            now=now,
            actor=actor,
            channel="import",
            raw_text=raw_text,
            supersedes=supersedes,
        )
        for old in olds:
            await submissions.supersede(ctx.db, old, new)
        summary.changed[label] += 1
        tick(1)
    await flush()


def limits(settings: Settings, max_bytes: int | None = None) -> Limits:
    return Limits(
        max_bytes=max_bytes if max_bytes is not None else settings.import_max_mb * 1_048_576,
        max_uncompressed=settings.import_max_uncompressed_mb * 1_048_576,
        max_entries=settings.import_max_entries,
        max_rows=settings.import_max_rows,
    )


async def read(settings: Settings, name: str, content: bytes, max_bytes: int | None = None) -> ImportFile:
    """Read a file in a worker process within the configured caps (size, unpacked size, entries, rows, memory,
    time); `FileRefused` says why not."""
    return await read_in_worker(
        name,
        content,
        limits(settings, max_bytes),
        memory_bytes=settings.import_memory_mb * 1_048_576,
        time_limit=settings.import_time_limit,
    )


Later = Callable[[Coroutine[Any, Any, list[Reply]]], None]  # runs a job in the background, sends its replies


# --- by chat -----------------------------------------------------------------------------------------------
async def propose(ctx: Context, user: User, inbound: Inbound, later: Later | None = None) -> list[Reply]:
    """Check a file sent in chat and preview it. The cheap checks answer at once; reading and checking the rows
    happens in a worker process, in the background when `later` is given (the importer is told "đang kiểm tra
    tệp…" and gets the preview when it is ready, while everyone else is answered as usual)."""
    if not user.is_official or user.unit_id not in (await ctx.tree()).roots:
        return [Reply(text=IMPORT_ROOT_ONLY)]
    name = inbound.file_name or "tep.xlsx"
    content = inbound.file_bytes or b""
    try:
        check_size(name, content, limits(ctx.settings, min(CHAT_FILE_LIMIT, ctx.settings.import_max_mb * 1_048_576)))
    except FileRefused as exc:
        return [Reply(text=texts.not_imported(name, exc))]
    if later is None:
        return await _propose(ctx, user, inbound, name, content)
    later(_propose(ctx, user, inbound, name, content))
    return [Reply(text=texts.checking(name))]


async def _propose(ctx: Context, user: User, inbound: Inbound, name: str, content: bytes) -> list[Reply]:
    try:
        data = await read(ctx.settings, name, content, min(CHAT_FILE_LIMIT, ctx.settings.import_max_mb * 1_048_576))
    except FileRefused as exc:
        return [Reply(text=texts.not_imported(name, exc))]
    from bot.services import import_apply  # it builds on this module

    problems = await import_apply.check_off_loop(ctx, data)  # 100,000 rows take seconds: not on the loop's thread
    if problems:
        return [Reply(text=problems_text(problems))]
    if data.empty:
        return [Reply(text=texts.no_rows(name))]
    pipeline = sum(r["kind"] == "pipeline" for r in data.history)
    text = texts.preview(
        name,
        len(data.units),
        len(data.users),
        len(data.targets),
        len(data.reports),
        pipeline if data.history else None,
        len(data.history) - pipeline,
    )
    payload = ImportPayload(name=name, content=base64.b64encode(content).decode(), rows=data.rows)
    return await preview(
        ctx,
        user,
        inbound,
        payload,
        text,
        hint=texts.FILE_HINT,
        editable=False,  # a file is changed by sending it again, not by retyping in chat
    )


async def apply_confirmed(ctx: Context, user: User, p: Pending) -> str:
    """Checked here, in the confirming transaction, and written outside it (`bot.services.import_apply`): in a
    worker thread, in one transaction of its own that also marks the preview confirmed."""
    if not user.is_official or user.unit_id not in (await ctx.tree()).roots:  # the actor now, not at preview
        raise Refusal(IMPORT_ROOT_ONLY)
    from bot.services import import_apply  # it builds on this module

    raise Deferred(import_apply.start(ctx, p))
