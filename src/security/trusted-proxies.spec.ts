import { describe, expect, it } from 'vitest';
import { compileTrustProxy, MAX_FORWARDED_HOPS, normalizeAddress, parseTrustProxy, resolveClientAddress, UNREADABLE_CLIENT_ADDRESS } from './trusted-proxies';
import { WebhookSourceAllowlist } from './webhook-sources';

describe('resolveClientAddress', () => {
  const loopback = compileTrustProxy('loopback');

  it('ignores X-Forwarded-For when nothing is trusted, or the peer is not trusted', () => {
    expect(resolveClientAddress('127.0.0.1', '203.0.113.7', undefined)).toBe('127.0.0.1');
    expect(resolveClientAddress('198.51.100.1', '203.0.113.7', loopback)).toBe('198.51.100.1');
  });

  it('walks from the right through trusted hops only', () => {
    expect(resolveClientAddress('::ffff:127.0.0.1', '203.0.113.7', loopback)).toBe('203.0.113.7');
    // A caller's own forged entry on the left is never reached: the first untrusted hop is the caller.
    expect(resolveClientAddress('127.0.0.1', '10.9.9.9, 198.51.100.9, 127.0.0.1', loopback)).toBe('198.51.100.9');
    expect(resolveClientAddress('127.0.0.1', ['1.1.1.1', '203.0.113.7'], loopback)).toBe('203.0.113.7');
  });

  it('counts hops for a hop count', () => {
    const two = compileTrustProxy(2);
    expect(resolveClientAddress('10.0.0.1', '1.1.1.1, 2.2.2.2, 3.3.3.3', two)).toBe('2.2.2.2');
    expect(resolveClientAddress('10.0.0.1', '', two)).toBe('10.0.0.1');
  });

  it('reads IPv6 forms and ports', () => {
    const all = compileTrustProxy(true);
    expect(resolveClientAddress('::1', '[2001:db8::7]:4711', all)).toBe('2001:db8::7');
    expect(resolveClientAddress('::1', '2001:DB8::8', all)).toBe('2001:db8::8');
    expect(resolveClientAddress('::1', '203.0.113.7:1234', all)).toBe('203.0.113.7');
    expect(resolveClientAddress('::1', '::ffff:203.0.113.9', all)).toBe('203.0.113.9');
  });

  it('never trusts or admits garbage: the caller becomes unreadable, which no allowlist holds', () => {
    const allowlist = new WebhookSourceAllowlist(['127.0.0.0/8', '203.0.113.0/24']);
    for (const header of ['not-an-address', '203.0.113.7, <script>', '203.0.113.7,,garbage ', '999.1.1.1', '[::1', 'x'.repeat(5000)]) {
      const caller = resolveClientAddress('127.0.0.1', header, loopback);
      expect(caller).toBe(UNREADABLE_CLIENT_ADDRESS);
      expect(allowlist.match(caller)).toBeUndefined();
    }
  });

  it(`stops after ${MAX_FORWARDED_HOPS} trusted hops however long the header is`, () => {
    const header = Array.from({ length: 10_000 }, () => '127.0.0.2').join(', ');
    expect(resolveClientAddress('127.0.0.1', header, loopback)).toBe('127.0.0.2');
  });
});

describe('parseTrustProxy and the allowlist', () => {
  it('accepts Express values and refuses what does not parse', () => {
    expect(parseTrustProxy('loopback')).toEqual(['loopback']);
    expect(parseTrustProxy('2')).toBe(2);
    expect(parseTrustProxy('FALSE')).toBe(false);
    expect(parseTrustProxy('10.0.0.0/8, fd00::/8, uniquelocal')).toEqual(['10.0.0.0/8', 'fd00::/8', 'uniquelocal']);
    for (const bad of ['10.0.0.0/33', 'proxy.example', '1.2.3', '::1/129', '99']) expect(() => parseTrustProxy(bad)).toThrow();
  });

  it('expands the Tradecloud names to the published addresses', () => {
    const allowlist = new WebhookSourceAllowlist(['tradecloud-production', 'Tradecloud-Acceptance', '2001:db8::/32']);
    expect(allowlist.match('35.204.224.107')).toBe('tradecloud-production');
    expect(allowlist.match('34.90.20.233')).toBe('tradecloud-production');
    expect(allowlist.match('::ffff:35.204.36.162')).toBe('tradecloud-acceptance');
    expect(allowlist.match('2001:db8::1')).toBe('2001:db8::/32');
    expect(allowlist.match('35.204.224.108')).toBeUndefined();
    expect(() => new WebhookSourceAllowlist(['tradecloud-staging'])).toThrow(/neither a CIDR nor one of tradecloud-production, tradecloud-acceptance/);
    expect(() => new WebhookSourceAllowlist(['loopback'])).toThrow();
    expect(() => new WebhookSourceAllowlist(['203.0.113.0/40'])).toThrow(/prefix length/);
  });

  it('normalizes addresses', () => {
    expect(normalizeAddress('::ffff:7f00:1')).toBe('127.0.0.1');
    expect(normalizeAddress('fe80::1%eth0')).toBe('fe80::1');
    expect(normalizeAddress('hello')).toBeUndefined();
  });
});
