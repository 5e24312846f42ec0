// How the build asks the package for the facts the core owns (scripts/build-extension.sh writes
// them to extension/core-facts.js), so the extension never keeps a copy of its own:
//
// - the locked categories: a one-host list per category the built-in policy names, classified
//   for every built-in group; a category is locked when the core's verdict says `locked`;
// - the built-in groups (name, label, preset, staff), in the core's order, strictest first;
// - the core's own tables, as the package's `coreFacts()` gives them: every category it knows,
//   the presets youngest first, and the search engines (their domains, the names matched before
//   any country suffix, the hosts a SafeSearch header goes to).
//
// Also run by tests/extension/layout-unit.test.mjs against the package, to check the generated file.

const probeHost = (category) => `probe-${category}.core-facts.invalid`;

/** `{lockedCategories, groups, categories, presets, searchEngines}` from an initialised package. */
export function coreFacts(pkg) {
  const builtin = new pkg.Schoolgate();
  try {
    const categories = Object.keys(builtin.policy().categories).sort();
    const groups = builtin.groups().map(({ name, label, preset, staff }) => ({ name, label, preset: preset ?? null, staff }));
    const compiled = pkg.compileLists(categories.map((category) => ({ name: `probe:${category}`, category, format: 'domains', text: `${probeHost(category)}\n` })));
    const probe = pkg.Schoolgate.fromPolicy(pkg.defaultPolicyToml(), [compiled.bytes]);
    try {
      const lockedCategories = categories.filter((category) => groups.every((g) => probe.classify(`https://${probeHost(category)}/`, g.name).locked === true));
      const { categories: known, presets, searchEngines } = pkg.coreFacts();
      return { lockedCategories, groups, categories: known, presets, searchEngines };
    } finally {
      probe.free();
    }
  } finally {
    builtin.free();
  }
}
