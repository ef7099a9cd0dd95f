"""A statistics report as CSV: one line per table, period and category, suppressed cells as "<5".

A county-wide report adds each municipality's figures over the span, its
table named ``<table>/<municipality code>`` (``visits/444``,
``feedback:<form>/444``); a client form's responses also by channel (``responses:oral``).
"""

from __future__ import annotations

import csv
import io

from sotesilta.core.statistics.domain.disclosure import TOTAL, Shown
from sotesilta.core.statistics.domain.reports import CATEGORY_TITLES
from sotesilta.core.statistics.service.reports import Report

HEADER = {
    "fi": ("taulukko", "jakso", "luokka", "luokan nimi", "arvo"),
    "sv": ("tabell", "period", "kategori", "kategorins namn", "värde"),
    "en": ("table", "period", "category", "category name", "value"),
}


def report_csv(report: Report, language: str, *, semicolons: bool = False) -> str:
    """RFC 4180 CSV, one value per line, so a spreadsheet can pivot it any way.

    A byte-order mark leads, so spreadsheet programs read the Finnish and
    Swedish letters right; the total row's period is the span ("2025").
    ``semicolons``: separated by ";" with a decimal comma, which Excel set to Finnish or
    Swedish opens into columns and numbers (a "," file opens as one column of text there).
    """
    out = io.StringIO()
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n", delimiter=";" if semicolons else ",")
    shown = _shown_with_comma if semicolons else _shown
    writer.writerow(HEADER.get(language, HEADER["en"]))
    for table in report.tables:
        titles = {c.key: c.title.get(language) for c in table.columns}
        titles[TOTAL] = CATEGORY_TITLES[TOTAL].get(language)
        keys = [c.key for c in table.columns] + ([TOTAL] if TOTAL in table.total else [])
        lines = [*((row.period, row.cells) for row in table.rows), (report.span, table.total)]
        if table.previous is not None:
            lines.append((report.previous_span, table.previous))
        for label, cells in lines:
            for key in keys:
                writer.writerow((table.key, label, key, titles[key], shown(cells[key])))
        for area in table.breakdown:  # county-wide: each municipality's span, as "<table>/<code>"
            for key in keys:
                writer.writerow(
                    (
                        f"{table.key}/{area.municipality}",
                        report.span,
                        key,
                        titles[key],
                        shown(area.cells[key]),
                    )
                )
    for form in report.feedback:
        name = f"feedback:{form.form_key}"
        writer.writerow((name, report.span, "responses", form.title.get(language), shown(form.responses)))
        for code, figure in form.by_municipality.items():
            writer.writerow(
                (f"{name}/{code}", report.span, "responses", form.title.get(language), shown(figure))
            )
        for channel, figure in form.by_channel.items():  # link, oral, paper
            writer.writerow(
                (name, report.span, f"responses:{channel}", form.title.get(language), shown(figure))
            )
        for question in form.questions:
            for value, figure in question.counts.items():
                title = CATEGORY_TITLES[TOTAL] if value == TOTAL else question.answer_titles[value]
                writer.writerow(
                    (name, report.span, f"{question.key}={value}", title.get(language), shown(figure))
                )
            if question.mean is not None:
                writer.writerow((name, report.span, f"{question.key}:mean", "", shown(question.mean)))
    return out.getvalue()


def _shown_with_comma(value: Shown) -> str:
    return _shown(value).replace(".", ",")


def _shown(value: Shown) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4f}".rstrip("0").rstrip(".")
    return str(value)
