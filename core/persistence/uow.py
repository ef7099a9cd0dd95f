"""Unit of work: one transaction per use case."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker


class UnitOfWork:
    """Opens a session; commits only when told to, rolls back otherwise.

    Use cases call ``commit()`` once at their end; anything raised before that
    leaves the database untouched.
    """

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self._session_factory = session_factory
        self._session: Session | None = None

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("unit of work used outside its 'with' block")
        return self._session

    def __enter__(self) -> UnitOfWork:
        self._session = self._session_factory()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        try:
            self.session.rollback()
        finally:
            self.session.close()
            self._session = None

    def commit(self) -> None:
        self.session.commit()

    def rollback(self) -> None:
        self.session.rollback()

    def add_unique(self, record: object, refusal: Exception) -> None:
        """Add and flush ``record``; when a unique or check constraint refuses it, raise ``refusal``.

        The database decides races (two requests at once both pass any check in
        code); the caller names what the refusal means.
        """
        self.session.add(record)
        try:
            self.session.flush()
        except IntegrityError:
            raise refusal from None
