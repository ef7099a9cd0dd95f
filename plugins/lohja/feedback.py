"""Lohja's feedback forms: the yearly staff survey, and the client form used until the county's
shared form (``lansi_uusimaa_client_visit``) replaced it."""

from __future__ import annotations

from sotesilta.core import plugin_api as api

Q, T, Opt = api.FeedbackQuestion, api.Texts, api.FeedbackOption
AGREE = T(
    "1 = täysin eri mieltä, 5 = täysin samaa mieltä",
    "1 = helt av annan åsikt, 5 = helt av samma åsikt",
    "1 = strongly disagree, 5 = strongly agree",
)

CLIENT_VISIT = api.FeedbackForm(
    key="lohja_client_visit",
    version=1,
    audience=api.FeedbackAudience.CLIENT_VISIT,
    # retired: the county's shared form (plugins/lansi_uusimaa) is offered instead; this
    # version stays registered so that the answers given to it can still be read
    retired=True,
    municipalities=("444",),
    title=T(
        "Palaute sosiaaliohjauksesta Lohjan terveysasemalla",
        "Respons på den sociala handledningen vid Lojo hälsostation",
        "Feedback on social guidance at the Lohja health station",
    ),
    intro=T(
        "Vastaat nimettömästi: vastauksiasi ei yhdistetä sinuun eikä käyntiisi.",
        "Du svarar anonymt: dina svar kopplas inte till dig eller ditt besök.",
        "You answer anonymously: your answers are not linked to you or your visit.",
    ),
    questions=(
        Q.yes_partly_no(
            "useful",
            T(
                "Saitko ohjausta, josta oli sinulle hyötyä?",
                "Fick du handledning som var till nytta för dig?",
                "Did you get guidance that was useful to you?",
            ),
            required=True,
        ),
        Q.yes_partly_no(
            "listened_to",
            T("Tulitko kuulluksi?", "Blev du hörd?", "Did you feel listened to?"),
        ),
        Q.scale(
            "overall",
            T(
                "Kokonaisarvio käynnistä (1 = huono, 5 = erinomainen)",
                "Helhetsbedömning av besöket (1 = dålig, 5 = utmärkt)",
                "Overall rating of the visit (1 = poor, 5 = excellent)",
            ),
            1,
            5,
            required=True,
        ),
        Q.choice(
            "next_step",
            T("Mitä seuraavaksi tapahtuu?", "Vad händer härnäst?", "What happens next?"),
            (
                Opt(
                    "contact_service",
                    T(
                        "Otan yhteyttä palveluun, johon minut ohjattiin",
                        "Jag kontaktar den tjänst jag hänvisades till",
                        "I will contact the service I was referred to",
                    ),
                ),
                Opt(
                    "arranged_for_me",
                    T(
                        "Minulle varattiin aika tai yhteydenotto",
                        "En tid eller kontakt ordnades åt mig",
                        "An appointment or contact was arranged for me",
                    ),
                ),
                Opt("come_again", T("Tulen uudelleen", "Jag kommer tillbaka", "I will come again")),
                Opt(
                    "nothing",
                    T("Jatkotoimia ei tarvita", "Inga fler åtgärder behövs", "Nothing more is needed"),
                ),
                Opt("unsure", T("En ole varma", "Jag är inte säker", "I am not sure")),
            ),
        ),
        Q.free_text(
            "comments",
            T(
                "Mitä muuta haluat kertoa? Älä kirjoita nimiä tai muita henkilötietoja.",
                "Vill du berätta något annat? Skriv inga namn eller andra personuppgifter.",
                "Anything else you want to tell us? Please write no names or other personal details.",
            ),
        ),
    ),
)

STAFF_SURVEY = api.FeedbackForm(
    key="lohja_staff_survey",
    version=1,
    audience=api.FeedbackAudience.STAFF_SURVEY,
    municipalities=("444",),
    title=T(
        "Terveydenhuollon henkilöstön vuosikysely: sosiaaliohjaus terveysasemalla",
        "Årlig enkät till vårdpersonalen: social handledning på hälsostationen",
        "Yearly survey of health staff: social guidance at the health station",
    ),
    questions=(
        Q.yes_partly_no(
            "knows_walk_in",
            T(
                "Tiedän, milloin potilas voi tulla sosiaaliohjaajalle ilman ajanvarausta",
                "Jag vet när patienten kan komma till socialhandledaren utan tidsbokning",
                "I know when a patient can see the social instructor without a booking",
            ),
            required=True,
        ),
        Q.scale(
            "easy_to_refer",
            T(
                f"Potilaan ohjaaminen sosiaaliohjaajalle on helppoa ({AGREE.fi})",
                f"Det är lätt att hänvisa patienten till socialhandledaren ({AGREE.sv})",
                f"Referring a patient to the social instructor is easy ({AGREE.en})",
            ),
            required=True,
        ),
        Q.scale(
            "helps_patients",
            T(
                f"Sosiaaliohjaus auttaa potilaitani ({AGREE.fi})",
                f"Den sociala handledningen hjälper mina patienter ({AGREE.sv})",
                f"Social guidance helps my patients ({AGREE.en})",
            ),
            required=True,
        ),
        Q.free_text(
            "improvements",
            T(
                "Miten yhteistyötä voisi kehittää?",
                "Hur kunde samarbetet utvecklas?",
                "How could the cooperation be improved?",
            ),
        ),
    ),
)

FORMS = (CLIENT_VISIT, STAFF_SURVEY)
