/**
 * Every `switchyard` subcommand, in the order `--help` lists them. Each is loaded only when it
 * runs (the build splits them into chunks), so `switchyard exec` does not pay for loading the
 * API server, gRPC or SQLite.
 */
import type { Command } from '../command.js';

/** A command's name and how to load it. */
export interface CommandEntry {
  readonly name: string;
  load(): Promise<Command>;
}

function entry(name: string, load: () => Promise<Command>): CommandEntry {
  return { name, load };
}

async function labCommand(name: string): Promise<Command> {
  const { labCommands } = await import('./lab.js');
  const found = labCommands.find((c) => c.name === name);
  if (!found) throw new Error(`lab command "${name}" is not in cli/commands/lab.ts`);
  return found;
}

export const commandEntries: readonly CommandEntry[] = [
  ...['up', 'down', 'status', 'exec', 'lab clean'].map((name) => entry(name, () => labCommand(name))),
  entry('lab forward', async () => (await import('./lab-forward.js')).labForwardCommand),
  entry('apiserver', async () => (await import('./apiserver.js')).apiserverCommand),
  entry('scheduler', async () => (await import('./scheduler.js')).schedulerCommand),
  entry('controller-manager', async () => (await import('./controller-manager.js')).controllerManagerCommand),
  entry('kubelet', async () => (await import('./kubelet.js')).kubeletCommand),
  entry('overlay', async () => (await import('./overlay.js')).overlayCommand),
  entry('cni', async () => (await import('./cni.js')).cniCommand),
  entry('images', async () => (await import('./images.js')).imagesCommand),
  entry('bench', async () => (await import('./bench.js')).benchCommand),
  entry('test', async () => (await import('./test.js')).testCommand),
];

/** Loads every command (for the overview and for tests). */
export async function loadCommands(): Promise<Command[]> {
  return Promise.all(commandEntries.map((e) => e.load()));
}
