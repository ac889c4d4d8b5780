/**
 * The layering rules of src/ (issue 17), checked by `npm run lint:architecture`.
 * docs/architecture.md explains the layers; a rule here is the part of it a machine can hold us to.
 */

/** Modules that do I/O: a pure layer imports none of them. */
const io = [
  // Built-ins resolve without their node: prefix.
  '^(node:)?(fs|fs/promises|net|http|https|http2|child_process|dgram|dns|tls|worker_threads|cluster)$',
  // Packages resolve to their files under node_modules.
  '(^|/)node_modules/(kysely|pg|pg-[^/]+|better-sqlite3|undici|fastify|pino|@fastify/[^/]+)/',
];

/** Pure layers: decide over plain data, never reach the disk, the network or the database. */
const pure = ['^src/policy/', '^src/evaluation/', '^src/features/integrations/rendering/'];

/** What every layer may import, the pure ones included: it must stay free of I/O itself. */
const kernel = ['^src/shared/', '^src/errors/'];

module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment:
        'An import cycle in src/ means two modules are one: merge them or move what both need down. ' +
        'Evaluation order of a runtime cycle depends on which module is imported first.',
      from: { path: '^src/' },
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'no-type-cycles',
      severity: 'error',
      comment:
        'A cycle through `import type` is harmless at runtime but is still two modules that cannot be ' +
        'understood apart (typically a model importing the Stores bag that imports the model).',
      from: { path: '^src/' },
      to: { circular: true, via: { dependencyTypes: ['type-only'] } },
    },
    {
      name: 'pure-layers-import-no-io',
      severity: 'error',
      comment:
        'The policy engine, the evaluator and the rendering kit are pure functions over plain data; ' +
        'I/O belongs in stores, the worker and the HTTP edge. src/shared and src/errors are held to ' +
        'the same rule because the pure layers may import them. Type-only imports carry no I/O.',
      from: { path: [...pure, ...kernel], pathNot: '\\.test\\.ts$' },
      to: { path: io, dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'pure-layers-stay-pure',
      severity: 'error',
      comment:
        'Nor through another module of ours: at runtime a pure layer imports only pure code (the pure ' +
        'layers, src/shared, src/errors); a feature module may pull in a store. Types may come from anywhere.',
      from: { path: pure, pathNot: '\\.test\\.ts$' },
      to: { path: '^src/', pathNot: [...pure, ...kernel], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'http-is-only-the-edge',
      severity: 'error',
      comment:
        'src/http/ holds the shared Fastify plugins of the edge; features register their routes on it, ' +
        'never the reverse. What both need lives in src/shared/.',
      from: { path: '^src/http/' },
      to: { path: '^src/features/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['^web/', '^dist/', '^test/', '^bench/'] },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      extensions: ['.ts', '.js', '.mjs', '.cjs', '.json'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
