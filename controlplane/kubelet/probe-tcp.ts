/**
 * The tcpSocket probe against a real socket (upstream pkg/probe/tcp): success when a TCP
 * connection opens within the timeout; the connection is closed at once.
 */
import { connect } from 'node:net';

/** A probe run's outcome and what it says (an event's message on failure). */
export interface ProbeRun {
  readonly result: 'success' | 'failure';
  readonly message: string;
}

/** Opens and closes a TCP connection to `host:port` within `timeoutMs`. */
export function probeTcp(host: string, port: number, timeoutMs: number): Promise<ProbeRun> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (run: ProbeRun) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(run);
    };
    const timer = setTimeout(
      () => done({ result: 'failure', message: `dial tcp ${host}:${port}: i/o timeout` }),
      timeoutMs,
    );
    socket.once('connect', () => done({ result: 'success', message: '' }));
    socket.once('error', (err: NodeJS.ErrnoException) =>
      done({ result: 'failure', message: `dial tcp ${host}:${port}: ${err.code ?? err.message}` }),
    );
  });
}
