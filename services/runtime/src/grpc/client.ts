import {
  type ChannelCredentials,
  type Client,
  type ClientOptions,
  credentials as grpcCredentials,
  InterceptingCall,
  type Interceptor,
} from '@grpc/grpc-js';

/** What ts-proto (outputServices=grpc-js) generates as `XxxClient`. */
export type ClientConstructor<C extends Client> = new (
  address: string,
  credentials: ChannelCredentials,
  options?: Partial<ClientOptions>,
) => C;

export interface ClientSettings {
  /** Applied to every call that sets no deadline of its own. Pass `deadline: Infinity` to opt out (streams). */
  readonly defaultDeadlineMs: number;
  /** Bearer token sent as `authorization` metadata; a function is asked on every call, so it can rotate. */
  readonly token?: string | (() => string);
  /** Defaults to plaintext: inside the cluster, transport security is the mesh's (or a sidecar's) job. */
  readonly credentials?: ChannelCredentials;
  readonly options?: Partial<ClientOptions>;
}

/**
 * Sets a deadline on calls that have none. A call without a deadline waits forever on a hung
 * server, holding its caller's resources; the slow failure then spreads up the chain.
 */
export function deadlineInterceptor(defaultDeadlineMs: number): Interceptor {
  if (!(defaultDeadlineMs > 0)) throw new Error('defaultDeadlineMs must be positive');
  return (options, nextCall) =>
    new InterceptingCall(
      nextCall(
        options.deadline === undefined ? { ...options, deadline: Date.now() + defaultDeadlineMs } : options,
      ),
    );
}

/** Adds `authorization: Bearer <token>` to every call's metadata. */
export function bearerTokenInterceptor(token: string | (() => string)): Interceptor {
  const current = typeof token === 'function' ? token : () => token;
  return (options, nextCall) =>
    new InterceptingCall(nextCall(options), {
      start(metadata, listener, next) {
        metadata.set('authorization', `Bearer ${current()}`);
        next(metadata, listener);
      },
    });
}

/**
 * A typed client of a ts-proto service with a deadline on every call and, when given, a bearer token.
 * Note: grpc-js drops client-level interceptors for a call that passes its own `interceptors` call
 * option; such a caller takes over deadline and token handling.
 *
 *   const signals = createClient(SignalServiceClient, 'signal:50051', { defaultDeadlineMs: 2000, token });
 */
export function createClient<C extends Client>(
  Constructor: ClientConstructor<C>,
  address: string,
  settings: ClientSettings,
): C {
  const interceptors = [
    deadlineInterceptor(settings.defaultDeadlineMs),
    ...(settings.token === undefined ? [] : [bearerTokenInterceptor(settings.token)]),
    ...(settings.options?.interceptors ?? []),
  ];
  return new Constructor(address, settings.credentials ?? grpcCredentials.createInsecure(), {
    ...settings.options,
    interceptors,
  });
}
