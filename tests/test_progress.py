from datetime import date

import pytest

from bot.domain.models import Figures, Unit, UnitKind
from bot.domain.periods import expected_share
from bot.domain.progress import Status, assess, project, rolled_targets, status_of
from bot.domain.tree import UnitTree


def unit(uid: int, parent: int | None = None, kind: UnitKind = UnitKind.GRASSROOTS) -> Unit:
    return Unit(
        id=uid,
        code=f"U{uid}",
        name=f"Đơn vị {uid}",
        short_name=str(uid),
        search_name=str(uid),
        kind=kind,
        parent_id=parent,
        sort_order=uid,
    )


TREE = UnitTree([unit(1, kind=UnitKind.DISTRICT), unit(2, 1), unit(3, 1), unit(4, 1), unit(5, 2), unit(6, 2)])


def test_cao_phong_69_of_71_by_end_of_q3_is_97_percent_ahead_of_pace():
    pace = expected_share(date(2021, 9, 30))
    assert pace == pytest.approx(0.75)
    # figures come already rolled up (storage.rollups): the district holds its chi bộ's 69
    rolled = {1: (1, Figures(admitted=69)), 3: (1, Figures(admitted=69))}
    result = assess(TREE, 1, [1, 3], targets={1: 71}, in_period={}, cumulative=rolled, pace=pace)
    district = result[1]
    assert district.cumulative.admitted == 69
    assert district.share == pytest.approx(69 / 71)
    assert district.share is not None and round(district.share * 100) == 97
    assert district.status is Status.AHEAD
    assert district.remaining == 2


def test_assess_takes_rolled_figures_and_rolls_targets():
    cumulative = {1: (3, Figures(admitted=6, female=3)), 2: (3, Figures(admitted=6, female=3))}
    cumulative |= {5: (1, Figures(admitted=2, female=1)), 6: (1, Figures(admitted=3, female=2))}
    in_period = {2: (2, Figures(admitted=5))}
    result = assess(
        TREE, 1, TREE.subtree(1), targets={5: 2, 6: 4, 3: 3, 4: 1}, in_period=in_period, cumulative=cumulative, pace=0.5
    )
    assert result[2].cumulative.admitted == 6 and result[2].cumulative.female == 3
    assert result[2].in_period.admitted == 5 and result[2].events_in_period == 2
    assert result[1].cumulative.admitted == 6
    assert result[2].target == 6 and not result[2].target_direct  # sum of its chi bộ
    assert result[1].target == 10
    assert result[3].status is Status.NO_REPORT and result[4].status is Status.NO_REPORT  # no events: not reported
    assert result[1].reported and result[2].reported and result[1].events_in_period == 0


def test_assess_only_the_units_asked_for_with_targets_given_rolled():
    rolled = rolled_targets(TREE, 1, {4: 4})
    result = assess(
        TREE, 1, [4], targets={}, in_period={}, cumulative={4: (1, Figures(admitted=1))}, pace=0.75, rolled=rolled
    )
    assert set(result) == {4} and result[4].target == 4 and result[4].target_direct


def test_direct_target_wins_over_children_sum():
    targets = rolled_targets(TREE, 1, {1: 71, 2: 5, 3: 3})
    assert targets[1] == (71, True)
    assert targets[4] == (None, False)
    assert targets[5] == (None, False)


@pytest.mark.parametrize(
    ("cumulative", "target", "pace", "reported", "expected"),
    [
        (69, 71, 0.75, True, Status.AHEAD),
        (50, 71, 0.75, True, Status.ON_TRACK),
        (40, 71, 0.75, True, Status.BEHIND),
        (0, 4, 0.75, False, Status.NO_REPORT),
        (3, None, 0.75, True, Status.NO_TARGET),
        (4, 4, 1.0, True, Status.AHEAD),
        (0, 0, 0.5, True, Status.ON_TRACK),
    ],
)
def test_status(cumulative, target, pace, reported, expected):
    assert status_of(cumulative, target, pace, reported) is expected


def test_expected_and_short_of_pace():
    result = assess(TREE, 1, [4], targets={4: 4}, in_period={}, cumulative={4: (1, Figures(admitted=1))}, pace=0.75)
    assert result[4].expected == 3
    assert result[4].short_of_pace == 2
    assert result[4].status is Status.BEHIND


def test_projection_to_year_end():
    proj = project(cumulative=61, target=71, day=date(2026, 11, 23))
    assert proj.months_left == 2
    assert proj.per_month_needed == pytest.approx(5.0)
    assert 66 <= proj.year_end <= 70
    assert project(0, None, date(2026, 1, 1)).per_month_needed is None
