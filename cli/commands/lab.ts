/** The lab's commands (docs/architecture.md §3), in the order `--help` lists them. */
import type { Command } from '../command.js';
import { downCommand } from './down.js';
import { execCommand } from './exec.js';
import { labCleanCommand } from './lab-clean.js';
import { statusCommand } from './status.js';
import { upCommand } from './up.js';

export const labCommands: readonly Command[] = [
  upCommand,
  downCommand,
  statusCommand,
  execCommand,
  labCleanCommand,
];
