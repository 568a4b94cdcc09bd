import { parseArgs } from 'node:util';
import { type Command, isRole, issueToken, loadAuthSecret, ROLES, UsageError } from '@mobility/runtime';

/** Mints a bearer token signed with MOBILITY_AUTH_SECRET, for operators' tools, agencies and tests. */
export const tokenCommand: Command = {
  summary: 'issue a bearer token for a subject and role (needs MOBILITY_AUTH_SECRET)',
  usage: `token --subject <who> --role <${ROLES.join('|')}> [--ttl-seconds 3600]`,
  async run(args, io) {
    const { values } = parseArgs({
      args: [...args],
      options: {
        subject: { type: 'string' },
        role: { type: 'string' },
        'ttl-seconds': { type: 'string', default: '3600' },
      },
    });
    if (!values.subject) throw new UsageError('--subject is required');
    if (!isRole(values.role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
    const ttlSeconds = Number(values['ttl-seconds']);
    if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0)
      throw new UsageError('--ttl-seconds must be a positive integer');
    const secret = loadAuthSecret(io.env);
    const token = await issueToken({ subject: values.subject, role: values.role, ttlSeconds }, secret);
    io.say(`token for ${values.subject} (${values.role}), valid ${ttlSeconds} s`);
    return {
      token,
      subject: values.subject,
      role: values.role,
      expires_at: new Date(Date.now() + ttlSeconds * 1000).toISOString(),
    };
  },
};
