"""At least 150 distinct phrasings of questions, with and without diacritics, typos and abbreviations."""

from __future__ import annotations

from datetime import date

import pytest

from bot.domain.models import Category
from bot.domain.periods import Period
from bot.language import intents
from bot.language.queries import OutputForm, Query, QueryKind
from bot.language.units import UnitIndex
from bot.runtime import demo

TODAY = date(2026, 11, 23)
P, B, PL, S, N, BH, R, C = (
    QueryKind.PROGRESS,
    QueryKind.BREAKDOWN,
    QueryKind.PIPELINE,
    QueryKind.SCREENING,
    QueryKind.NOT_REPORTED,
    QueryKind.BEHIND,
    QueryKind.RANKING,
    QueryKind.COMPARE,
)
Q3, Q3_21 = Period.quarter(2026, 3), Period.quarter(2021, 3)
Y21, Y25, Y26 = Period.of_year(2021), Period.of_year(2025), Period.of_year(2026)
H1 = Period.half(2026, 1)
T20, T25 = Period.term(2020, 2025), Period.term(2025, 2030)
Q4 = Period.quarter(2026, 4)
TEXT, CHART, EXCEL = OutputForm.TEXT, OutputForm.CHART, OutputForm.EXCEL
ALL_UNITS = (demo.ROOT, *demo.UNITS)
INDEX = UnitIndex([(i, u.name) for i, u in enumerate(ALL_UNITS)] + [(i, u.short) for i, u in enumerate(ALL_UNITS)])
CODE = {i: u.code for i, u in enumerate(ALL_UNITS)}

# (message, kind, period or None for the default, form, unit code or None, category or None)
CASES: list[tuple[str, QueryKind, Period | None, OutputForm, str | None, Category | None]] = [
    # the Queries table
    ("tiến độ kết nạp quý III", P, Q3, TEXT, None, None),
    ("tien do ket nap quy 3", P, Q3, TEXT, None, None),
    ("/tiendo q3", P, Q3, TEXT, None, None),
    ("Tiến độ Q.III", P, Q3, TEXT, None, None),
    ("tiến độ năm 2021", P, Y21, TEXT, None, None),
    ("tiến độ 6 tháng đầu năm", P, H1, TEXT, None, None),
    ("tiến độ nhiệm kỳ", P, T25, TEXT, None, None),
    ("tiến độ nhiệm kỳ 2020-2025", P, T20, TEXT, None, None),
    ("tiến độ xã Bắc Phong", P, None, TEXT, "BP", None),
    ("tien do bac phong", P, None, TEXT, "BP", None),
    ("tiến độ của chi bộ mình", P, None, TEXT, None, None),
    ("tiến độ", P, None, TEXT, None, None),
    ("đơn vị nào chưa báo cáo quý này?", N, Q4, TEXT, None, None),
    ("đơn vị chậm tiến độ", BH, None, TEXT, None, None),
    ("những chi bộ nào đang chậm?", BH, None, TEXT, None, None),
    ("cơ cấu đảng viên mới năm nay", B, Y26, TEXT, None, None),
    ("nguồn phát triển đảng", PL, None, TEXT, None, None),
    ("so với cùng kỳ năm trước", C, None, TEXT, None, None),
    ("biểu đồ tiến độ quý III", P, Q3, CHART, None, None),
    ("xuất báo cáo năm 2021", P, Y21, EXCEL, None, None),
    ("/xuat 2021", P, Y21, EXCEL, None, None),
    # progress, periods
    ("TIẾN ĐỘ KẾT NẠP QUÝ III", P, Q3, TEXT, None, None),
    ("tiến   độ   quý  3", P, Q3, TEXT, None, None),
    ("tiến độ quý ba", P, Q3, TEXT, None, None),
    ("tien do quy ba", P, Q3, TEXT, None, None),
    ("tiến độ qIII", P, Q3, TEXT, None, None),
    ("tiến độ Q3", P, Q3, TEXT, None, None),
    ("tiến độ q3 2021", P, Q3_21, TEXT, None, None),
    ("/tiendo q3 2021", P, Q3_21, TEXT, None, None),
    ("tiến độ quý III năm 2021", P, Q3_21, TEXT, None, None),
    ("tien do quy iii/2021", P, Q3_21, TEXT, None, None),
    ("tiến độ quý 3/2021", P, Q3_21, TEXT, None, None),
    ("kết quả kết nạp quý III", P, Q3, TEXT, None, None),
    ("kết nạp được bao nhiêu quý 3?", P, Q3, TEXT, None, None),
    ("quý 3 kết nạp được bao nhiêu đảng viên?", P, Q3, TEXT, None, None),
    ("tình hình kết nạp quý III thế nào", P, Q3, TEXT, None, None),
    ("tiến độ KN quý 3", P, Q3, TEXT, None, None),
    ("tiến độ ĐVM quý III", P, Q3, TEXT, None, None),
    ("tien do dvm q3", P, Q3, TEXT, None, None),
    ("tiến độ tháng 9", P, Period.month(2026, 9), TEXT, None, None),
    ("tiến độ T9", P, Period.month(2026, 9), TEXT, None, None),
    ("tien do t9", P, Period.month(2026, 9), TEXT, None, None),
    ("tiến độ tháng chín", P, Period.month(2026, 9), TEXT, None, None),
    ("tiến độ tháng 9/2021", P, Period.month(2021, 9), TEXT, None, None),
    ("tiến độ tháng này", P, Period.month(2026, 11), TEXT, None, None),
    ("tiến độ tháng trước", P, Period.month(2026, 10), TEXT, None, None),
    ("tiến độ quý này", P, Q4, TEXT, None, None),
    ("tiến độ quý trước", P, Q3, TEXT, None, None),
    ("tiến độ năm nay", P, Y26, TEXT, None, None),
    ("tiến độ năm ngoái", P, Y25, TEXT, None, None),
    ("tien do nam ngoai", P, Y25, TEXT, None, None),
    ("tiến độ năm trước", P, Y25, TEXT, None, None),
    ("tiến độ năm 2025", P, Y25, TEXT, None, None),
    ("tiến độ 2021", P, Y21, TEXT, None, None),
    ("tien do nam 2021", P, Y21, TEXT, None, None),
    ("kết quả năm 2021", P, Y21, TEXT, None, None),
    ("tiến độ 6 tháng", P, H1, TEXT, None, None),
    ("tiến độ sáu tháng đầu năm", P, H1, TEXT, None, None),
    ("tien do 6 thang dau nam", P, H1, TEXT, None, None),
    ("tiến độ nửa đầu năm", P, H1, TEXT, None, None),
    ("tiến độ 6 tháng cuối năm 2025", P, Period.half(2025, 2), TEXT, None, None),
    ("tiến độ nhiệm kỳ này", P, T25, TEXT, None, None),
    ("tien do nhiem ky", P, T25, TEXT, None, None),
    ("tiến độ nhiệm kỳ trước", P, T20, TEXT, None, None),
    ("tiến độ nhiệm kỳ 2020 - 2025", P, T20, TEXT, None, None),
    ("tien do nhiem ky 2020-2025", P, T20, TEXT, None, None),
    ("tiến độ nk 2020-2025", P, T20, TEXT, None, None),
    ("tiến độ nhiệm kì 2025-2030", P, T25, TEXT, None, None),
    ("tiến độ từ đầu năm", P, Y26, TEXT, None, None),
    ("lũy kế từ đầu năm đến nay thế nào?", P, Y26, TEXT, None, None),
    ("số liệu kết nạp năm nay", P, Y26, TEXT, None, None),
    ("thống kê kết nạp đảng viên năm 2025", P, Y25, TEXT, None, None),
    ("tổng hợp kết nạp quý 3", P, Q3, TEXT, None, None),
    ("cho xem tiến độ", P, None, TEXT, None, None),
    ("tiến độ thế nào rồi?", P, None, TEXT, None, None),
    ("tiến độ hiện nay ra sao", P, None, TEXT, None, None),
    ("Tiến Độ", P, None, TEXT, None, None),
    ("tien do", P, None, TEXT, None, None),
    ("tiendo", P, None, TEXT, None, None),
    ("/tiendo", P, None, TEXT, None, None),
    ("/tiendo@ptdv_bot q3", P, Q3, TEXT, None, None),
    ("tiến độ của đơn vị mình", P, None, TEXT, None, None),
    ("tiến độ đang thế nào", P, None, TEXT, None, None),
    # units: names, typos, prefixes, missing diacritics
    ("tiến độ Bắc Phong", P, None, TEXT, "BP", None),
    ("tiến độ đảng bộ xã Bắc Phong", P, None, TEXT, "BP", None),
    ("tien do xa bac phong quy 3", P, Q3, TEXT, "BP", None),
    ("tiến độ xã Bắc Phog", P, None, TEXT, "BP", None),
    ("tiến độ Công an huyện", P, None, TEXT, "CAH", None),
    ("tien do cong an huyen nam 2021", P, Y21, TEXT, "CAH", None),
    ("tiến độ chi bộ Công an huyện", P, None, TEXT, "CAH", None),
    ("tiến độ công an huyen", P, None, TEXT, "CAH", None),
    ("tiến độ Quân sự huyện quý 3", P, Q3, TEXT, "QSH", None),
    ("tiến độ xã Tây Phong", P, None, TEXT, "TP", None),
    ("tien do tay phong", P, None, TEXT, "TP", None),
    ("tiến độ xã Thung Nai năm nay", P, Y26, TEXT, "TN", None),
    ("tiến độ thung nai", P, None, TEXT, "TN", None),
    ("tiến độ Trường THPT Thạch Yên", P, None, TEXT, "THPTTY", None),
    ("tien do truong thpt thach yen", P, None, TEXT, "THPTTY", None),
    ("tiến độ Trung tâm Y tế", P, None, TEXT, "TTYT", None),
    ("tiến độ cơ quan huyện ủy", P, None, TEXT, "HU", None),
    ("tiến độ Điện lực Cao Phong", P, None, TEXT, "DL", None),
    ("tiến độ chi bộ xóm Nội", P, None, TEXT, "BP-NOI", None),
    ("tiến độ xóm Bắc Sơn quý III", P, Q3, TEXT, "BP-BS", None),
    ("kết quả của xã Đông Phong năm 2021", P, Y21, TEXT, "DP", None),
    ("xã Hợp Phong kết nạp được bao nhiêu?", P, None, TEXT, "HP", None),
    ("Công an huyện đã kết nạp bao nhiêu đảng viên năm nay?", P, Y26, TEXT, "CAH", None),
    # categories
    ("tiến độ khối xã", P, None, TEXT, None, Category.COMMUNE),
    ("tiến độ các xã thị trấn quý 3", P, Q3, TEXT, None, Category.COMMUNE),
    ("tiến độ lực lượng vũ trang", P, None, TEXT, None, Category.ARMED),
    ("tien do llvt nam 2021", P, Y21, TEXT, None, Category.ARMED),
    ("tiến độ khối cơ quan hành chính", P, None, TEXT, None, Category.ADMIN),
    ("tiến độ khối sự nghiệp", P, None, TEXT, None, Category.SERVICE),
    ("tiến độ khối doanh nghiệp", P, None, TEXT, None, Category.ENTERPRISE),
    # not reported
    ("đơn vị nào chưa báo cáo?", N, None, TEXT, None, None),
    ("don vi nao chua bao cao quy nay", N, Q4, TEXT, None, None),
    ("những đơn vị chưa gửi báo cáo", N, None, TEXT, None, None),
    ("ai chưa báo cáo tháng này", N, Period.month(2026, 11), TEXT, None, None),
    ("chưa báo cáo quý 3", N, Q3, TEXT, None, None),
    ("danh sách đơn vị chưa nộp báo cáo", N, None, TEXT, None, None),
    ("/chuabaocao", N, None, TEXT, None, None),
    ("/chuabaocao q3", N, Q3, TEXT, None, None),
    ("đơn vị nào chưa bc quý III", N, Q3, TEXT, None, None),
    ("chi bộ nào chưa báo cáo ở xã Bắc Phong", N, None, TEXT, "BP", None),
    # behind
    ("đơn vị nào chậm tiến độ?", BH, None, TEXT, None, None),
    ("don vi cham tien do", BH, None, TEXT, None, None),
    ("những đơn vị chậm", BH, None, TEXT, None, None),
    ("đơn vị nào chưa đạt tiến độ quý 3", BH, Q3, TEXT, None, None),
    ("đơn vị nào đang tụt lại", BH, None, TEXT, None, None),
    ("/chamtiendo", BH, None, TEXT, None, None),
    ("/chamtiendo 2021", BH, Y21, TEXT, None, None),
    ("chậm tiến độ khối xã", BH, None, TEXT, None, Category.COMMUNE),
    ("đơn vị yếu nhất năm nay", BH, Y26, TEXT, None, None),
    # ranking
    ("xếp hạng các đơn vị", R, None, TEXT, None, None),
    ("xep hang don vi nam 2021", R, Y21, TEXT, None, None),
    ("đơn vị nào dẫn đầu?", R, None, TEXT, None, None),
    ("top đơn vị kết nạp nhiều nhất", R, None, TEXT, None, None),
    ("đơn vị nào vượt chỉ tiêu", R, None, TEXT, None, None),
    ("/xephang", R, None, TEXT, None, None),
    ("bảng xếp hạng quý 3", R, Q3, TEXT, None, None),
    # breakdown
    ("cơ cấu đảng viên mới", B, None, TEXT, None, None),
    ("co cau dang vien moi nam nay", B, Y26, TEXT, None, None),
    ("cơ cấu ĐVM năm 2021", B, Y21, TEXT, None, None),
    ("/cocau", B, None, TEXT, None, None),
    ("/cocau 2021", B, Y21, TEXT, None, None),
    ("bao nhiêu nữ?", B, None, TEXT, None, None),
    ("tỷ lệ nữ trong đảng viên mới năm nay", B, Y26, TEXT, None, None),
    ("số đảng viên dân tộc thiểu số năm 2021", B, Y21, TEXT, None, None),
    ("thành phần đảng viên mới quý 3", B, Q3, TEXT, None, None),
    ("cơ cấu của Công an huyện", B, None, TEXT, "CAH", None),
    ("bao nhiêu đoàn viên được kết nạp?", B, None, TEXT, None, None),
    ("trình độ đại học trở lên năm nay", B, Y26, TEXT, None, None),
    # pipeline
    ("nguồn phát triển đảng năm 2021", PL, Y21, TEXT, None, None),
    ("nguon phat trien dang", PL, None, TEXT, None, None),
    ("tạo nguồn thế nào?", PL, None, TEXT, None, None),
    ("bao nhiêu quần chúng ưu tú?", PL, None, TEXT, None, None),
    ("số đã học lớp nhận thức về Đảng", PL, None, TEXT, None, None),
    ("/nguon", PL, None, TEXT, None, None),
    ("nguồn của xã Bắc Phong", PL, None, TEXT, "BP", None),
    # screening
    ("rà soát sàng lọc năm 2025", S, Y25, TEXT, None, None),
    ("ra soat sang loc", S, None, TEXT, None, None),
    ("bao nhiêu đảng viên bị đưa ra khỏi Đảng năm 2022?", S, Period.of_year(2022), TEXT, None, None),
    ("/rasoat", S, None, TEXT, None, None),
    # comparison
    ("so với cùng kỳ", C, None, TEXT, None, None),
    ("so sánh với năm trước", C, None, TEXT, None, None),
    ("quý 3 so với cùng kỳ năm trước", C, Q3, TEXT, None, None),
    ("so voi cung ky nam ngoai", C, None, TEXT, None, None),
    ("tăng hay giảm so với cùng kỳ?", C, None, TEXT, None, None),
    ("/sosanh", C, None, TEXT, None, None),
    ("/sosanh q3", C, Q3, TEXT, None, None),
    ("Công an huyện so với cùng kỳ năm trước", C, None, TEXT, "CAH", None),
    # charts
    ("biểu đồ", P, None, CHART, None, None),
    ("bieu do tien do quy 3", P, Q3, CHART, None, None),
    ("vẽ biểu đồ tiến độ năm 2021", P, Y21, CHART, None, None),
    ("đồ thị tiến độ", P, None, CHART, None, None),
    ("/bieudo", P, None, CHART, None, None),
    ("/bieudo q3", P, Q3, CHART, None, None),
    ("biểu đồ khối xã", P, None, CHART, None, Category.COMMUNE),
    ("biểu đồ xã Bắc Phong", P, None, CHART, "BP", None),
    # Excel
    ("xuất báo cáo", P, None, EXCEL, None, None),
    ("xuat bao cao nam 2021", P, Y21, EXCEL, None, None),
    ("xuất excel quý 3", P, Q3, EXCEL, None, None),
    ("/xuat", P, None, EXCEL, None, None),
    ("tải file báo cáo năm nay", P, Y26, EXCEL, None, None),
    ("xuất file tiến độ Công an huyện", P, None, EXCEL, "CAH", None),
]


def test_there_are_at_least_150_distinct_phrasings():
    texts = [case[0] for case in CASES]
    assert len(set(texts)) == len(texts) >= 150


@pytest.mark.parametrize(("text", "kind", "period", "form", "unit", "category"), CASES, ids=[c[0] for c in CASES])
def test_query_phrasing(text, kind, period, form, unit, category):
    intent = intents.parse(text, TODAY)
    assert isinstance(intent, intents.Ask), intent
    query: Query = intent.query
    assert query.kind is kind
    assert query.period == period
    assert query.form is form
    assert query.category == category
    if unit is None:
        assert query.unit_text is None, query.unit_text
    else:
        assert query.unit_text, "no unit found"
        found = INDEX.resolve(query.unit_text)
        assert [CODE[u] for u in found] == [unit], (query.unit_text, [CODE[u] for u in found])


@pytest.mark.parametrize("text", ["tiến độ quý 5", "tien do thang 13", "/tiendo q7"])
def test_impossible_periods_are_explained(text):
    intent = intents.parse(text, TODAY)
    assert isinstance(intent, intents.Unknown) and intent.problem


@pytest.mark.parametrize("text", ["xin chào", "thời tiết hôm nay", "abc xyz"])
def test_unknown_questions(text):
    assert isinstance(intents.parse(text, TODAY), intents.Unknown)
