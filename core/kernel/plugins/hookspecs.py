"""Every hook sotesilta offers, in one module.

Registration hooks receive a ``register`` callback instead of returning a value:
with several municipalities installed, a ``firstresult`` hook would answer only
for whichever registered last. Each hook is documented in ``docs/plugins.md``
and has a test (meta-tests in ``tests/kernel/test_plugin_meta.py`` enforce both).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sotesilta.core.kernel.plugins import hookspec
from sotesilta.core.kernel.plugins import hookspec_marker_firstresult as firstresult_hookspec

if TYPE_CHECKING:
    from sqlalchemy import Connection
    from sqlalchemy.orm import Session

    from sotesilta.core.kernel.events import DomainEvent
    from sotesilta.core.kernel.plugins.channels import ChannelRegister
    from sotesilta.core.kernel.plugins.feedback_forms import FeedbackFormRegister
    from sotesilta.core.kernel.plugins.registry import (
        BackgroundTaskRegister,
        CodeListRegister,
        CommandRegister,
        DemoBuilder,
        MunicipalityRegister,
        RouteRegister,
        StatisticsReportRegister,
    )
    from sotesilta.core.kernel.plugins.sections import SettingsRegister
    from sotesilta.core.kernel.privacy import AccessEvent, ConsentDecision, ConsentQuery
    from sotesilta.core.kernel.uow import UnitOfWork
    from sotesilta.core.scheduling.domain.bookings import BookingDraft


@hookspec
def sotesilta_register_municipalities(register: MunicipalityRegister) -> None:
    """Register this plugin's municipalities.

    Call ``register(profile)`` once per ``MunicipalityProfile`` (code, fi/sv names,
    county, age groups, stations with their booking modes). A code registered by
    two plugins stops start-up with an error naming both. Return nothing.
    """


@hookspec
def sotesilta_register_code_lists(register: CodeListRegister) -> None:
    """Add entries to code lists (reasons, topics, referral targets, ...).

    Call ``register(list_name, code, labels, municipality=None)``; ``labels``
    maps ``"fi"``, ``"sv"`` and ``"en"`` to display texts. ``municipality=None``
    makes the entry shared by all; a municipality code makes it local. The same
    code twice in one list (and scope) is refused at start-up. Return nothing.
    """


@hookspec
def sotesilta_register_routes(register: RouteRegister) -> None:
    """Add API route handlers (Litestar handlers or controllers).

    Call ``register(handler)``; paths should live under ``/api/v1/x/<plugin>/``.
    The core's authentication applies to them like any other route. Return
    nothing.
    """


@hookspec
def sotesilta_load_demo(demo: DemoBuilder) -> None:
    """Load this plugin's part of ``sotesilta demo``.

    Use ``demo.worker(...)`` and ``demo.user(...)``; both are idempotent, so the
    demo may be loaded again. Return nothing.
    """


@hookspec
def sotesilta_check() -> list[str] | None:
    """Report configuration problems for ``sotesilta check`` and ``/ready``.

    Return a list of human-readable problems (empty or ``None`` when all is
    well). Do not raise.
    """


@hookspec
def sotesilta_validate_booking(draft: BookingDraft) -> str | None:
    """Veto a booking about to be made in one of this plugin's municipalities.

    ``draft`` carries the municipality, station, time, mode, client age,
    reasons and language, never the client's identity. Return a reason (shown
    to the nurse, in Finnish or in all three languages) to refuse, or ``None``
    to let it through. Return ``None`` for municipalities that are not yours.
    The core has already checked the age group and the station's booking mode.
    """


@hookspec
def sotesilta_record_access(connection: Connection, event: AccessEvent) -> None:
    """Write one access-log entry for ``event`` on ``connection``, in its transaction.

    Called by every use case that reads or changes a client's data, before it
    commits: the entry and the access stand or fall together. ``connection`` is
    the use case's own SQLAlchemy ``Connection`` (Core statements; no ORM
    session, which the hottest use cases do not open). The built-in consent
    plugin implements it (hash-chained log); start-up fails when no plugin
    does. Return nothing; raise to refuse the access.
    """


@firstresult_hookspec
def sotesilta_consent_decision(session: Session, query: ConsentQuery) -> ConsentDecision | None:
    """Decide whether the client's consent covers ``query`` at ``query.at``.

    Return a ``ConsentDecision`` (allowed or not, the consent id used, a
    reason naming what is missing), or ``None`` to leave it to the next
    plugin. The first answer wins; a core default answers last: refused.
    """


@hookspec
def sotesilta_register_commands(register: CommandRegister) -> None:
    """Add ``sotesilta`` sub-commands (click commands or groups).

    Call ``register(command)``. A command receives no runtime: build one with
    ``sotesilta.core.plugin_api.open_runtime()``. Return nothing.
    """


@hookspec
def sotesilta_register_background_tasks(register: BackgroundTaskRegister) -> None:
    """Add work that every server process repeats in the background.

    Call ``register(name, run, every)``: ``run(engine)`` (the server's SQLAlchemy
    ``Engine``) is called in a daemon thread of its own, ``every`` seconds after the
    previous run ended, for as long as the server runs; an exception is logged and
    the next run comes on time. Several server processes run it at once, so a task
    that must run alone takes a lock in the database (the access log's chainer takes
    a PostgreSQL advisory lock). CLI commands and in-process test apps run no tasks.
    Return nothing.
    """


@hookspec
def sotesilta_event(event: DomainEvent) -> None:
    """Hear that a booking was made, cancelled or moved, a visit outcome recorded, or a
    consultation opened or answered: for local notifications, exports or counters.

    Called after the use case has committed, so the change stands whatever the
    plugin does; an exception is logged and the next plugin still hears the
    event. ``event`` carries the municipality, the subject's id, the time and
    plain facts, never a client's identity. Filter by ``event.municipality``.
    Return nothing; keep it quick (it runs in the request) or hand work to a
    queue of your own.
    """


@hookspec
def sotesilta_event_in_transaction(uow: UnitOfWork, event: DomainEvent) -> None:
    """Hear that a booking was made, moved or cancelled inside the use case's transaction,
    before it commits: to write what must stand or fall with the change, such as a message
    in the outbox (``uow.outbox.enqueue``).

    ``event`` is the one ``sotesilta_event`` hears after the commit. Read and write through
    ``uow`` (its connection; the booking path opens no ORM session) and never commit: an
    exception undoes the whole change, so keep to a few statements. Return nothing.
    """


@hookspec
def sotesilta_register_statistics_reports(register: StatisticsReportRegister) -> None:
    """Register this plugin's statistics reports.

    Call ``register(report)`` with a ``ReportDefinition``: a key, fi/sv/en
    titles, the municipality codes (and optionally the county) it covers, and
    its tables, each a ``TableSpec`` naming one of the core's measures
    (``Measure``) and the chart drawn from it. The core reads the aggregates,
    suppresses small numbers and draws the charts. A key registered twice stops
    start-up. Return nothing.
    """


@hookspec
def sotesilta_register_feedback_forms(register: FeedbackFormRegister) -> None:
    """Register this plugin's feedback forms.

    Call ``register(form)`` once per version of each ``FeedbackForm``: a key,
    a version, an audience (``client_visit``, ``staff_survey`` or ``rehab``),
    the municipality codes it serves, fi/sv/en texts and its questions (scale,
    yes/partly/no, choice, free text). Keep old versions registered so that
    their responses can still be read. The same key and version twice, a key
    of another plugin's, or two forms of one audience for a municipality stop
    start-up. Return nothing.
    """


@hookspec
def sotesilta_register_settings(register: SettingsRegister) -> None:
    """Declare this plugin's settings section.

    Call ``register(section, model)`` once, with the section's name (by convention the
    plugin's name) and a subclass of ``PluginSettings`` (pydantic-settings: fields with
    defaults, constraints and validators). Its values come from the environment,
    ``SOTESILTA_<SECTION>_<FIELD>``, over the TOML settings file's table ``[<section>]``,
    over the defaults; they are validated at start-up, every problem named. Read them with
    ``runtime.plugins.settings(model)``. A section name registered twice, or one whose
    variables would mix with core's settings, stops start-up. Return nothing.
    """


@hookspec
def sotesilta_register_channels(register: ChannelRegister) -> None:
    """Add delivery channels for the message outbox (e-mail, SMS, ...).

    Call ``register(name, channel)``: ``channel(delivery, settings)`` sends one ``Delivery``
    (recipient, subject, body, language, idempotency key, attempt) and returns, or raises
    ``DeliveryFailed`` (``permanent=True`` when retrying cannot help); ``settings(Model)``
    reads the plugin's settings section. It runs in the ``sotesilta worker`` process, never
    in a request; it may be called again for a message already delivered (at-least-once), so
    pass the idempotency key on. A name registered twice stops start-up. Return nothing.
    """
