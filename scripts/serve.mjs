#!/usr/bin/env node
// A tiny static file server for the demo page, with no dependencies.
//
//   node scripts/serve.mjs [PORT] [ROOT]     (or PORT=8080 node scripts/serve.mjs)
//
// Serves ROOT (default: www/ next to this script's folder) on 127.0.0.1 only: the demo is for
// this machine, and the browser tests. Port 0 picks a free port. Prints `serving ROOT at URL`
// once listening, so a caller (scripts/run.sh, tests/e2e) can read the address from stdout.
// Also importable: `const { server, url } = await serve({ root, port })`.

import { createServer } from 'node:http';
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(new URL('.', import.meta.url));
export const DEFAULT_ROOT = resolve(HERE, '..', 'www');
export const DEFAULT_PORT = 8080;

// `application/wasm` is what lets `WebAssembly.instantiateStreaming` compile while downloading.
export const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.wasm': 'application/wasm',
  '.ts': 'text/plain; charset=utf-8',
  '.toml': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/plain; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.sgr': 'application/octet-stream',
};

/** The file a request path names inside `root`, or null when it would leave `root`. */
export function resolveInside(root, urlPath) {
  let decoded;
  try {
    decoded = decodeURIComponent(urlPath.split('?')[0].split('#')[0]);
  } catch {
    return null; // malformed %-escapes
  }
  if (decoded.includes('\0')) return null;
  const file = resolve(root, '.' + (decoded.startsWith('/') ? decoded : '/' + decoded));
  // Compare against root plus a separator, so `/www-secret` never passes for `/www`.
  return file === root || file.startsWith(root + sep) ? file : null;
}

function send(res, status, text) {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', 'x-content-type-options': 'nosniff' });
  res.end(text);
}

async function handle(root, req, res) {
  if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'method not allowed\n');
  let file = resolveInside(root, req.url ?? '/');
  if (!file) return send(res, 403, 'forbidden\n');
  let info = await stat(file).catch(() => null);
  if (info?.isDirectory()) {
    file = join(file, 'index.html');
    info = await stat(file).catch(() => null);
  }
  if (!info?.isFile()) return send(res, 404, 'not found\n');
  // A symbolic link inside the root must not lead outside it either.
  const real = await realpath(file).catch(() => null);
  if (!real || !real.startsWith(root + sep)) {
    return send(res, 403, 'forbidden\n');
  }
  res.writeHead(200, {
    'content-type': MIME[extname(file).toLowerCase()] ?? 'application/octet-stream',
    'content-length': info.size,
    'x-content-type-options': 'nosniff',
    // A demo under active development: always serve what is on disk now.
    'cache-control': 'no-store',
  });
  if (req.method === 'HEAD') return res.end();
  createReadStream(file).on('error', () => res.destroy()).pipe(res);
}

/** Starts the server; resolves once it listens, with its address. */
export async function serve({ root = DEFAULT_ROOT, port = DEFAULT_PORT, host = '127.0.0.1' } = {}) {
  // The real path, so links inside the root compare against where the root really is.
  const absRoot = await realpath(resolve(root));
  const server = createServer((req, res) => {
    handle(absRoot, req, res).catch(() => send(res, 500, 'internal error\n'));
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      const { port: actual } = server.address();
      ok({ server, url: `http://${host}:${actual}/`, root: absRoot });
    });
  });
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const port = Number(process.argv[2] ?? process.env.PORT ?? DEFAULT_PORT);
  const root = process.argv[3] ?? process.env.ROOT ?? DEFAULT_ROOT;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`serve.mjs: bad port ${process.argv[2] ?? process.env.PORT}`);
    process.exit(2);
  }
  serve({ root, port }).then(
    ({ url, root: served }) => console.log(`serving ${served} at ${url}`),
    (e) => {
      console.error(`serve.mjs: cannot listen on 127.0.0.1:${port}: ${e.message}`);
      process.exit(1);
    },
  );
}
