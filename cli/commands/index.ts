/** Every `switchyard` subcommand, in the order `--help` lists them. */
import type { Command } from '../command.js';
import { apiserverCommand } from './apiserver.js';
import { benchCommand } from './bench.js';
import { cniCommand } from './cni.js';
import { controllerManagerCommand } from './controller-manager.js';
import { labCommands } from './lab.js';
import { schedulerCommand } from './scheduler.js';
import { testCommand } from './test.js';

export const commands: readonly Command[] = [
  ...labCommands,
  apiserverCommand,
  benchCommand,
  cniCommand,
  schedulerCommand,
  controllerManagerCommand,
  testCommand,
];
