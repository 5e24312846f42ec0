// scripts/serve.mjs, the demo's static server: MIME types the browser needs (application/wasm
// for streaming compilation, text/javascript for modules), and no way out of its root.

import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { resolveInside, serve } from '../../scripts/serve.mjs';

const dir = mkdtempSync(join(tmpdir(), 'schoolgate-serve-'));
const root = join(dir, 'www');
mkdirSync(join(root, 'pkg'), { recursive: true });
writeFileSync(join(root, 'index.html'), '<!doctype html><title>t</title>');
writeFileSync(join(root, 'pkg', 'm.js'), 'export {};');
writeFileSync(join(root, 'pkg', 'm.wasm'), Buffer.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0]));
writeFileSync(join(dir, 'secret.txt'), 'secret');
mkdirSync(join(dir, 'www-other'));
writeFileSync(join(dir, 'www-other', 'x.txt'), 'x');
symlinkSync(join(dir, 'secret.txt'), join(root, 'link.txt'));

const { server, url } = await serve({ root, port: 0 });
after(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A raw GET: the path is sent exactly as written (fetch would normalise `..` away). */
function get(path, method = 'GET') {
  return new Promise((ok, fail) => {
    const req = request(new URL(url), { path, method }, (res) => {
      let body = '';
      res.on('data', (c) => (body += c));
      res.on('end', () => ok({ status: res.statusCode, type: res.headers['content-type'], body }));
    });
    req.on('error', fail);
    req.end();
  });
}

test('listens on 127.0.0.1 only and serves index.html for /', async () => {
  assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
  const res = await get('/');
  assert.equal(res.status, 200);
  assert.equal(res.type, 'text/html; charset=utf-8');
});

test('MIME types: application/wasm and text/javascript', async () => {
  assert.equal((await get('/pkg/m.wasm')).type, 'application/wasm');
  assert.equal((await get('/pkg/m.js')).type, 'text/javascript; charset=utf-8');
  assert.equal((await get('/pkg/m.js?v=1')).status, 200);
});

test('no directory traversal, encoded or not, and no way out through a link', async () => {
  for (const path of ['/../secret.txt', '/%2e%2e/secret.txt', '/..%2fsecret.txt', '/pkg/..%2f..%2fsecret.txt', '/../www-other/x.txt', '/%00', '/%E0%A4%A']) {
    const res = await get(path);
    assert.ok(res.status === 403 || res.status === 404, `${path}: ${res.status}`);
    assert.ok(!res.body.includes('secret'), path);
  }
  assert.equal((await get('/link.txt')).status, 403);
  assert.equal((await get('/missing.html')).status, 404);
  assert.equal((await get('/', 'POST')).status, 405);
  assert.equal(resolveInside('/srv/www', '/../www2/x'), null);
  assert.equal(resolveInside('/srv/www', '/a/../b.js'), '/srv/www/b.js');
});
