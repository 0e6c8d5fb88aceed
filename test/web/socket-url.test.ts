/** The page's WebSocket URL comes from its own location: same host, never downgraded. */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { serverUrlFor } from '../../src/web/socket-browser.js';

describe('serverUrlFor', () => {
  it('ws: for http:, wss: for https:, same host and port', () => {
    assert.equal(serverUrlFor({ protocol: 'http:', host: '127.0.0.1:8765' }), 'ws://127.0.0.1:8765/');
    assert.equal(serverUrlFor({ protocol: 'https:', host: 'chat.example' }), 'wss://chat.example/');
    assert.equal(serverUrlFor({ protocol: 'https:', host: '[::1]:443' }), 'wss://[::1]:443/');
  });
  it('other schemes are refused', () => {
    assert.throws(() => serverUrlFor({ protocol: 'file:', host: '' }), /file:/);
  });
});
