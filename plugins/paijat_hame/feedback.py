"""Päijät-Häme's client feedback on an intensive rehabilitation period.

Workers enter it with ``submitPeriodFeedback`` (at the end of a period, and in
the first two weeks of each quarter); this definition gives its questions their
texts, and lets the statistics read those answers as responses to this form.
The model's targets: 100 % find the rehabilitation useful and see progress
towards their own goals.
"""

from __future__ import annotations

from collections.abc import Sequence

from sotesilta.core import plugin_api as api

Q, T = api.FeedbackQuestion, api.Texts


def rehab_feedback(codes: Sequence[str]) -> api.FeedbackForm:
    """The form, for the county's municipalities."""
    return api.FeedbackForm(
        key="paijat_hame_rehab",
        version=1,
        audience=api.FeedbackAudience.REHAB,
        municipalities=tuple(codes),
        title=T(
            "Asiakaspalaute intensiivisestä sosiaalisesta kuntoutuksesta",
            "Klientrespons på den intensiva sociala rehabiliteringen",
            "Client feedback on intensive social rehabilitation",
        ),
        questions=(
            Q.yes_partly_no(
                "useful",
                T(
                    "Onko kuntoutuksesta ollut sinulle hyötyä?",
                    "Har rehabiliteringen varit till nytta för dig?",
                    "Has the rehabilitation been useful to you?",
                ),
                required=True,
            ),
            Q.yes_partly_no(
                "towards_goals",
                T(
                    "Oletko edennyt kohti omia tavoitteitasi?",
                    "Har du kommit närmare dina egna mål?",
                    "Have you made progress towards your own goals?",
                ),
                required=True,
            ),
            Q.free_text(
                "free_text",
                T("Mitä muuta haluat sanoa?", "Vill du säga något annat?", "Anything else you want to say?"),
            ),
        ),
    )
