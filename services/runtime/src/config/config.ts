import { z } from 'zod';

/**
 * Configuration comes only from the environment. A service declares the variables it reads as a
 * zod object keyed by the variable name; loadConfig validates them all at once and fails with an
 * error that names every bad variable, so a misconfigured pod stops at start with one clear line.
 */
export class ConfigError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration: ${problems.join('; ')}`);
    this.name = 'ConfigError';
  }
}

export function loadConfig<S extends z.ZodObject>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<S> {
  // Empty strings count as unset: `FOO=` in a manifest should mean "use the default".
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const result = schema.safeParse(present);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const variable = issue.path.join('.') || '(environment)';
    // Never echo a value back: it may be a secret.
    const received =
      issue.code === 'invalid_type' && env[variable] === undefined ? 'is not set' : issue.message;
    return `${variable} ${received}`;
  });
  throw new ConfigError(problems);
}

/** Reusable variable shapes, so every service spells the same kind of value the same way. */
export const env = {
  /** `host:port[,host:port...]`, as Kafka clients expect. */
  brokerList: () =>
    z
      .string()
      .transform((value) => value.split(',').map((part) => part.trim()))
      .refine((list) => list.every((entry) => /^[\w.-]+:\d{1,5}$/.test(entry)), {
        message: 'must be a comma-separated list of host:port',
      }),
  url: (protocols: readonly string[]) =>
    z.string().refine(
      (value) => {
        try {
          return protocols.includes(new URL(value).protocol.replace(/:$/, ''));
        } catch {
          return false;
        }
      },
      { message: `must be a URL with scheme ${protocols.join(' or ')}` },
    ),
  port: (fallback: number) =>
    z.coerce
      .number({ message: 'must be a port number' })
      .int()
      .min(0, 'must be a port number')
      .max(65535, 'must be a port number')
      .default(fallback),
  positiveInt: (fallback: number) =>
    z.coerce.number({ message: 'must be a positive integer' }).int().positive().default(fallback),
  logLevel: () => z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** A secret: at least 32 characters, never logged, never echoed in errors. */
  secret: () => z.string().min(32, 'must be at least 32 characters'),
};
