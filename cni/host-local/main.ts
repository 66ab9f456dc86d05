/** Entry point of the `host-local` executable. */
import { pluginMain } from '../skel/index.js';
import { hostLocalPlugin } from './plugin.js';

void pluginMain(hostLocalPlugin);
