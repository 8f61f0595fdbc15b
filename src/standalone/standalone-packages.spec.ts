import { describe, expect, it } from 'vitest';
import { missingStandalonePackages, missingStandalonePackagesMessage, STANDALONE_PACKAGES } from './standalone-packages';

describe('standalone packages', () => {
  it('are all installed by the repository itself', () => {
    expect(missingStandalonePackages()).toEqual([]);
  });

  it('names the missing ones and the command that installs them', () => {
    const missing = missingStandalonePackages((name) => {
      if (name === 'pino-http') throw new Error('Cannot find module');
      return name;
    });
    expect(missing).toEqual(['pino-http']);
    expect(missingStandalonePackagesMessage(missing)).toContain('npm install pino-http');
    expect(STANDALONE_PACKAGES).toContain('nestjs-pino');
  });
});
