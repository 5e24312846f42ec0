// Under CI nothing may skip. A test file that cannot run here (no Chromium, no root, no built
// package) normally skips with the reason, so that a developer's machine without a browser still
// runs the rest; under `CI=true` (set by every CI service, and by .ci/run's callers) the same
// reason fails the file instead, so a run whose browser suites never ran can never be green.
// Every skip in tests/extension and tests/e2e goes through `skipOrFail`.

/** Whether a `CI` environment value means "this is CI": anything but unset, '', 0, false, no. */
export function isCi(value) {
  return value !== undefined && value !== null && !['', '0', 'false', 'no'].includes(String(value).trim().toLowerCase());
}

export const CI = isCi(process.env.CI);

/** What a test file is told when it may not skip. */
export class CannotRunUnderCi extends Error {
  constructor(reason) {
    super(`cannot run: ${reason}. Under CI=true a suite may not skip: install what it needs (scripts/setup.sh, scripts/build-wasm.sh, run as root)`);
    this.name = 'CannotRunUnderCi';
  }
}

/**
 * The `skip` option of a node:test `test`/`describe` for `reason` (a string, or null/false/''
 * when the test can run): the reason itself, or `false`. Under CI, a reason throws
 * `CannotRunUnderCi` instead, at the file's top level, so the file fails with it.
 *
 * @param {string|null|false|undefined} reason
 * @param {{ci?: boolean}} [options] `ci` overrides the environment (for this module's own test)
 * @returns {string|false}
 */
export function skipOrFail(reason, { ci = CI } = {}) {
  if (!reason) return false;
  if (ci) throw new CannotRunUnderCi(reason);
  return reason;
}
