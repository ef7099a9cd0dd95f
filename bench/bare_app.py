"""The yardstick: a bare Litestar JSON endpoint, served with the same server settings."""

from litestar import Litestar, get


@get("/bare", sync_to_thread=False)
def bare() -> dict[str, str]:
    return {"status": "ok"}


app = Litestar([bare])
