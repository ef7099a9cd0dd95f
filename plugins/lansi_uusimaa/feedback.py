"""Länsi-Uusimaa's client feedback form, one version for every station of the county.

It brings Espoo's and Lohja's earlier forms together on the same questions
(their question keys are kept, so the figures read on): useful, listened to,
overall, next step, comments. Both earlier forms stay registered, retired, in
their municipalities' plugins so that their responses can still be read.
"""

from __future__ import annotations

from sotesilta.core import plugin_api as api

Q, T, Opt = api.FeedbackQuestion, api.Texts, api.FeedbackOption

COUNTY = "03"

CLIENT_VISIT = api.FeedbackForm(
    key="lansi_uusimaa_client_visit",
    version=1,
    audience=api.FeedbackAudience.CLIENT_VISIT,
    municipalities=(),
    county=COUNTY,
    title=T(
        "Palaute sosiaaliohjauksesta terveysasemalla",
        "Respons på den sociala handledningen vid hälsostationen",
        "Feedback on social guidance at the health station",
    ),
    intro=T(
        "Vastaat nimettömästi: vastauksiasi ei yhdistetä sinuun eikä käyntiisi. "
        "Länsi-Uudenmaan hyvinvointialue kysyy samat kysymykset kaikilla terveysasemillaan.",
        "Du svarar anonymt: dina svar kopplas inte till dig eller ditt besök. "
        "Västra Nylands välfärdsområde ställer samma frågor på alla sina hälsostationer.",
        "You answer anonymously: your answers are not linked to you or your visit. "
        "The Länsi-Uusimaa wellbeing services county asks the same questions at all its health stations.",
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
        Q.yes_partly_no("listened_to", T("Tulitko kuulluksi?", "Blev du hörd?", "Did you feel listened to?")),
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
