"""Länsi-Uusimaa's online self-assessment: neutral questions of our own, one per need of
the shared client definition (Espoo and Lohja's operating model), and a free word.

Registered as a county feedback form of the ``self_assessment`` audience: the core
shows it on ``/self-assessment/03`` and stores its answers with the contact request the
person may send. A county that licenses a validated questionnaire registers that
instead (a new version of this key, or a form of its own).
"""

from __future__ import annotations

from sotesilta.core import plugin_api as api
from sotesilta.plugins.lansi_uusimaa.feedback import COUNTY

Q, T = api.FeedbackQuestion, api.Texts


def _need(key: str, fi: str, sv: str, en: str) -> api.FeedbackQuestion:
    return Q.yes_partly_no(key, T(fi, sv, en))


SELF_ASSESSMENT = api.FeedbackForm(
    key="lansi_uusimaa_self_assessment",
    version=1,
    audience=api.FeedbackAudience.SELF_ASSESSMENT,
    municipalities=(),
    county=COUNTY,
    title=T("Oma-arvio", "Självbedömning", "Self-assessment"),
    intro=T(
        "Mieti viime aikoja. Vastaa niihin kysymyksiin, joihin haluat.",
        "Tänk på den senaste tiden. Svara på de frågor du vill.",
        "Think of recent weeks. Answer the questions you want to.",
    ),
    questions=(
        _need(
            "service_mapping",
            "Tarvitsetko tietoa sosiaalipalveluista tai neuvoja siitä, mistä saisit apua?",
            "Behöver du information om socialservice eller råd om var du kan få hjälp?",
            "Do you need information about social services, or advice on where to get help?",
        ),
        _need(
            "life_situation",
            "Huolestuttaako sinua asuminen, raha-asiat tai elämäntilanteesi?",
            "Oroar du dig för boendet, pengarna eller din livssituation?",
            "Are you worried about housing, money or your life situation?",
        ),
        _need(
            "everyday_management",
            "Onko arjen asioiden hoitaminen viime aikoina ollut vaikeaa?",
            "Har det varit svårt att klara vardagen på sistone?",
            "Has managing everyday things been hard lately?",
        ),
        _need(
            "rehabilitation_assessment",
            "Mietitkö kuntoutusta tai sitä, miten jaksat töissä tai opiskelussa?",
            "Funderar du på rehabilitering eller på hur du orkar med arbete eller studier?",
            "Are you thinking about rehabilitation, or about how you cope with work or studies?",
        ),
        _need(
            "loneliness",
            "Tunnetko itsesi yksinäiseksi, tai puuttuuko päivistäsi mielekäs tekeminen?",
            "Känner du dig ensam, eller saknar dina dagar meningsfull sysselsättning?",
            "Do you feel lonely, or do your days lack something meaningful to do?",
        ),
        _need(
            "substance_use",
            "Vaikeuttaako alkoholi, lääkkeet tai muut päihteet arkeasi?",
            "Gör alkohol, läkemedel eller andra substanser din vardag svårare?",
            "Do alcohol, medicines or other substances make your everyday life harder?",
        ),
        Q.free_text(
            "own_words",
            T(
                "Haluatko kertoa tilanteestasi omin sanoin?",
                "Vill du berätta om din situation med egna ord?",
                "Would you like to describe your situation in your own words?",
            ),
            max_length=1000,
        ),
    ),
)
