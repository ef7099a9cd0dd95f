"""Espoo's feedback forms: the yearly staff survey, and the client form used until the county's
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
    key="espoo_client_visit",
    version=1,
    audience=api.FeedbackAudience.CLIENT_VISIT,
    # retired: the county's shared form (plugins/lansi_uusimaa) is offered instead; this
    # version stays registered so that the answers given to it can still be read
    retired=True,
    municipalities=("049",),
    title=T(
        "Palaute sosiaaliohjaajan vastaanotosta",
        "Respons på besöket hos socialhandledaren",
        "Feedback on your visit to the social instructor",
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
                "Saitko käynnistä apua tilanteeseesi?",
                "Fick du hjälp med din situation vid besöket?",
                "Did the visit help you with your situation?",
            ),
            required=True,
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
                Opt(
                    "meet_again",
                    T(
                        "Sovimme uuden tapaamisen",
                        "Vi kom överens om ett nytt möte",
                        "We agreed to meet again",
                    ),
                ),
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
    key="espoo_staff_survey",
    version=1,
    audience=api.FeedbackAudience.STAFF_SURVEY,
    municipalities=("049",),
    title=T(
        "Terveydenhuollon henkilöstön vuosikysely: sosiaaliohjaus terveysasemilla",
        "Årlig enkät till vårdpersonalen: social handledning på hälsostationerna",
        "Yearly survey of health staff: social guidance at the health stations",
    ),
    questions=(
        Q.choice(
            "patients_referred",
            T(
                "Kuinka monta potilasta ohjasit sosiaaliohjaajalle tänä vuonna?",
                "Hur många patienter hänvisade du till socialhandledaren i år?",
                "How many patients did you refer to the social instructor this year?",
            ),
            (
                Opt("none", T("En yhtään", "Inga", "None")),
                Opt("one_to_five", T("1–5", "1–5", "1–5")),
                Opt("six_to_twenty", T("6–20", "6–20", "6–20")),
                Opt("over_twenty", T("Yli 20", "Över 20", "More than 20")),
            ),
            required=True,
        ),
        Q.scale(
            "easy_to_book",
            T(
                f"Ajan varaaminen potilaalle oman vastaanoton aikana on helppoa ({AGREE.fi})",
                f"Det är lätt att boka en tid åt patienten under mottagningen ({AGREE.sv})",
                f"Booking a time for the patient during my appointment is easy ({AGREE.en})",
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
        Q.yes_partly_no(
            "consultation_works",
            T(
                "Saan sosiaaliohjaajalta konsultaatiota, kun tarvitsen",
                "Jag får konsultation av socialhandledaren när jag behöver",
                "I can consult the social instructor when I need to",
            ),
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
