/**
 * Real Redis and PostgreSQL servers for tests (issue 14): each on a free loopback port in a
 * temporary folder of its own, never a system service, stopped and removed by `close()` (call it
 * in an `after` hook). No mocks: the cluster tests talk to these processes with the `redis` and
 * `pg` clients. A last-resort exit handler kills whatever a test left running when its process
 * exits normally; a test process killed with SIGKILL leaves its servers behind, as any child would.
 *
 * PostgreSQL refuses to run as root: when this process is root, initdb and the server run as the
 * `postgres` user (spawn's uid/gid), in a folder chowned to that user; otherwise as the current user.
 */
export * from './services-common.js';
export * from './services-postgres.js';
export * from './services-redis.js';
