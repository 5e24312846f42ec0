// A real OpenID Connect provider (npm `oidc-provider`) for the hub's sign-in tests, on
// 127.0.0.1 and a free port. Configured from the environment:
//   OIDC_REDIRECT_URI  the hub's callback (http://127.0.0.1:PORT/login/oidc/callback)
//   OIDC_CLIENT_ID, OIDC_CLIENT_SECRET
//   OIDC_ACCOUNTS      JSON: { "<login>": { "email": …, "email_verified": true, "hd": …, "tid": … } }
// Prints `oidc-provider listening on http://127.0.0.1:PORT` once it serves. Its development
// sign-in and consent forms (devInteractions) take any login name listed in OIDC_ACCOUNTS.
import http from 'node:http';
import Provider from 'oidc-provider';

const accounts = JSON.parse(process.env.OIDC_ACCOUNTS ?? '{}');
const server = http.createServer();
server.listen(0, '127.0.0.1', () => {
  const { port } = server.address();
  const issuer = `http://127.0.0.1:${port}`;
  const provider = new Provider(issuer, {
    clients: [{
      client_id: process.env.OIDC_CLIENT_ID,
      client_secret: process.env.OIDC_CLIENT_SECRET,
      redirect_uris: [process.env.OIDC_REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
    }],
    claims: { openid: ['sub'], email: ['email', 'email_verified', 'hd', 'tid'] },
    // The claims go into the ID token itself, as Google's and Entra's do.
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    features: { devInteractions: { enabled: true } },
    async findAccount(_ctx, id) {
      const claims = accounts[id];
      if (!claims) return undefined;
      return { accountId: id, async claims() { return { sub: id, ...claims }; } };
    },
  });
  provider.on('server_error', (_ctx, error) => console.error('oidc-provider:', error));
  server.on('request', provider.callback());
  console.log(`oidc-provider listening on ${issuer}`);
});
