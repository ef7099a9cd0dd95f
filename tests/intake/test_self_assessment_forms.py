"""The self-assessment's questions come from the county's plugin, through the feedback
forms' hook (audience ``self_assessment``): a county without one offers no questionnaire."""

from __future__ import annotations

import types

from sotesilta.core import plugin_api as api
from sotesilta.core.intake.service import assessments, descriptions
from sotesilta.core.kernel.db import make_engine
from sotesilta.core.kernel.plugins.manager import load_plugins
from sotesilta.core.kernel.runtime import Runtime

T = api.Texts("Onko arki raskasta?", "Är vardagen tung?", "Is everyday life heavy?")


def _plugin(form: api.FeedbackForm) -> types.SimpleNamespace:
    @api.hookimpl
    def sotesilta_register_feedback_forms(register: api.FeedbackFormRegister) -> None:
        register(form)

    return types.SimpleNamespace(sotesilta_register_feedback_forms=sotesilta_register_feedback_forms)


def test_a_county_plugin_supplies_the_self_assessment_through_the_feedback_forms_hook(
    settings, clock, runtime
):
    paijat_hame = api.FeedbackForm(
        key="paijat_hame_self_assessment",
        version=1,
        audience=api.FeedbackAudience.SELF_ASSESSMENT,
        municipalities=(),
        county="09",
        title=api.Texts("Oma-arvio", "Självbedömning", "Self-assessment"),
        questions=(api.FeedbackQuestion.yes_partly_no("heavy", T),),
    )
    with runtime.uow() as uow:  # the installed plugins: Länsi-Uusimaa's, none for Päijät-Häme
        assert descriptions.self_assessment_offered(uow, "03")
        assert not descriptions.self_assessment_offered(uow, "09")
        assert assessments.get_self_assessment_form(uow, county="09", language="fi") is None
    plugins = load_plugins(extra=[("paijat_hame_questions", _plugin(paijat_hame))])
    with_form = Runtime(
        settings=settings, engine=make_engine(settings.resolved_database_url), plugins=plugins, clock=clock
    )
    try:
        with with_form.uow() as uow:
            view = assessments.get_self_assessment_form(uow, county="09", language="sv")
            assert view is not None and view.form_key == "paijat_hame_self_assessment"
            assert [q.text for q in view.questions] == ["Är vardagen tung?"]
            assert descriptions.get_service_description(uow, county="09").self_assessment
            # Länsi-Uusimaa keeps its own
            assert assessments.current_form(uow, "03").key == "lansi_uusimaa_self_assessment"
    finally:
        with_form.engine.dispose()
