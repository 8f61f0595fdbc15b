import { describe, expect, it } from 'vitest';
import { DocumentDownloadError } from './document-download.error';
import { isNonPublicAddress, publicAddressGuard } from './document-url-guard';

describe('isNonPublicAddress', () => {
  it.each([
    '127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0',
    '224.0.0.1', '255.255.255.255', '::1', '::', 'fe80::1', 'fd12:3456::1', 'ff02::1', '::ffff:127.0.0.1', '::ffff:7f00:1',
    '::ffff:a9fe:a9fe', '[::1]', 'not-an-address',
  ])('refuses %s', (address) => {
    expect(isNonPublicAddress(address)).toBe(true);
  });

  it.each(['8.8.8.8', '172.32.0.1', '52.95.110.1', '2a00:1450:4001:82b::200e', '::ffff:8.8.8.8', '::ffff:808:808'])('allows %s', (address) => {
    expect(isNonPublicAddress(address)).toBe(false);
  });
});

describe('publicAddressGuard', () => {
  const resolver = (answers: Record<string, string[]>) => async (host: string) => {
    if (!answers[host]) throw Object.assign(new Error('not found'), { code: 'ENOTFOUND' });
    return answers[host];
  };
  const guard = publicAddressGuard(resolver({ 'files.partner.example': ['203.0.114.7'], 'sneaky.example': ['93.184.216.34', '10.0.0.5'] }));
  const rejection = (url: string) => guard(new URL(url)).then(() => undefined, (error: unknown) => error as DocumentDownloadError);

  it('lets a host that resolves to public addresses through', async () => {
    expect(await rejection('https://files.partner.example/a.pdf')).toBeUndefined();
  });

  it('refuses permanently when any resolved address is private, and literal private IPs', async () => {
    for (const url of ['https://sneaky.example/x', 'http://127.0.0.1:8080/x', 'http://[::1]/x', 'http://169.254.169.254/latest/meta-data']) {
      const error = await rejection(url);
      expect(error).toBeInstanceOf(DocumentDownloadError);
      expect(error).toMatchObject({ permanent: true, message: expect.stringMatching(/non-public address/) });
    }
  });

  it('treats a name that does not resolve as worth another try', async () => {
    expect(await rejection('https://gone.example/x')).toMatchObject({ permanent: false, message: expect.stringMatching(/ENOTFOUND/) });
  });
});
