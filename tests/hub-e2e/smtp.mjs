// A real SMTP server on 127.0.0.1 for the hub's e-mail tests (npm `smtp-server`, messages read
// with `mailparser`): it wants one user and password, and keeps every message it is given.

import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';

/**
 * Listens on `port` (0: any free one). `mails`: `{raw, parsed, at, rcpt, user}` each; `port`;
 * `close()`.
 */
export async function startSmtp({ user, password, port = 0 }) {
  const mails = [];
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ['STARTTLS'],
    allowInsecureAuth: true,
    authOptional: false,
    logger: false,
    onAuth(auth, _session, done) {
      if (auth.username === user && auth.password === password) done(null, { user: auth.username });
      else done(new Error('Invalid username or password'));
    },
    onData(stream, session, done) {
      const chunks = [];
      stream.on('data', (c) => chunks.push(c));
      stream.on('end', async () => {
        const raw = Buffer.concat(chunks).toString('utf8');
        const parsed = await simpleParser(raw);
        mails.push({ raw, parsed, at: Date.now(), rcpt: session.envelope.rcptTo.map((r) => r.address), user: session.user });
        done();
      });
    },
  });
  await new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', ok);
  });
  return { mails, port: server.server.address().port, close: () => new Promise((ok) => server.close(ok)) };
}
