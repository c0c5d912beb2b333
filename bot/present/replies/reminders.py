"""Texts of reminders, escalations, weekly digests and the /nhacnho controls."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.domain.calendar import WEEKDAYS, Calendar
from bot.domain.periods import Period
from bot.domain.textfmt import day, day_month, moment, num, pct
from bot.present.replies.common import CHANNEL_NAMES

LIST_LIMIT = 12


@dataclass(frozen=True)
class Standing:
    """A unit's year so far, as a reminder states it."""

    unit_name: str
    year: int
    admitted: int
    target: int | None
    pace: float  # the share expected by the end of the reporting period
    reported: bool  # reported in the reporting period


def reminder(s: Standing, period: Period, deadline: date) -> str:
    label = period.label.split("/")[0]
    if s.target:
        standing = (
            f"năm {s.year} mới kết nạp {num(s.admitted)}/{num(s.target)} ĐVM ({pct(s.admitted / s.target)}; "
            f"tiến độ chung đến hết {label} là {pct(s.pace)})"
        )
    else:
        standing = f"năm {s.year} đã kết nạp {num(s.admitted)} ĐVM"
    missing = "" if s.reported else f" Đơn vị chưa báo cáo {label}."
    return (
        f"{s.unit_name}: {standing}.{missing} Hạn báo cáo {label}: {day_month(deadline)}. "
        "Trả lời “kết nạp N” để báo cáo."
    )


def escalation(parent_name: str, period: Period, deadline: date, rows: Sequence[tuple[str, list[str]]]) -> str:
    label = period.label
    lines = [f"Quá hạn báo cáo {label} ({day(deadline)}) — {parent_name}:", f"{num(len(rows))} đơn vị chưa báo cáo:"]
    for name, reporters in rows[:40]:
        who = ", ".join(reporters) if reporters else "chưa có người báo cáo đăng ký"
        lines.append(f"– {name} ({who})")
    if len(rows) > 40:
        lines.append(f"… và {num(len(rows) - 40)} đơn vị khác (gõ “đơn vị nào chưa báo cáo” để xem đủ).")
    return "\n".join(lines)


@dataclass(frozen=True)
class Digest:
    """The facts of one weekly digest for one subtree."""

    unit_name: str
    week: str  # the week's key, "W2026-07"
    year: int
    admitted: int
    target: int | None
    pace: float
    status: str  # the status label
    week_reports: int
    week_admitted: int
    behind: Sequence[str]
    silent: Sequence[str]
    period_label: str
    no_reporter: Sequence[str]
    blocked: Sequence[str]


def digest(d: Digest) -> str:
    lines = [f"BẢN TIN TUẦN {d.week[6:]}/{d.week[1:5]} — {d.unit_name}", ""]
    if d.target:
        lines.append(
            f"• Năm {d.year}: {num(d.admitted)}/{num(d.target)} ĐVM ({pct(d.admitted / d.target)}); "
            f"tiến độ chung {pct(d.pace)} → {d.status}"
        )
    else:
        lines.append(f"• Năm {d.year}: {num(d.admitted)} ĐVM")
    lines.append(
        f"• Tuần qua: {num(d.week_reports)} báo cáo mới, {'+' if d.week_admitted > 0 else ''}{num(d.week_admitted)} ĐVM"
    )
    for title, names in (
        (f"Chậm tiến độ ({num(len(d.behind))})", d.behind),
        (f"Chưa báo cáo {d.period_label} ({num(len(d.silent))})", d.silent),
        (f"Chưa có người báo cáo ({num(len(d.no_reporter))})", d.no_reporter),
        (f"Không liên lạc được ({num(len(d.blocked))})", d.blocked),
    ):
        if names:
            shown = ", ".join(names[:LIST_LIMIT])
            more = f" và {num(len(names) - LIST_LIMIT)} đơn vị khác" if len(names) > LIST_LIMIT else ""
            lines.append(f"• {title}: {shown}{more}.")
    return "\n".join(lines)


def calendar_text(cal: Calendar, period: Period, deadline: date, next_runs: Sequence[tuple[str, datetime]]) -> str:
    every = "hằng quý" if cal.frequency == "quarterly" else "hằng tháng"
    days = ", ".join(str(d) for d in cal.remind_days_before) or "không"
    lines = [
        "LỊCH BÁO CÁO VÀ NHẮC NHỞ" + (" — ĐANG TẠM DỪNG" if cal.paused else ""),
        f"• Kỳ báo cáo: {every}; hạn: ngày {cal.deadline_day} tháng cuối kỳ (kỳ này: {period.label}, "
        f"hạn {day(deadline)})",
        f"• Nhắc trước hạn: {days} ngày, lúc {cal.reminder_time:%H:%M}; quá hạn: báo cấp trên ngày làm việc kế tiếp",
        f"• Bản tin tuần: {WEEKDAYS[cal.digest_weekday]} lúc {cal.digest_time:%H:%M}",
        f"• Chậm tiến độ khi thấp hơn tiến độ chung quá {cal.tolerance_points} điểm %",
        f"• Không gửi: {cal.quiet_start:%H:%M}–{cal.quiet_end:%H:%M}"
        + (", thứ Bảy, Chủ nhật" if cal.skip_weekends else "")
        + f", {num(len(cal.holidays))} ngày lễ",
    ]
    if cal.paused:  # nothing runs while paused: no list of "next runs" that will not happen
        lines.append("\nĐang tạm dừng: không gửi nhắc nhở và bản tin tuần. Gõ /nhacnho tieptuc để chạy lại.")
    elif next_runs:
        lines.append("\nLần gửi tới:")
        lines += [f"– {what}: {moment(when)}" for what, when in next_runs]
    lines.append(
        "\nLệnh: /nhacnho xem (xem trước ai sẽ được nhắc) · /nhacnho tamdung · /nhacnho tieptuc · "
        "/nhacnho han 20 · /nhacnho truoc 5 1 · /nhacnho dungsai 10 · /nhacnho thang|quy · /nhacnho nghi 02/09/2026"
    )
    return "\n".join(lines)


def preview(
    period: Period,
    rows: Sequence[tuple[str, str, str]],
    no_reporter: Sequence[str],
    quiet: bool,
    unreachable: Sequence[str] = (),
) -> str:
    """`rows`: the people a reminder can reach; `unreachable`: "name (unit)" of those it cannot (no linked chat on
    a channel the bot runs), named apart and not counted as receivers."""
    if not rows and not no_reporter and not unreachable:
        return f"Không có đơn vị nào cần nhắc {period.label}: tất cả đã báo cáo và đúng tiến độ."
    lines = [f"Xem trước nhắc nhở {period.label}: {num(len(rows))} người sẽ nhận tin."]
    lines += [f"– {person} ({unit}): {why}" for person, unit, why in rows[:30]]
    if len(rows) > 30:
        lines.append(f"… và {num(len(rows) - 30)} người khác.")
    if unreachable:
        more = f" và {num(len(unreachable) - 20)} người khác" if len(unreachable) > 20 else ""
        lines.append(
            f"Không nhắc được {num(len(unreachable))} người vì chưa liên kết kênh nhắn tin nào của bot: "
            f"{', '.join(unreachable[:20])}{more}."
        )
    if no_reporter:
        lines.append(f"Chưa có người báo cáo để nhắc: {', '.join(no_reporter[:20])}.")
    if quiet:
        lines.append("Hiện đang trong giờ/ngày không gửi tin; chỉ gửi được trong giờ làm việc.")
    return "\n".join(lines)


def sent_summary(sent: int, deferred: int, blocked: int, failed: int, held: int = 0, uncertain: int = 0) -> str:
    text = f"Đã gửi {num(sent)} tin nhắc."
    if uncertain:
        text = (
            f"Đã gửi {num(sent)} tin nhắc, {num(uncertain)} tin không chắc đã tới (mạng không trả lời kịp; bot không"
            " gửi lại để tránh trùng tin)."
        )
    if deferred:
        text += f" {num(deferred)} người đang xác nhận báo cáo, sẽ nhắc sau."
    if blocked:
        text += (
            f" {num(blocked)} người không liên lạc được (vẫn giữ tài khoản; bot gửi lại khi họ nhắn tin,"
            " hoặc cán bộ xóa đánh dấu bằng /thulai <mã>)."
        )
    if failed:
        text += f" {num(failed)} tin chưa gửi được, sẽ thử lại."
    if held:
        text += f" {num(held)} tin tạm giữ lại vì sắp hết hạn mức tin nhắn Zalo của tháng."
    return text


def quota_warning(channel: str, used: int, limit: int, level: str, today: date, renews: date) -> str:
    name = CHANNEL_NAMES.get(channel, channel)
    head = f"⚠️ Hạn mức tin nhắn {name}: đã dùng {num(used)}/{num(limit)} tin của tháng {today.month}/{today.year}"
    head += f" ({pct(used / limit)}). Hạn mức mới từ {day(renews)}."
    if level == "near":
        rule = (
            "Từ nay bot chỉ gửi qua kênh này nhắc nhở cho đơn vị chưa báo cáo và báo cáo quá hạn; "
            "nhắc đơn vị chậm tiến độ và bản tin tuần tạm dừng."
        )
    elif level == "reserve":
        rule = "Phần còn lại để dành trả lời người dùng: bot chỉ gửi báo cáo quá hạn cho cán bộ theo dõi."
    else:
        rule = "Đã hết hạn mức: bot không gửi được tin nào qua kênh này đến hết tháng."
    return f"{head}\n{rule}\nCó thể nâng gói {name}, hoặc đề nghị người dùng liên kết thêm Telegram (/lienket)."


def cap_warning(bot: str, users: int, cap: int, move: Sequence[tuple[str, str, int]]) -> str:
    """A bot nears its plan's user cap (Zalo's free plan: 50 people per bot)."""
    text = (
        f"⚠️ Bot {bot} đã có {num(users)}/{num(cap)} người dùng (giới hạn của gói). Khi đủ {num(cap)} người, "
        "người mới không đăng ký được qua bot này."
    )
    if move:
        rows = "\n".join(f"• {name} (mã {code}): {num(count)} người" for name, code, count in move)
        text += f"\nNên chuyển các đơn vị sau sang một bot khác (thêm mã đơn vị vào ZALO_BOTS):\n{rows}"
    return text


# --- /nhacnho and /lienketnhom (bot.services.reminder_controls) ----------------------------------------------------
ROOT_ONLY = "Lịch báo cáo dùng chung cho toàn đảng bộ; chỉ cán bộ theo dõi cấp cao nhất được sửa."
NOT_RUNNING = "Chức năng nhắc nhở chưa được bật trong lần chạy này."
HELP = (
    "Cách dùng: /nhacnho (xem lịch) · /nhacnho xem (xem trước ai sẽ được nhắc) · /nhacnho tamdung · "
    "/nhacnho tieptuc · /nhacnho han 20 · /nhacnho truoc 5 1 · /nhacnho dungsai 10 · /nhacnho thang · "
    "/nhacnho quy · /nhacnho gio 08:00 · /nhacnho nghi 02/09/2026 · /nhacnho bonghi 02/09/2026"
)
FIELD_PROBLEMS = {
    "deadline_day": "hạn nộp là một ngày từ 1 đến 28 của tháng cuối kỳ. Ví dụ: /nhacnho han 20",
    "remind_days_before": "số ngày nhắc trước hạn phải từ 0 đến 27. Ví dụ: /nhacnho truoc 5 1",
    "tolerance_points": "mức cho phép (dung sai) phải từ 0 đến 100 điểm %. Ví dụ: /nhacnho dungsai 10",
    "reminder_time": "giờ nhắc viết giờ:phút, giờ từ 0 đến 23, phút từ 0 đến 59. Ví dụ: /nhacnho gio 08:00",
    "holidays": "ngày nghỉ phải là một ngày có thật, viết ngày/tháng/năm. Ví dụ: /nhacnho nghi 02/09/2026",
}
INVALID_VALUE = "giá trị không hợp lệ."
CALENDAR_UPDATED = "Đã cập nhật lịch báo cáo.\n\n"
RUN_DIGEST = "Bản tin tuần"
WHY_NOT_REPORTED = "chưa báo cáo"
WHY_BEHIND = "chậm tiến độ"
QUIET_NOW = "Đang trong giờ hoặc ngày không gửi tin (đêm, cuối tuần, ngày lễ). Xin gửi lại sau."
LINK_IN_GROUP = "Gõ /lienketnhom trong nhóm chat của cấp ủy (sau khi thêm bot vào nhóm)."
NO_GROUP_DIGEST = (
    "Trên Zalo, nhóm chat của bot còn đang thử nghiệm và bot có thể không được thêm vào nhóm, nên bot không gửi "
    "bản tin tuần vào nhóm. Bản tin tuần vẫn được gửi riêng cho từng cán bộ theo dõi của cấp ủy."
)


def calendar_not_changed(problem: str) -> str:
    return f"Chưa sửa được lịch: {problem}\nChưa thay đổi gì.\n\n" + HELP


def no_such_time(hour: str, minute: str) -> str:
    return f"không có giờ {hour}:{minute} — {FIELD_PROBLEMS['reminder_time']}"


def no_such_day(written: str) -> str:
    return f"không có ngày {written} — {FIELD_PROBLEMS['holidays']}"


def run_reminder(period: Period, days: int) -> str:
    return f"Nhắc trước hạn {period.label} ({days} ngày)"


def run_escalation(period: Period) -> str:
    return f"Báo cấp trên đơn vị quá hạn {period.label}"


def send_now_button(people: int) -> str:
    return f"📨 Gửi ngay cho {people} người"


def group_linked(unit_name: str) -> str:
    return f"Đã liên kết nhóm này: bản tin tuần của {unit_name} sẽ được gửi vào đây."
