"""E-mail over SMTP: core's own delivery channel ``email``, a built-in plugin (``smtp``).

Configured by the settings section ``[smtp]`` (``SOTESILTA_SMTP_*``, see
docs/operators.md): the server, STARTTLS or implicit TLS, a username and password, the
sender. Each message carries a Message-ID derived from its idempotency key, the same on
every attempt, so a receiver can drop the copy a retry sends.

One connection per worker thread is kept open between messages and opened again when the
server has closed it: a batch does not pay a TLS handshake and a login per message.
"""

from __future__ import annotations

import smtplib
import ssl
import threading
from email.message import EmailMessage
from email.utils import formatdate, parseaddr
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, model_validator

from sotesilta.core.kernel.plugins import hookimpl
from sotesilta.core.kernel.plugins.channels import ChannelRegister, Delivery, DeliveryFailed, SettingsLookup
from sotesilta.core.kernel.plugins.sections import PluginSettings, SettingsRegister
from sotesilta.core.messages.domain import message_id

SECTION = "smtp"
CHANNEL = "email"


class SmtpSettings(PluginSettings):
    #: the SMTP server; unset, e-mail is not sent (messages wait, then go dead)
    host: str | None = None
    port: int = Field(default=587, ge=1, le=65535)
    #: ``starttls`` (submission, port 587), ``tls`` (implicit TLS, port 465) or ``none``
    #: (only for a relay on the same host or network)
    security: Literal["starttls", "tls", "none"] = "starttls"
    username: str | None = None
    password: SecretStr | None = None
    #: the From address, e.g. ``Sotesilta <no-reply@hyvaks.fi>``
    sender: str = "sotesilta@localhost"
    #: a CA bundle (PEM) to trust besides the system's: a county's own CA, a test server
    ca_file: Path | None = None
    timeout_seconds: float = Field(default=30.0, gt=0, le=600)
    #: the domain of Message-IDs (default: the sender's)
    message_id_domain: str | None = None

    @model_validator(mode="after")
    def _login_complete(self) -> SmtpSettings:
        if (self.username is None) != (self.password is None):
            raise ValueError("give both SOTESILTA_SMTP_USERNAME and SOTESILTA_SMTP_PASSWORD, or neither")
        if self.username is not None and self.security == "none":
            raise ValueError(
                "a password is never sent in the clear: set SOTESILTA_SMTP_SECURITY to starttls or tls"
            )
        return self

    def id_domain(self) -> str:
        if self.message_id_domain:
            return self.message_id_domain
        address = parseaddr(self.sender)[1]
        return address.rpartition("@")[2] or "localhost"


def compose(delivery: Delivery, settings: SmtpSettings) -> EmailMessage:
    mail = EmailMessage()
    mail.set_content(delivery.body)  # first: it replaces every Content- header
    mail["From"] = settings.sender
    mail["To"] = delivery.recipient
    mail["Subject"] = delivery.subject
    mail["Date"] = formatdate(localtime=False, usegmt=True)
    mail["Message-ID"] = message_id(delivery.idempotency_key, settings.id_domain())
    mail["Content-Language"] = delivery.language
    # a machine's message: no out-of-office answers back (RFC 3834)
    mail["Auto-Submitted"] = "auto-generated"
    if delivery.calendar is not None:
        add_calendar(mail, delivery.calendar)
    return mail


def calendar_method(calendar: str) -> str:
    """The iTIP method of an iCalendar object (its METHOD line), e.g. REQUEST or CANCEL."""
    for line in calendar.splitlines():
        if line.upper().startswith("METHOD:"):
            method = line.partition(":")[2].strip().upper()
            if method.isalpha():
                return method
    raise DeliveryFailed("the calendar part has no METHOD line", permanent=True)


def add_calendar(mail: EmailMessage, calendar: str) -> None:
    """The invitation beside the text, as calendar apps expect it (iMIP, RFC 6047 2.4): one
    ``multipart/alternative`` of the plain text and ``text/calendar; method=...``."""
    mail.add_alternative(
        calendar.encode(),
        maintype="text",
        subtype="calendar",
        params={"method": calendar_method(calendar), "charset": "utf-8"},
        cte="base64",  # keeps iCalendar's CRLF line ends and UTF-8 exactly as written
    )


def _tls_context(settings: SmtpSettings) -> ssl.SSLContext:
    context = ssl.create_default_context()
    if settings.ca_file is not None:
        context.load_verify_locations(cafile=str(settings.ca_file))
    return context


def connect(settings: SmtpSettings) -> smtplib.SMTP:
    if settings.host is None:
        raise DeliveryFailed("e-mail is not configured (SOTESILTA_SMTP_HOST)", permanent=True)
    smtp: smtplib.SMTP
    if settings.security == "tls":
        smtp = smtplib.SMTP_SSL(
            settings.host, settings.port, timeout=settings.timeout_seconds, context=_tls_context(settings)
        )
    else:
        smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds)
    try:
        smtp.ehlo()
        if settings.security == "starttls":
            smtp.starttls(context=_tls_context(settings))
            smtp.ehlo()
        if settings.username is not None and settings.password is not None:
            smtp.login(settings.username, settings.password.get_secret_value())
    except BaseException:
        smtp.close()
        raise
    return smtp


class _Connections(threading.local):
    smtp: smtplib.SMTP | None = None
    settings: SmtpSettings | None = None


_OPEN = _Connections()


def _connection(settings: SmtpSettings) -> smtplib.SMTP:
    if _OPEN.smtp is None or _OPEN.settings is not settings:
        close()
        _OPEN.smtp, _OPEN.settings = connect(settings), settings
    return _OPEN.smtp


def close() -> None:
    """Close this thread's kept connection (a worker stopping, a test ending)."""
    smtp, _OPEN.smtp = _OPEN.smtp, None
    if smtp is not None:
        try:
            smtp.quit()
        except (smtplib.SMTPException, OSError):
            smtp.close()


def _failure(exc: Exception) -> DeliveryFailed:
    """The failure in words fit for the admins' list: codes, never the address."""
    if isinstance(exc, DeliveryFailed):
        return exc
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = sorted({code for code, _ in exc.recipients.values()})
        return DeliveryFailed(
            f"the server refused the recipient ({', '.join(map(str, codes))})",
            permanent=all(500 <= c < 600 for c in codes),
        )
    if isinstance(exc, smtplib.SMTPAuthenticationError):
        # the settings are wrong: retried, in the hope that an operator fixes them
        return DeliveryFailed(f"the server refused the login ({exc.smtp_code})")
    if isinstance(exc, smtplib.SMTPResponseException):
        return DeliveryFailed(f"the server answered {exc.smtp_code}", permanent=500 <= exc.smtp_code < 600)
    if isinstance(exc, smtplib.SMTPNotSupportedError):
        return DeliveryFailed("the server does not offer what the settings ask (STARTTLS or AUTH)")
    if isinstance(exc, ssl.SSLError):
        return DeliveryFailed(f"TLS failed: {exc.reason or type(exc).__name__}")
    return DeliveryFailed(f"could not reach the SMTP server: {type(exc).__name__}")


def deliver(delivery: Delivery, settings: SettingsLookup) -> None:
    smtp_settings: SmtpSettings = settings(SmtpSettings)
    mail = compose(delivery, smtp_settings)
    for fresh in (False, True):
        try:
            smtp = _connection(smtp_settings)
            smtp.send_message(mail)
            return
        except smtplib.SMTPServerDisconnected as exc:
            # a kept connection the server closed meanwhile: once more, on a new one
            close()
            if fresh:
                raise _failure(exc) from exc
        except (smtplib.SMTPException, OSError) as exc:
            close()
            raise _failure(exc) from exc


@hookimpl
def sotesilta_register_settings(register: SettingsRegister) -> None:
    register(SECTION, SmtpSettings)


@hookimpl
def sotesilta_register_channels(register: ChannelRegister) -> None:
    register(CHANNEL, deliver)
