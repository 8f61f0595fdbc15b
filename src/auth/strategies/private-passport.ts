import type { Request, Response } from 'express';
import { Authenticator } from 'passport';
import { WebhookAuthRejection } from '../webhook-auth-errors';

/**
 * Each strategy instance registers itself in a Passport registry of its own instead of the
 * process-wide `passport` singleton: two TradecloudModule applications in one process (tests,
 * or a host with two configurations) then never replace each other's strategies.
 */
type PassportRegistry = InstanceType<typeof Authenticator>;
const registries = new WeakMap<object, PassportRegistry>();

export function passportRegistryOf(strategy: object): PassportRegistry {
  let registry = registries.get(strategy);
  if (!registry) {
    registry = new Authenticator();
    registries.set(strategy, registry);
  }
  return registry;
}

/**
 * Runs one strategy on a request through Passport's own `authenticate` (which gives each request
 * its own strategy object) and resolves with the user its `validate` returned. A Passport "fail"
 * (credentials missing or malformed for that strategy) becomes a {@link WebhookAuthRejection}.
 */
export function runPassportStrategy<T>(strategy: object, name: string, request: Request, response: Response): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const middleware = passportRegistryOf(strategy).authenticate(
      name,
      { session: false },
      (error: unknown, user: T | false, _challenge: unknown, status?: number) => {
        if (error) reject(error instanceof Error ? error : new Error(String(error)));
        else if (user) resolve(user);
        else reject(new WebhookAuthRejection(status === 400 ? `malformed credentials for ${name}` : `credentials refused by ${name}`));
      },
    ) as (req: Request, res: Response, next: (error?: unknown) => void) => void;
    middleware(request, response, (error) => reject(error instanceof Error ? error : new Error(`${name} did not decide`)));
  });
}
