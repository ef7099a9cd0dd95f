// A real OpenID provider (the oidc-provider package) for the sign-in tests, on 127.0.0.1.
//
//   node oidc_provider.mjs CONFIG.json
//
// CONFIG names the issuer (http://127.0.0.1:<port>), the port, the clients, the signing keys
// (private JWKs: the test rotates them by starting the provider again with others) and a file
// of accounts ({"<id>": {claims}}), read at each sign-in so that a test can take a group away.
// The login page is a plain form: the account's id, no password; consent is given at once.
// Prints "ready" when it listens.
import fs from "node:fs";
import http from "node:http";

import Provider from "oidc-provider";

const config = JSON.parse(fs.readFileSync(process.argv[2], "utf8"));

function accounts() {
  return JSON.parse(fs.readFileSync(config.accountsFile, "utf8"));
}

const provider = new Provider(config.issuer, {
  clients: config.clients,
  jwks: { keys: config.keys },
  pkce: { required: () => true },
  scopes: ["openid", "profile", "email", "groups"],
  claims: {
    openid: ["sub"],
    profile: ["name", "preferred_username"],
    email: ["email"],
    groups: ["groups"],
  },
  // every granted claim in the id_token itself, as Entra ID and AD FS put groups there
  conformIdTokenClaims: false,
  ttl: { IdToken: config.idTokenTtl ?? 3600 },
  cookies: { keys: ["sotesilta-test-provider-cookie-key"] },
  features: { devInteractions: { enabled: false }, rpInitiatedLogout: { enabled: true } },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, id) {
    const claims = accounts()[id];
    if (!claims) return undefined;
    return { accountId: id, claims: async () => ({ sub: id, ...claims }) };
  },
  // first-party: the user consents to every scope the client asks for, without a page
  async loadExistingGrant(ctx) {
    const grant = new ctx.oidc.provider.Grant({
      clientId: ctx.oidc.client.clientId,
      accountId: ctx.oidc.session.accountId,
    });
    grant.addOIDCScope(ctx.oidc.params.scope);
    await grant.save();
    return grant;
  },
});

function readForm(req) {
  return new Promise((resolve, reject) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => resolve(new URLSearchParams(body)));
    req.on("error", reject);
  });
}

const callback = provider.callback();
const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, config.issuer);
  const match = url.pathname.match(/^\/interaction\/([^/]+)(\/login)?$/);
  if (!match) return callback(req, res);
  try {
    const details = await provider.interactionDetails(req, res);
    if (req.method === "GET") {
      res.setHeader("Content-Type", "text/html; charset=utf-8");
      res.end(
        `<!doctype html><title>Test provider</title><form method="post" action="/interaction/${details.uid}/login">` +
          `<label>Account <input name="login" autofocus></label><button type="submit">Sign in</button></form>`,
      );
      return;
    }
    const form = await readForm(req);
    const login = form.get("login") || "";
    if (!accounts()[login]) {
      res.statusCode = 403;
      res.end("unknown account");
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
  } catch (error) {
    res.statusCode = 400;
    res.end(String(error));
  }
});

server.listen(config.port, "127.0.0.1", () => {
  process.stdout.write("ready\n");
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
