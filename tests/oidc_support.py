"""A real OpenID provider for the sign-in tests: the oidc-provider package (npm), started by
``tests/system/browser/oidc_provider.mjs`` on a free port of 127.0.0.1, and a browser's walk
through its login form."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

import httpx
import pytest
from joserfc.jwk import RSAKey
from server_support import free_port

BROWSER_TOOLS = Path(__file__).parent / "system" / "browser"
SCRIPT = BROWSER_TOOLS / "oidc_provider.mjs"
CLIENT_ID = "sotesilta"
CLIENT_SECRET = "sotesilta-test-client-secret-0123456789"
OTHER_CLIENT_ID = "another-app"
#: where the in-process app says it lives (the Litestar test client's host)
APP_BASE = "http://testserver"


def signing_key(kid: str) -> dict[str, Any]:
    key = RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"})
    return dict(key.as_dict(private=True))


class OpenIdProvider:
    """One provider process; ``restart`` brings it back on the same port with other keys."""

    def __init__(self, folder: Path, *, app_base: str = APP_BASE, id_token_ttl: int = 3600) -> None:
        if shutil.which("node") is None or not (BROWSER_TOOLS / "node_modules" / "oidc-provider").is_dir():
            pytest.skip("needs node and `npm ci --prefix tests/system/browser` (.ci/run does)")
        self.folder = folder
        self.app_base = app_base
        self.port = free_port()
        self.issuer = f"http://127.0.0.1:{self.port}"
        self.accounts_file = folder / "accounts.json"
        self.accounts: dict[str, dict[str, Any]] = {}
        self.id_token_ttl = id_token_ttl
        self.keys = [signing_key("key-1")]
        self.process: subprocess.Popen[bytes] | None = None
        self.save_accounts()

    def save_accounts(self) -> None:
        self.accounts_file.write_text(json.dumps(self.accounts))

    def set_account(self, account: str, **claims: Any) -> None:
        self.accounts[account] = claims
        self.save_accounts()

    def start(self) -> None:
        callback = f"{self.app_base}/login/oidc/lu/callback"
        client = {
            "redirect_uris": [callback],
            "post_logout_redirect_uris": [f"{self.app_base}/login"],
            "grant_types": ["authorization_code"],
            "response_types": ["code"],
            "token_endpoint_auth_method": "client_secret_basic",
        }
        config = {
            "issuer": self.issuer,
            "port": self.port,
            "accountsFile": str(self.accounts_file),
            "idTokenTtl": self.id_token_ttl,
            "keys": self.keys,
            "clients": [
                {**client, "client_id": CLIENT_ID, "client_secret": CLIENT_SECRET},
                {**client, "client_id": OTHER_CLIENT_ID, "client_secret": CLIENT_SECRET},
            ],
        }
        path = self.folder / "provider.json"
        path.write_text(json.dumps(config))
        log = self.folder / "provider.log"
        with log.open("w") as output:
            # its warnings (e.g. of the Node version) go to the log, never into a full pipe
            self.process = subprocess.Popen(
                ["node", str(SCRIPT), str(path)],
                cwd=BROWSER_TOOLS,
                stdout=output,
                stderr=subprocess.STDOUT,
            )
        # no deadline of its own: a hanging start is stopped by the run's timeout
        while "ready" not in log.read_text().splitlines():
            if self.process.poll() is not None:
                raise AssertionError(f"the OpenID provider did not start: {log.read_text()}")
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=30)
            self.process = None

    def restart(self, keys: list[dict[str, Any]]) -> None:
        self.stop()
        self.keys = keys
        self.start()

    def settings(self, **mapping: Any) -> dict[str, Any]:
        """Sotesilta's settings for this provider (as ``[oidc_providers.lu]``)."""
        return {
            "county": "03",
            "label": "Länsi-Uusimaa",
            "issuer": self.issuer,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
            "scopes": ["openid", "profile", "email", "groups"],
            "roles": {
                "sg-nurses": ["health_staff"],
                "sg-instructors": ["instructor"],
                "sg-admins": ["admin"],
            },
            "municipalities": {"sg-espoo": ["049"], "sg-lohja": ["444"], "sg-paijat-hame": ["398"]},
            **mapping,
        }


def log_in_at_provider(authorization_url: str, account: str) -> str:
    """What a browser does at the provider: open the authorization URL, type the account into
    the login form, send it; the address the provider sends the browser back to."""
    with httpx.Client(follow_redirects=False, timeout=30) as browser:
        response = browser.get(authorization_url)
        while response.is_redirect:
            target = urljoin(str(response.url), response.headers["location"])
            if target.startswith(APP_BASE):
                return target
            response = browser.get(target)
        form = re.search(r'action="([^"]+)"', response.text)
        assert response.status_code == 200 and form is not None, response.text
        response = browser.post(urljoin(str(response.url), form.group(1)), data={"login": account})
        while response.is_redirect:
            target = urljoin(str(response.url), response.headers["location"])
            if target.startswith(APP_BASE):
                return target
            response = browser.get(target)
        raise AssertionError(
            f"the provider did not send the browser back: {response.status_code} {response.text}"
        )


def callback_path(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


def query_of(url: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(url).query).items()}
