"""Command-line administration (`ptdv invite`, `ptdv users`): the same services the chat uses."""

from __future__ import annotations

import asyncio
from datetime import datetime
from pathlib import Path

from bot.config import Settings
from bot.domain.clock import Clock, SystemClock
from bot.domain.models import Role, Unit, User
from bot.domain.normalize import fold
from bot.domain.planner import Send
from bot.domain.textfmt import num, os_reason
from bot.domain.vocabulary import ROLE_NAMES
from bot.importing.reader import FileRefused
from bot.language.periods import find_period
from bot.language.queries import QueryKind
from bot.present.exports.template import rows_from, template_workbook
from bot.present.replies.common import CHANNEL_NAMES
from bot.runtime.app import open_database
from bot.services import congress, imports, indicators_admin, khoi, people, reminder_controls, reorg
from bot.services.context import Context
from bot.services.progress import load_progress
from bot.services.queries import default_period, excel_bytes, period_code
from bot.services.refusal import Refusal
from bot.services.reminders import ReminderService
from bot.services.scope import UnitPolicy, resolve_unit
from storage import file_links, units, users


class CliError(Exception):
    """A one-line error for the operator."""


async def _context(settings: Settings, clock: Clock | None = None) -> Context:
    """The services' context; the command line's edge is the only place the system clock is taken."""
    db = await open_database(settings)
    ctx = Context(db, settings, clock or SystemClock(settings.tz))
    ctx.bot_username = settings.telegram_bot_username
    return ctx


async def _unit(ctx: Context, unit_text: str) -> Unit:
    unit = await units.by_code(ctx.db, unit_text.upper())
    if unit is not None:
        return unit
    # the one resolver (services.scope), with the command line's policy: every unit, a name required
    found = await resolve_unit(ctx, None, unit_text, UnitPolicy(allow_own_unit_fallback=False, within_scope=False))
    if found.how != "unit" or found.unit_id is None:
        tree = await ctx.tree()
        names = "; ".join(f"{tree[u].code} {tree[u].name}" for u in found.choices[:6]) or "không có"
        raise CliError(f"Không xác định được đơn vị “{unit_text}” (khớp: {names}). Dùng mã đơn vị.")
    return (await ctx.tree())[found.unit_id]


async def _named_or_root(ctx: Context, unit_text: str | None) -> Unit:
    """The unit a command names, or the top of the tree; a clear error on an empty database."""
    tree = await ctx.tree()
    if not tree.roots:
        raise CliError("Cơ sở dữ liệu chưa có đơn vị nào. Chạy `ptdv setup` hoặc nhập danh sách đơn vị.")
    return await _unit(ctx, unit_text) if unit_text else tree[tree.roots[0]]


async def invite(
    settings: Settings,
    unit_text: str | None,
    role: str,
    days: int,
    name: str | None,
    user_text: str | None = None,
    channel: str | None = None,
    *,
    clock: Clock | None = None,
) -> str:
    """An invite code for a unit, or — with `user_text`, or a `name` already in that unit — for a person who
    already exists, so that registering attaches to them instead of creating a second user. `channel`
    ("telegram", "zalo") binds it to one app; None: any."""
    ctx = await _context(settings, clock)
    try:
        if days < 1:
            raise CliError("--days phải từ 1 trở lên.")
        person = None
        if user_text:
            try:
                found = await people.person_named(ctx, None, user_text)
            except Refusal:
                found = None
            if found is None:
                raise CliError(
                    f"Không tìm thấy người dùng “{user_text}” (dùng tên đăng nhập hoặc #mã; xem `ptdv users`)."
                )
            person = found
        elif not unit_text:
            raise CliError("Cần tên hoặc mã đơn vị, hoặc --user <tên đăng nhập> cho người dùng đã có.")
        else:
            unit = await _unit(ctx, unit_text)
            if name:
                same = await people.same_name_in_unit(ctx, unit.id, name)
                if len(same) > 1:
                    listed = "; ".join(f"#{p.id} {p.login or '-'}" for p in same)
                    raise CliError(f"{unit.name} có nhiều người tên “{name}” ({listed}). Chọn bằng --user.")
                person = same[0] if same else None
        if person is not None:
            if unit_text and (await _unit(ctx, unit_text)).id != person.unit_id:
                raise CliError(
                    f"#{person.id} {person.name} thuộc {(await ctx.tree())[person.unit_id].name}; "
                    "đổi đơn vị bằng /chuyen trong chat, rồi tạo mã."
                )
            code = await people.create_invite(
                ctx,
                unit_id=person.unit_id,
                role=person.role,
                created_by=None,
                days=days,
                person=person,
                channel=channel,
            )
            return people.invite_text(ctx, code, (await ctx.tree())[person.unit_id].name, person)
        code = await people.create_invite(
            ctx, unit_id=unit.id, role=Role(role), created_by=None, name=name, days=days, channel=channel
        )
        hint = await people.unregistered_hint(ctx, unit.id, "ptdv invite --user {who}")
        return people.invite_text(ctx, code, unit.name) + hint
    finally:
        await ctx.db.close()


async def export(
    settings: Settings, period_text: str, unit_text: str | None, out: str | None, *, clock: Clock | None = None
) -> str:
    """Write the progress workbook, the same one `/xuat` sends in chat."""
    ctx = await _context(settings, clock)
    try:
        tree = await ctx.tree()
        unit = await _named_or_root(ctx, unit_text)
        period = default_period(QueryKind.PROGRESS, ctx.today())
        if period_text.strip():
            found = find_period(fold(period_text), ctx.today())
            if found.problem or found.period is None:
                raise CliError(f"Không hiểu kỳ báo cáo “{period_text}”: {found.problem or 'ví dụ 2021 hoặc q3 2021'}.")
            period = found.period
        view = await load_progress(ctx.db, tree, unit.id, period, ctx.today(), depth=None)
        content = await excel_bytes(ctx, view)
        path = Path(out or f"tien-do-{unit.code}-{period_code(period)}.xlsx")
        await asyncio.to_thread(path.write_bytes, content)
        return f"Đã xuất {path} ({num(len(content))} byte): {unit.name}, {period.label}."
    finally:
        await ctx.db.close()


SEND_KINDS = {
    "remind": "nhắc báo cáo",
    "escalate": "báo đơn vị chưa báo cáo",
    "digest": "bản tin tuần",
    "quota": "cảnh báo hạn mức tin nhắn",
}
MAX_PREVIEW_SENDS = 100


async def periodic_report(
    settings: Settings, span_text: str, unit_text: str | None, out_dir: str, *, clock: Clock | None = None
) -> str:
    """`ptdv report`: the drafted .docx report and its .xlsx annex — the same files the chat sends."""
    from bot.language.report_spans import ReportRequestProblem, read_report_request
    from bot.services import report

    ctx = await _context(settings, clock)
    try:
        tree = await ctx.tree()
        unit = await _named_or_root(ctx, unit_text)
        request = read_report_request(span_text or "năm", ctx.today())
        if isinstance(request, ReportRequestProblem):
            raise CliError(f"Không hiểu kỳ báo cáo “{span_text}”: {request.message}")
        span = report.span_of(request, ctx.today())
        _, docx, xlsx = await report.files(ctx, unit.id, span)
        folder = Path(out_dir)
        stem = report.file_stem(tree, unit.id, span)
        written = []
        for path, content in ((folder / f"{stem}.docx", docx), (folder / f"{stem}-phu-luc.xlsx", xlsx)):
            await asyncio.to_thread(path.write_bytes, content)
            written.append(str(path))
        return f"Đã ghi dự thảo báo cáo {span.title} — {unit.name}: {', '.join(written)}."
    finally:
        await ctx.db.close()


async def remind_preview(
    settings: Settings, unit_text: str | None, at: str | None, *, clock: Clock | None = None
) -> str:
    """Who the scheduler would send what to now (or at a given time), each with the exact text; then what
    `/nhacnho xem` would send by hand, and the next runs. Nothing is sent."""
    ctx = await _context(settings, clock)
    try:
        tree = await ctx.tree()
        root = (await _named_or_root(ctx, unit_text)).id
        now = ctx.now()
        if at:
            try:
                now = datetime.fromisoformat(at).replace(tzinfo=ctx.clock.tz)
            except ValueError:
                raise CliError(f"Thời điểm “{at}” không đúng dạng YYYY-MM-DD HH:MM.") from None
        service = ReminderService(ctx, {})
        snap, the_plan = await service.plan(now)
        names = {p.user_id: p.name for p in snap.officials}
        names |= {p.user_id: p.name for people_ in snap.reporters.values() for p in people_}
        due: list[Send] = []  # a send to someone with no chat the bot can reach is not a send: listed apart
        cannot: list[Send] = []
        for s in the_plan.due:
            if tree.is_within(s.unit_id, root):
                reachable = s.user_id is None or await service.reachable(s.user_id)
                (due if reachable else cannot).append(s)
        lines = [f"Xem trước nhắc nhở lúc {now:%H:%M %d/%m/%Y} (không gửi gì)."]
        if snap.calendar.paused:
            lines.append("Nhắc nhở đang tạm dừng: khi chạy, bot sẽ không gửi các tin dưới đây.")
        elif snap.calendar.is_quiet(now):
            lines.append("Đang trong giờ yên lặng: các tin dưới đây sẽ được gửi ở lần chạy sau.")
        if not due:
            lines.append("\nKhông có tin nào đến hạn gửi vào lúc này.")
        else:
            lines.append(f"\nĐến hạn gửi: {num(len(due))} tin.")
        for number, send in enumerate(due[:MAX_PREVIEW_SENDS], 1):
            if send.user_id is not None:
                who = names.get(send.user_id) or f"người dùng #{send.user_id}"
            else:
                channel = send.recipient.split(":")[1] if send.recipient.count(":") >= 2 else ""
                who = f"nhóm chat trên {CHANNEL_NAMES.get(channel, channel)}"
            what = SEND_KINDS.get(send.kind, send.kind)
            text = await service.render(snap, the_plan, send, now)
            lines.append(f"\n{number}. Gửi {who} — {tree[send.unit_id].name} — {what}:")
            lines.extend(f"   │ {line}" if line else "   │" for line in text.splitlines())
        if len(due) > MAX_PREVIEW_SENDS:
            lines.append(f"\n… và {num(len(due) - MAX_PREVIEW_SENDS)} tin khác.")
        if cannot:
            people = [  # only sends to a person can be unreachable
                f"{(names.get(s.user_id) if s.user_id is not None else None) or f'người dùng #{s.user_id}'}"
                f" ({tree[s.unit_id].name})"
                for s in cannot
            ]
            lines.append(
                f"\nĐến hạn nhưng không gửi được {num(len(cannot))} tin vì người nhận chưa liên kết kênh nhắn tin "
                f"nào của bot: {', '.join(dict.fromkeys(people))}."
            )
        official = User(id=0, name="ptdv", role=Role.OFFICIAL, unit_id=root)
        by_hand = await reminder_controls.preview(ctx, service, official, now)
        lines.append(f"\nGửi nhắc ngay bằng tay (như /nhacnho xem trong chat):\n{by_hand.text}")
        calendar = await service.calendar()
        runs = "\n".join(
            f"– {what}: {when:%H:%M %d/%m/%Y}" for what, when in reminder_controls.next_runs(calendar, now)
        )
        lines.append(f"\nLần gửi tới:\n{runs}")
        return "\n".join(lines)
    finally:
        await ctx.db.close()


async def calendar(settings: Settings, changes: str, *, clock: Clock | None = None) -> str:
    ctx = await _context(settings, clock)
    try:
        service = ReminderService(ctx, {})
        tree = await ctx.tree()
        if not tree.roots:
            raise CliError("Cơ sở dữ liệu chưa có đơn vị nào.")
        admin = User(id=0, name="ptdv", role=Role.OFFICIAL, unit_id=tree.roots[0])
        if changes.strip():
            answer = await reminder_controls.control(ctx, service, admin, changes)
            return answer[0].text
        return (await reminder_controls.control(ctx, service, admin, ""))[0].text
    finally:
        await ctx.db.close()


async def manage_khoi(settings: Settings, unit_text: str | None, words: str, *, clock: Clock | None = None) -> str:
    """`ptdv khoi [--unit MÃ] [doiten <cũ> | <mới> | them <tên>]`: the same as `/khoi`, for a committee (the top
    one by default); audited with no actor (the server's operator)."""
    ctx = await _context(settings, clock)
    try:
        unit = await _named_or_root(ctx, unit_text)
        try:
            return await khoi.command(ctx, unit.id, words, None)
        except khoi.KhoiError as exc:
            raise CliError(str(exc).replace("/khoi", "ptdv khoi")) from exc
    finally:
        await ctx.db.close()


async def record_congress(settings: Settings, unit_text: str | None, words: str, *, clock: Clock | None = None) -> str:
    """`ptdv daihoi [--unit MÃ] <ngày> [nhiệm kỳ 2025–2030]`: the same as `/daihoi`, for a committee (the top one
    by default); audited with no actor (the server's operator)."""
    ctx = await _context(settings, clock)
    try:
        try:
            draft = congress.read(words)
            unit = await _named_or_root(ctx, unit_text or draft.unit_text)
            return await congress.record(ctx, unit.id, draft, None)
        except congress.CongressError as exc:
            raise CliError(str(exc).replace("/daihoi", "ptdv daihoi")) from None
    finally:
        await ctx.db.close()


async def manage_indicators(settings: Settings, words: str, *, clock: Clock | None = None) -> str:
    """`ptdv indicator [list | add <tên> | <viết tắt> | <cách gọi khác> | rename <cũ> | <mới>]`: the same as
    `/tieuchi`, applied at once; audited with no actor (the server's operator)."""
    ctx = await _context(settings, clock)
    try:
        try:
            return await indicators_admin.by_cli(ctx, words)
        except indicators_admin.IndicatorError as exc:
            raise CliError(
                str(exc)
                .replace("/tieuchi doiten", "ptdv indicator rename")
                .replace("/tieuchi them", "ptdv indicator add")
                .replace("/tieuchi batbuoc", "ptdv indicator batbuoc")
                .replace("/tieuchi", "ptdv indicator list")
            ) from exc
    finally:
        await ctx.db.close()


async def reorganise(settings: Settings, words: str, yes: bool, *, clock: Clock | None = None) -> str:
    ctx = await _context(settings, clock)
    try:
        try:
            change = await reorg.read_change(ctx, None, words)
        except reorg.ReorgError as exc:
            raise CliError(str(exc).replace("/tochuc", "ptdv unit")) from None
        text = reorg.describe(await ctx.tree(), change)
        if not yes:
            answer = await asyncio.to_thread(input, f"{text}\nXác nhận? [c/K] ")
            if answer.strip().lower() not in ("c", "co", "có", "y", "yes"):
                return "Đã hủy, không thay đổi gì."
        return await reorg.apply_change(ctx, change, None)
    finally:
        await ctx.db.close()


async def import_file(settings: Settings, path: Path, *, clock: Clock | None = None) -> str:
    ctx = await _context(settings, clock)
    try:
        try:
            content = await asyncio.to_thread(path.read_bytes)
            data = await imports.read(settings, path.name, content)
        except OSError as exc:
            raise CliError(f"Không đọc được {path}: {os_reason(exc)}.") from None
        except FileRefused as exc:
            raise CliError(f"Chưa nhập được {path.name}: {exc}") from None
        problems = await imports.check(ctx, data)
        if problems:
            raise CliError(imports.problems_text(problems))
        summary = await imports.apply(ctx, data, None, path.name)
        return f"Đã nhập {path.name}: {summary.text()}."
    finally:
        await ctx.db.close()


async def template(settings: Settings, out: Path, fill: bool, *, clock: Clock | None = None) -> str:
    ctx = await _context(settings, clock)
    try:
        rows = await rows_from(ctx.db) if fill else None
        content = template_workbook(rows, await ctx.indicators())
        await asyncio.to_thread(out.write_bytes, content)
        return f"Đã tạo {out}" + (" (điền sẵn dữ liệu hiện có)." if fill else " (mẫu trống).")
    finally:
        await ctx.db.close()


async def list_users(settings: Settings, *, clock: Clock | None = None) -> str:
    ctx = await _context(settings, clock)
    try:
        tree = await ctx.tree()
        lines = []
        for u in await users.all_users(ctx.db):
            state = "" if u.active else " [đã khóa]"
            unit = tree[u.unit_id].name if u.unit_id in tree else "?"
            lines.append(f"#{u.id}\t{u.login or '-'}\t{u.name}\t{ROLE_NAMES[u.role]}\t{unit}{state}")
        return "\n".join(lines) or "Chưa có người dùng."
    finally:
        await ctx.db.close()


async def save_file(settings: Settings, token: str, out: str | None, *, clock: Clock | None = None) -> str:
    """`ptdv file <code>`: write a file the bot handed out as a link (for channels without uploads)."""
    ctx = await _context(settings, clock)
    try:
        stored = await file_links.fetch(ctx.db, token.strip(), ctx.now())
        if stored is None:
            raise CliError(f"Không có tệp với mã {token} (sai mã hoặc đã hết hạn).")
        path = Path(out or stored.filename)
        await asyncio.to_thread(path.write_bytes, stored.content)
        return f"Đã ghi {path} ({num(len(stored.content))} byte)."
    finally:
        await ctx.db.close()
