"""Properties of the intensive-rehabilitation rules, checked against brute force."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sotesilta.core.kernel.clock import HELSINKI
from sotesilta.core.kernel.errors import InputInvalid
from sotesilta.core.rehab.domain import (
    MEASUREMENT_ITEMS,
    ContactMoment,
    ContactStatus,
    RehabPolicy,
    add_months,
    change_of_mean,
    check_period_dates,
    quarter_window,
    validate_answers,
    weekly_intensity,
)
from sotesilta.core.statistics.domain import disclosure

# periods around both daylight-saving changes of 2026 (29 March, 25 October)
starts = st.dates(min_value=date(2026, 1, 1), max_value=date(2026, 12, 31))
instants = st.datetimes(
    min_value=datetime(2025, 12, 1), max_value=datetime(2027, 8, 1), timezones=st.just(UTC)
) | st.sampled_from(
    [  # the hour around each change, where a naive local conversion would slip a day
        datetime(2026, 3, 28, 22, 0, tzinfo=UTC),
        datetime(2026, 3, 29, 0, 30, tzinfo=UTC),
        datetime(2026, 3, 29, 21, 59, tzinfo=UTC),
        datetime(2026, 3, 29, 22, 0, tzinfo=UTC),
        datetime(2026, 10, 24, 21, 0, tzinfo=UTC),
        datetime(2026, 10, 25, 0, 30, tzinfo=UTC),
        datetime(2026, 10, 25, 21, 59, tzinfo=UTC),
        datetime(2026, 10, 25, 22, 0, tzinfo=UTC),
    ]
)
moments = st.builds(ContactMoment, instants, st.sampled_from(list(ContactStatus)))


@given(starts, st.integers(0, 200), st.lists(moments, max_size=40), st.integers(1, 5), starts)
def test_weekly_intensity_equals_a_brute_force_count(start, length, contacts, target, today):
    end = start + timedelta(days=length)
    weeks = weekly_intensity(contacts, start, end, target, today)
    # brute force: walk every day of the period, key it by its ISO week
    expected: dict[str, list[int]] = {}
    for offset in range(length + 1):
        day = start + timedelta(days=offset)
        year, week, _ = day.isocalendar()
        cell = expected.setdefault(f"{year}-W{week:02d}", [0, 0, 0])
        cell[2] += 1
        for c in contacts:
            if c.starts_at.astimezone(HELSINKI).date() == day and c.status is not ContactStatus.CANCELLED:
                cell[0] += 1
                cell[1] += c.status is ContactStatus.FULFILLED
    assert [w.week for w in weeks] == list(expected)  # every week once, in order, none missing
    for w in weeks:
        planned, realised, days = expected[w.week]
        assert (w.planned, w.realised, w.days_in_period) == (planned, realised, days)
        assert w.target == pytest.approx(target * days / 7, abs=0.01)
        last_day = min(w.starts_on + timedelta(days=6), end)
        assert w.below_target == (last_day < today and realised < target * days / 7 - 1e-9)
    assert sum(w.days_in_period for w in weeks) == length + 1


answers = st.dictionaries(st.sampled_from(MEASUREMENT_ITEMS), st.integers(0, 10), min_size=1)


@given(st.none() | answers, st.none() | answers)
def test_the_change_of_mean_is_undefined_without_a_positive_baseline(before, after):
    change = change_of_mean(before, after)
    if before is None or after is None or sum(before.values()) == 0:
        assert change is None
    else:
        b = sum(before.values()) / len(before)
        a = sum(after.values()) / len(after)
        assert change == pytest.approx((a - b) / b)
        assert (change > 0) == (a > b) and change >= -1


@given(st.dictionaries(st.text(max_size=12), st.integers(-5, 15), max_size=12))
def test_answers_are_accepted_exactly_when_keys_are_known_and_values_0_to_10(raw):
    valid = bool(raw) and set(raw) <= set(MEASUREMENT_ITEMS) and all(0 <= v <= 10 for v in raw.values())
    if valid:
        assert validate_answers(raw) == raw
    else:
        with pytest.raises(InputInvalid):
            validate_answers(raw)


@given(starts, st.integers(0, 400), st.integers(1, 12))
def test_a_period_never_exceeds_its_maximum(start, days, months):
    policy = RehabPolicy(max_months=months)
    end = start + timedelta(days=days)
    latest = add_months(start, months)
    assert latest > start and (latest - start).days <= 31 * months
    if end <= latest:
        assert check_period_dates(start, end, policy) == latest
    else:
        with pytest.raises(InputInvalid):
            check_period_dates(start, end, policy)


@given(st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31)))
def test_feedback_windows_are_the_first_two_weeks_of_each_quarter(day):
    window = quarter_window(day)
    in_window = day.month in (1, 4, 7, 10) and day.day <= 14
    assert (window is not None) == in_window
    if window:
        assert window[0].day == 1 and (window[1] - window[0]).days == 13


@given(st.dictionaries(st.sampled_from("abcdefg"), st.integers(0, 40), min_size=1))
def test_a_suppressed_cell_cannot_be_worked_out_from_the_total(counts):
    cells = disclosure.row(counts)
    hidden = [k for k, c in cells.items() if c.suppressed]
    for key, cell in cells.items():
        if 0 < counts[key] < disclosure.THRESHOLD:
            assert cell.suppressed and cell.shown == "<5"
        if not cell.suppressed:
            assert cell.value == counts[key]
    nonzero = [k for k, v in counts.items() if v > 0]
    # with the total shown, one hidden cell alone would be total minus the rest
    assert len(hidden) != 1 or len(nonzero) == 1


def test_every_item_key_and_end_reason_has_labels_in_three_languages(plugins):
    from sotesilta.core.rehab.domain import EndReason

    codes = plugins.code_lists
    items = {e.code: e for e in codes.entries("measurement_item")}
    assert set(items) == set(MEASUREMENT_ITEMS)
    reasons = {e.code for e in codes.entries("rehab_end_reason")}
    assert reasons == {r.value for r in EndReason}
    assert all(e.label(lang) for e in items.values() for lang in ("fi", "sv", "en"))


@given(
    st.dictionaries(
        st.sampled_from(["2025-01", "2025-02", "2025-03", "2025-04"]),
        st.dictionaries(st.sampled_from("abcde"), st.integers(0, 30), min_size=1),
        min_size=1,
    )
)
def test_no_line_of_a_suppressed_table_has_a_single_hidden_term(counts):
    """Rows with their totals and columns with theirs: one hidden term would be the total minus the rest."""
    grid = disclosure.table(counts)
    columns = sorted({c for row in counts.values() for c in row})
    full = {name: {c: row.get(c, 0) for c in columns} for name, row in counts.items()}
    lines = [list(cells.values()) for cells in grid.cells.values()]
    lines.append(list(grid.total.values()))
    for col in [*columns, disclosure.TOTAL]:
        lines.append([grid.cells[name][col] for name in counts] + [grid.total[col]])
    for line in lines:
        assert sum(cell.suppressed for cell in line) != 1
    for name, row in full.items():
        for col, value in [*row.items(), (disclosure.TOTAL, sum(row.values()))]:
            cell = grid.cells[name][col]
            if 0 < value < disclosure.THRESHOLD:
                assert cell.shown == "<5"
            assert cell.suppressed or cell.value == value
    assert grid.total[disclosure.TOTAL].suppressed or grid.total[disclosure.TOTAL].value == sum(
        sum(row.values()) for row in full.values()
    )
