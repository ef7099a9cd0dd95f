"""``sotesilta audit``: verify the access log, chain its pending entries, sign a checkpoint,
purge by retention."""

from __future__ import annotations

import sys
import time
from datetime import timedelta

import click
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from sotesilta.consent import audit
from sotesilta.core.plugin_api import AccessAction, AccessBasis, AccessEvent, open_runtime


@click.group("audit", help="The tamper-evident access log of client data.")
def audit_group() -> None:
    pass


@audit_group.command(
    "verify",
    help=(
        "Check the hash chain and the signed checkpoints; name the first broken entry; count the "
        "entries not chained yet. Exits 1 when broken, 2 when intact but some checkpoints are signed "
        "by a key not trusted, 3 when an entry has waited longer than --max-pending-age to be chained."
    ),
)
@click.option(
    "--max-pending-age",
    type=click.FloatRange(min=0),
    default=60.0,
    show_default=True,
    help="seconds an entry may wait to be chained before the chainer counts as stopped",
)
def verify(max_pending_age: float) -> None:
    with open_runtime() as runtime:
        settings = runtime.settings
        key = Ed25519PrivateKey.from_private_bytes(settings.audit_signing_key())
        earlier = [Ed25519PublicKey.from_public_bytes(bytes.fromhex(k)) for k in settings.audit_trusted_keys]
        result = audit.verify(runtime.engine, key.public_key(), *earlier)
        waited = result.pending_for(runtime.clock.now())
    if not result.ok:
        click.secho(f"access log BROKEN at entry {result.first_broken}: {result.problem}", fg="red", err=True)
        sys.exit(1)
    click.echo(f"access log intact: {result.entries} entries, {result.checkpoints} signed checkpoints")
    click.echo(
        f"{result.pending} entries pending (not chained yet)"
        + (f", the oldest written {waited:.1f} s ago" if result.pending else "")
    )
    if result.untrusted:
        keys = ", ".join(result.untrusted_keys)
        click.secho(
            f"{result.untrusted} checkpoints are signed by a key not trusted and were not used: {keys}. "
            "If it is an earlier audit key of yours (e.g. a lost audit.key), add its public key to "
            "SOTESILTA_AUDIT_TRUSTED_KEYS; if not, someone else signed them.",
            fg="yellow",
            err=True,
        )
        sys.exit(2)
    if waited > max_pending_age:
        click.secho(
            f"an entry has waited {waited:.0f} s to be chained: is any server or 'sotesilta audit chain "
            "--follow' running?",
            fg="yellow",
            err=True,
        )
        sys.exit(3)


@audit_group.command(
    "chain",
    help=(
        "Chain the entries written but not chained yet (PostgreSQL: servers do it in the background). "
        "With --follow, keep doing it, as a chainer process of its own."
    ),
)
@click.option("--follow", is_flag=True, help="keep chaining until stopped")
@click.option(
    "--every",
    type=click.FloatRange(min=0.01),
    default=audit.CHAIN_INTERVAL_S,
    show_default=True,
    help="seconds between looks, with --follow",
)
def chain(follow: bool, every: float) -> None:
    with open_runtime() as runtime:
        chained = audit.chain_pending(runtime.engine)
        if not follow:
            click.echo(f"chained {chained} entries")
            return
        click.echo("chaining; stop with Ctrl+C", err=True)
        while True:  # stopped by a signal; a chainer killed midway chains nothing of its batch
            time.sleep(every)
            audit.chain_pending(runtime.engine)


@audit_group.command(
    "public-key", help="Print the audit key's public key (hex): keep it to trust its checkpoints later."
)
def public_key() -> None:
    with open_runtime() as runtime:
        key = Ed25519PrivateKey.from_private_bytes(runtime.settings.audit_signing_key())
    click.echo(key.public_key().public_bytes_raw().hex())


@audit_group.command("checkpoint", help="Sign the current end of the chain (run e.g. hourly).")
def checkpoint() -> None:
    with open_runtime() as runtime:
        key = Ed25519PrivateKey.from_private_bytes(runtime.settings.audit_signing_key())
        seq = audit.checkpoint(runtime.engine, key, runtime.clock.now())
    click.echo("nothing to sign yet" if seq is None else f"signed the chain up to entry {seq}")


@audit_group.command("purge", help="Delete entries older than the retention period; the purge is logged.")
@click.option("--user-id", type=int, required=True, help="the operator's user id, for the log entry")
def purge(user_id: int) -> None:
    with open_runtime() as runtime:
        years = runtime.settings.access_log_retention_years
        now = runtime.clock.now()
        removed = audit.purge(runtime.engine, now - timedelta(days=round(365.25 * years)))
        with runtime.uow() as uow:
            runtime.plugins.record_access(
                uow.connection,
                AccessEvent(
                    at=now,
                    user_id=user_id,
                    role="admin",
                    action=AccessAction.UPDATE,
                    subject_type="access_log",
                    subject_id=0,
                    client_id=None,
                    basis=AccessBasis.TASK,
                    reason=f"retention purge: {removed} entries older than {years} years",
                ),
            )
            uow.commit()
    click.echo(f"purged {removed} entries older than {years} years")
