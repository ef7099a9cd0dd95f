"""``sotesilta demo``: the core's half of the demo; plugins add theirs via a hook."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from functools import partial
from typing import cast

from sqlalchemy import select
from sqlmodel import col

from sotesilta.core.accounts import service as accounts
from sotesilta.core.accounts.domain import validate_password
from sotesilta.core.accounts.tables import UserAccount
from sotesilta.core.consultations import public as consultations
from sotesilta.core.demo.bookings import write_demo_bookings
from sotesilta.core.demo.feedback import write_demo_feedback
from sotesilta.core.demo.rehab import RehabHistory
from sotesilta.core.demo.statistics import write_demo_history
from sotesilta.core.kernel.clock import HELSINKI
from sotesilta.core.kernel.errors import InputInvalid
from sotesilta.core.kernel.plugins.manager import Plugins
from sotesilta.core.kernel.plugins.registry import MunicipalityRegistry
from sotesilta.core.kernel.sealing import Sealer
from sotesilta.core.kernel.uow import UnitOfWork
from sotesilta.core.organisations import service as organisations
from sotesilta.core.organisations.domain import Language, WorkerTitle
from sotesilta.core.organisations.tables import ServiceUnit, Station, Worker
from sotesilta.core.scheduling.service import sessions
from sotesilta.core.scheduling.tables import SessionRule
from sotesilta.core.statistics.domain.reports import Measure


@dataclass
class DemoUser:
    username: str
    password: str | None  # None when an existing user kept its password
    roles: tuple[str, ...]
    municipalities: tuple[str, ...]


@dataclass
class DemoLoader:
    """Implements the ``DemoBuilder`` protocol that plugins receive.

    Idempotent: a user or worker that exists is left as it is (with a given
    ``--password`` the password is reset, so the README's command always works).
    """

    #: makes units of work (``Runtime.uow``); the loader's run at its moment, ``now``
    uow_factory: Callable[..., UnitOfWork]
    now: datetime
    password_for: Callable[[str], str]
    reset_passwords: bool
    registry: MunicipalityRegistry = field(default_factory=MunicipalityRegistry)
    users: list[DemoUser] = field(default_factory=list)
    #: what the client-data parts of the demo need (rehab_history)
    plugins: Plugins | None = None
    sealer: Sealer | None = None
    index_key: bytes = b""

    def __post_init__(self) -> None:
        self.uow_factory = partial(self.uow_factory, now=self.now)

    def rehab_history(self, *, username: str, municipality: str, clients: int = 30, seed: int = 9) -> int:
        if self.plugins is None or self.sealer is None:
            raise InputInvalid("this demo loader cannot make client data")
        history = RehabHistory(
            self.uow_factory, self.registry, self.plugins, self.sealer, self.index_key, self.now
        )
        return history.load(username=username, municipality=municipality, clients_count=clients, seed=seed)

    def statistics_history(
        self,
        *,
        municipality: str,
        first_year: int,
        monthly_clients: int,
        measures: Sequence[str],
        self_referred_share: float = 0.0,
        seed: int = 17,
    ) -> int:
        if self.plugins is None:
            raise InputInvalid("this demo loader cannot write statistics")
        return write_demo_history(
            self.uow_factory,
            self.plugins.code_lists,
            municipality=municipality,
            first_year=first_year,
            last_year=self.now.astimezone(HELSINKI).year - 1,
            monthly_clients=monthly_clients,
            measures=[Measure(m) for m in measures],
            self_referred_share=self_referred_share,
            now=self.now,
            seed=seed,
        )

    def feedback(self, *, form_key: str, municipality: str, responses: int = 40, seed: int = 7) -> int:
        if self.plugins is None or self.sealer is None:
            raise InputInvalid("this demo loader cannot write feedback")
        profile = self.registry.get(municipality)
        return write_demo_feedback(
            self.uow_factory,
            self.plugins.feedback_forms,
            form_key=form_key,
            municipality=municipality,
            responses=responses,
            station_keys=tuple(s.key for s in profile.stations) if profile else (),
            now=self.now,
            seed=seed,
        )

    def shl_receivers(self) -> int:
        """After the plugins' part: each county's SHL notifications go to the first unit its
        plugins supply, unless its admin named one already (an admin changes it at
        /admin/shl-receiver). How many counties were given one now."""
        first: dict[str, str] = {}
        for profile in self.registry.all():
            if profile.county.units:
                first.setdefault(profile.county.code, profile.county.units[0].key)
        named = 0
        for county, unit in sorted(first.items()):
            with self.uow_factory() as uow:
                named += consultations.name_receiver_unless_named(uow, county=county, unit_key=unit)
        return named

    def sample_bookings(self, per_nurse: int = 2) -> int:
        """After the plugins' part: a few upcoming bookings by each demo nurse (core's, not a
        hook: every municipality's nurses book the same way)."""
        nurses = [u.username for u in self.users if "health_staff" in u.roles]
        return write_demo_bookings(self.uow_factory, nurses, per_nurse)

    def user(
        self,
        *,
        username: str,
        display_name: str,
        roles: Sequence[str],
        municipalities: Sequence[str],
        station_keys: Sequence[str] = (),
        language: str = "fi",
    ) -> int:
        with self.uow_factory() as uow:
            existing = uow.session.scalar(select(UserAccount).where(col(UserAccount.username) == username))
            if existing is not None:
                password = self.password_for(username) if self.reset_passwords else None
                if password is not None:
                    accounts.set_password(uow, username=username, password=password)
                self.users.append(DemoUser(username, password, tuple(roles), tuple(municipalities)))
                assert existing.id is not None
                return existing.id
            password = self.password_for(username)
            created = accounts.add_user(
                uow,
                username=username,
                display_name=display_name,
                password=password,
                roles=roles,
                municipalities=municipalities,
                station_keys=station_keys,
                language=language,
            )
        self.users.append(DemoUser(username, password, tuple(roles), tuple(municipalities)))
        return created.id

    def worker(
        self,
        *,
        display_name: str,
        title: str,
        languages: Sequence[str],
        unit: str,
        municipalities: Sequence[str],
        stations: Sequence[str] = (),
        username: str | None = None,
    ) -> int:
        """A worker of ``unit`` (its key) serving ``municipalities``, made through the
        admins' own use case; linked to ``username``'s account when given."""
        try:
            draft_title = WorkerTitle(title)
            draft_languages = tuple(Language(language) for language in languages)
        except ValueError as error:
            raise InputInvalid(f"demo worker {display_name!r}: {error}") from None
        with self.uow_factory() as uow:
            session = uow.session
            unit_id = organisations.unit_id_of(uow, unit)
            # the same name in the same county: a worker made earlier, perhaps moved to
            # another unit by the admins (or by migration 0012), is left as it is
            existing = session.scalar(
                select(col(Worker.id)).where(
                    col(Worker.display_name) == display_name,
                    col(Worker.county_code)
                    == select(col(ServiceUnit.county_code))
                    .where(col(ServiceUnit.id) == unit_id)
                    .scalar_subquery(),
                )
            )
            if existing is not None:
                return existing
            user_id = None
            if username is not None:
                user_id = session.scalar(
                    select(col(UserAccount.id)).where(col(UserAccount.username) == username)
                )
                if user_id is None:
                    raise InputInvalid(f"demo worker refers to unknown user {username!r}")
            found = session.scalars(select(col(Station.id)).where(col(Station.key).in_(stations)))
            station_ids = cast("list[int]", list(found))  # primary keys read back are never None
            created = organisations.create_worker(
                uow,
                by=None,
                draft=organisations.WorkerDraft(
                    display_name=display_name,
                    title=draft_title,
                    languages=draft_languages,
                    unit_id=unit_id,
                    municipalities=tuple(municipalities),
                    station_ids=tuple(station_ids),
                    user_id=user_id,
                ),
            )
        return created.id

    def session_rule(
        self,
        *,
        worker: str,
        station_key: str,
        weekday: int,
        start: str,
        end: str,
        interval_weeks: int = 1,
        week_offset: int = 0,
        slot_minutes: int = 45,
        breaks: Sequence[tuple[str, str]] = (),
        walk_in: tuple[str, str] | None = None,
        walk_in_capacity: int = 0,
    ) -> int:
        """A repeating guidance session from the coming ``weekday`` (plus
        ``week_offset`` weeks); idempotent per worker, station and weekday."""
        today = self.now.astimezone(HELSINKI).date()
        first = today + timedelta(days=(weekday - today.weekday()) % 7 + 7 * week_offset)
        with self.uow_factory() as uow:
            session = uow.session
            worker_id = session.scalar(select(col(Worker.id)).where(col(Worker.display_name) == worker))
            station_id = session.scalar(select(col(Station.id)).where(col(Station.key) == station_key))
            if worker_id is None or station_id is None:
                raise InputInvalid(
                    f"demo session refers to unknown worker {worker!r} or station {station_key!r}"
                )
            existing = session.scalar(
                select(col(SessionRule.id)).where(
                    col(SessionRule.worker_id) == worker_id,
                    col(SessionRule.station_id) == station_id,
                    col(SessionRule.weekday) == weekday,
                )
            )
            if existing is not None:
                return existing
            admin = session.scalar(select(col(UserAccount.id)).order_by(col(UserAccount.id)).limit(1))
            draft = sessions.SessionRuleDraft(
                worker_id=worker_id,
                station_id=station_id,
                weekday=weekday,
                start=time.fromisoformat(start),
                end=time.fromisoformat(end),
                first_date=first,
                interval_weeks=interval_weeks,
                slot_minutes=slot_minutes,
                breaks=tuple((time.fromisoformat(a), time.fromisoformat(b)) for a, b in breaks),
                walk_in=(time.fromisoformat(walk_in[0]), time.fromisoformat(walk_in[1])) if walk_in else None,
                walk_in_capacity=walk_in_capacity,
            )
            rule, _ = sessions.save_session_rule(
                uow,
                draft=draft,
                created_by=admin or 0,
            )
            return rule.id or 0


def fixed_password(password: str) -> Callable[[str], str]:
    validate_password(password)
    return lambda _username: password
