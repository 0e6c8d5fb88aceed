/**
 * `parley server`'s cluster flags as parsed (src/cli/cluster-flags.ts): --redis/--db or
 * PARLEY_REDIS/PARLEY_DB, both or neither, URLs checked where they enter, --node-id.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseCommandArgs } from '../../src/cli/args.js';
import { ClusterFlagError, clusterFlags, NODE_ID_RE, redactUrl } from '../../src/cli/cluster-flags.js';
import { CliError, EXIT_USAGE } from '../../src/cli/errors.js';
import { SERVER_OPTIONS } from '../../src/cli/server.js';

const R = 'redis://127.0.0.1:6379';
const D = 'postgres://parley@127.0.0.1:5432/parley';

function parse(argv: string[], env: Record<string, string> = {}) {
  return clusterFlags(parseCommandArgs('parley server', argv, SERVER_OPTIONS, 0), env);
}

function refused(argv: string[], env: Record<string, string>, code: string, pattern: RegExp): void {
  assert.throws(
    () => parse(argv, env),
    (e: unknown) => {
      assert.ok(e instanceof ClusterFlagError, String(e));
      assert.ok(e instanceof CliError, 'printed as one line by describeError');
      assert.equal(e.code, code);
      assert.equal(e.exitCode, EXIT_USAGE);
      assert.match(e.message, pattern);
      assert.ok(e.message.endsWith(`(${code})`), e.message);
      assert.ok(e.hint, 'a hint says what to do');
      return true;
    },
  );
}

describe('cluster flags: both or neither', () => {
  it('neither (and no environment): a single node, undefined', () => {
    assert.equal(parse([]), undefined);
    assert.equal(parse([], { PARLEY_REDIS: '', PARLEY_DB: '' }), undefined, 'an empty variable counts as unset');
  });

  const cases: [string, string[], Record<string, string>, string | undefined, string | undefined][] = [
    ['both flags', ['--redis', R, '--db', D], {}, R, D],
    ['both variables', [], { PARLEY_REDIS: R, PARLEY_DB: D }, R, D],
    ['a flag and a variable', ['--redis', R], { PARLEY_DB: D }, R, D],
    ['flags win over variables', ['--redis', R, '--db', D], { PARLEY_REDIS: 'redis://other:1', PARLEY_DB: 'postgres://x@other:2/y' }, R, D],
  ];
  for (const [what, argv, env, redis, db] of cases) {
    it(`${what}: a cluster`, () => {
      const f = parse(argv, env);
      assert.ok(f);
      assert.equal(f.redisUrl, redis);
      assert.equal(f.dbUrl, db);
      assert.match(f.nodeId, NODE_ID_RE);
      assert.equal(f.nodeIdGiven, false);
    });
  }

  const halves: [string, string[], Record<string, string>, RegExp][] = [
    ['--redis alone', ['--redis', R], {}, /--redis \(or PARLEY_REDIS\) was given without --db URL/],
    ['--db alone', ['--db', D], {}, /--db \(or PARLEY_DB\) was given without --redis URL/],
    ['PARLEY_REDIS alone', [], { PARLEY_REDIS: R }, /without --db URL \(or PARLEY_DB\)/],
    ['PARLEY_DB alone', [], { PARLEY_DB: D }, /without --redis URL \(or PARLEY_REDIS\)/],
  ];
  for (const [what, argv, env, pattern] of halves) {
    it(`${what}: cluster_bad_option, saying a cluster needs both`, () => refused(argv, env, 'cluster_bad_option', pattern));
  }
});

describe('cluster flags: URLs checked where they enter', () => {
  const bad: [string, string, string, RegExp][] = [
    ['--redis', 'localhost:6379', 'no scheme', /scheme must be redis:\/\/ or rediss:\/\//],
    ['--redis', 'http://127.0.0.1:6379', 'another scheme', /scheme must be redis:/],
    ['--redis', 'redis://', 'no host', /no host/],
    ['--redis', 'redis://h:0', 'port 0', /port 0/],
    ['--redis', 'redis://h:70000', 'port over 65535', /not a URL/],
    ['--redis', 'redis://h:6379/abc', 'a path', /database number/],
    ['--redis', 'redis://h:6379?x=1', 'a query', /query parameters/],
    ['--redis', 'not a url at all', 'garbage', /not a URL/],
    ['--db', 'mysql://u@h/db', 'another scheme', /scheme must be postgres:\/\/ or postgresql:\/\//],
    ['--db', 'postgres://u@h:5432', 'no database', /name the database/],
    ['--db', 'postgres://u@h:5432/', 'an empty database', /name the database/],
    ['--db', 'postgres://u@h:5432/a/b', 'a path', /name the database/],
    ['--db', 'postgres://u@h:5432/db#x', 'a fragment', /fragment/],
  ];
  for (const [flag, value, what, pattern] of bad) {
    it(`${flag} ${value} (${what}): cluster_bad_url`, () => {
      const argv = flag === '--redis' ? ['--redis', value, '--db', D] : ['--redis', R, '--db', value];
      refused(argv, {}, 'cluster_bad_url', pattern);
    });
  }

  it('a bad URL from the environment is named by its variable', () => {
    refused(['--db', D], { PARLEY_REDIS: 'http://x' }, 'cluster_bad_url', /^PARLEY_REDIS "http:\/\/x\/" is not usable/);
  });

  it('a password in a bad URL is never echoed', () => {
    refused(['--redis', R, '--db', 'postgres://u:s3cret@h:5432'], {}, 'cluster_bad_url', /postgres:\/\/u:\*\*\*@h:5432/);
    assert.throws(() => parse(['--redis', R, '--db', 'postgres://u:s3cret@h:5432']), (e: Error) => !e.message.includes('s3cret'));
    assert.equal(redactUrl('redis://:pw@h:1/0'), 'redis://:***@h:1/0');
    assert.equal(redactUrl('postgres://u@h/db'), 'postgres://u@h/db');
  });

  const good = ['redis://h', 'rediss://user:pw@h:6380/2', 'redis://[::1]:6379', 'postgresql://u@h/db', 'postgres://u:p@[::1]:5433/parley', 'postgres:///parley?host=/var/run/postgresql'];
  for (const url of good) {
    it(`accepts ${url}`, () => {
      const argv = url.startsWith('redis') ? ['--redis', url, '--db', D] : ['--redis', R, '--db', url];
      assert.ok(parse(argv));
    });
  }
});

describe('--node-id', () => {
  it('is kept when given; random and distinct otherwise', () => {
    assert.deepEqual(parse(['--redis', R, '--db', D, '--node-id', 'node-1_A']), { redisUrl: R, dbUrl: D, nodeId: 'node-1_A', nodeIdGiven: true });
    const ids = new Set(Array.from({ length: 20 }, () => parse(['--redis', R, '--db', D])!.nodeId));
    assert.equal(ids.size, 20);
  });
  for (const bad of ['a.b', 'x'.repeat(65), 'sp ace', 'é']) {
    it(`refuses ${JSON.stringify(bad)} (cluster_bad_option)`, () => refused(['--redis', R, '--db', D, '--node-id', bad], {}, 'cluster_bad_option', /--node-id .* is not usable/));
  }
  it('without a cluster it is refused rather than ignored', () => refused(['--node-id', 'n1'], {}, 'cluster_bad_option', /only means something in a cluster/));
});
