/** `switchyard lab forward`: the lab's host port into the API server (started by `up`, internal). */
import { startForwarder } from '../../lab/forward.js';
import { parseHostPort } from '../../lib/net/host-port.js';
import { type Command, UsageError } from '../command.js';
import { intFlag, parseFlags } from '../flags.js';
import { noPositionals } from './lab-env.js';

export const labForwardCommand: Command = {
  name: 'lab forward',
  summary: '(internal, started by up) relay 127.0.0.1:PORT to an address inside a lab namespace',
  usage: `usage: switchyard lab forward --listen HOST:PORT --netns NAME --to HOST:PORT [flags]

Listens on HOST:PORT in this namespace and relays each TCP connection to --to through a socket
opened inside network namespace NAME, so the host reaches the lab's API server without any
address or route in the root namespace. "switchyard up" starts it; it runs until SIGTERM.

  --max-connections N      close connections beyond N (default 256)
  --idle-timeout SECONDS   close a connection silent this long both ways (default 600)`,
  async run(args, ctx) {
    const parsed = parseFlags(args, {
      listen: { type: 'string' },
      netns: { type: 'string' },
      to: { type: 'string' },
      'max-connections': { type: 'string' },
      'idle-timeout': { type: 'string' },
    });
    noPositionals('lab forward', parsed.positionals);
    const { listen, netns, to } = parsed.flags;
    if (typeof listen !== 'string') throw new UsageError('--listen: required');
    if (typeof netns !== 'string') throw new UsageError('--netns: required');
    if (typeof to !== 'string') throw new UsageError('--to: required');
    const maxConnections = intFlag(parsed, 'max-connections', 1, 65535);
    const idle = intFlag(parsed, 'idle-timeout', 1, 86400);
    const log = (level: string, msg: string, fields: Record<string, unknown> = {}): void => {
      ctx.stderr.write(`${JSON.stringify({ level, component: 'forwarder', msg, ...fields })}\n`);
    };
    const forwarder = await startForwarder({
      listen: parseHostPort(listen, '--listen'),
      netns,
      to: parseHostPort(to, '--to'),
      ...(maxConnections === undefined ? {} : { maxConnections }),
      ...(idle === undefined ? {} : { idleMs: idle * 1000 }),
      onError: (message) => log('warn', 'relay failed', { error: message }),
    });
    log('info', 'listening', { port: forwarder.port, netns, to });
    await new Promise<void>((resolve) => {
      process.once('SIGTERM', resolve);
      process.once('SIGINT', resolve);
    });
    await forwarder.close();
    return 0;
  },
};
