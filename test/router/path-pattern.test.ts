import t from 'tap';
import { parsePathPattern, PatternError } from '../../engine/router/path-pattern.js';

t.test('a pattern parses into its segments, params and literal prefix', async (t) => {
  t.same(parsePathPattern('/api/users/{id}/*'), {
    segments: [
      { kind: 'static', value: 'api' },
      { kind: 'static', value: 'users' },
      { kind: 'param', name: 'id' },
      { kind: 'wildcard' },
    ],
    paramNames: ['id'],
    hasWildcard: true,
    staticPrefix: '/api/users',
  });
  t.same(parsePathPattern('/'), {
    segments: [{ kind: 'static', value: '' }],
    paramNames: [],
    hasWildcard: false,
    staticPrefix: '/',
  });
  t.same(parsePathPattern('/list/'), {
    segments: [
      { kind: 'static', value: 'list' },
      { kind: 'static', value: '' },
    ],
    paramNames: [],
    hasWildcard: false,
    staticPrefix: '/list',
  });
  t.same(parsePathPattern('/*'), {
    segments: [{ kind: 'wildcard' }],
    paramNames: [],
    hasWildcard: true,
    staticPrefix: '/',
  });
});

t.test('the empty pattern has no segment, so no wildcard either', async (t) => {
  t.same(parsePathPattern(''), {
    segments: [],
    paramNames: [],
    hasWildcard: false,
    staticPrefix: '/',
  });
});

t.test('the literal prefix stops at the first param or *', async (t) => {
  const prefix = (p: string) => parsePathPattern(p).staticPrefix;
  t.equal(prefix('/{id}'), '/');
  t.equal(prefix('/a/b'), '/a/b');
  t.equal(prefix('/a/{id}/b'), '/a', 'a literal after a param is not part of it');
  t.equal(prefix('/a/*'), '/a');
  t.equal(prefix('/a/b/'), '/a/b', 'the trailing slash is not part of it');
});

t.test('param names: a letter or _ first, then letters, digits and _', async (t) => {
  t.same(parsePathPattern('/{_id}/{userId2}/{A}').paramNames, ['_id', 'userId2', 'A']);
  t.same(parsePathPattern('/{a}/{b}').hasWildcard, false);
});

/** The error a bad pattern throws: its name, message and hint. */
function refusal(path: string): { name: string; message: string; hint: string } | null {
  try {
    parsePathPattern(path);
    return null;
  } catch (err) {
    if (!(err instanceof PatternError)) throw err;
    return { name: err.name, message: err.message, hint: err.hint };
  }
}

t.test('bad patterns: the exact message and hint', async (t) => {
  t.same(refusal('/a/*/b'), {
    name: 'PatternError',
    message: '"*" must be the last segment of "/a/*/b"',
    hint: 'write the wildcard at the end, e.g. "/static/*"',
  });
  t.same(refusal('/a/{id}/{id}'), {
    name: 'PatternError',
    message: 'parameter {id} appears twice in "/a/{id}/{id}"',
    hint: 'give each parameter its own name',
  });
  const mixed = (seg: string, path: string) => ({
    name: 'PatternError',
    message: `segment "${seg}" of "${path}" mixes text with {, } or *`,
    hint: 'a segment is either literal text, a whole {param}, or a trailing *',
  });
  for (const seg of ['x{id}', '{id}x', '{1x}', '{a-b}', '{}', '{id', 'id}', 'x*', '*x']) {
    t.same(refusal(`/a/${seg}`), mixed(seg, `/a/${seg}`), seg);
  }
  const notNormal = (path: string) => ({
    name: 'PatternError',
    message: `"${path}" is not a normalised path (empty, "." or ".." segments, or percent-escapes)`,
    hint: 'requests are normalised before matching; write the path the way it looks after that',
  });
  for (const path of ['/a//b', '//a', '/a/./b', '/a/../b', '/a/.', '/..', '/a%2Fb', '/%61']) {
    t.same(refusal(path), notNormal(path), path);
  }
  t.equal(refusal('/a/'), null, 'an empty last segment is a trailing slash');
});
