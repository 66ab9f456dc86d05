/** Entry point of the `portmap` executable. */
import { pluginMain } from '../skel/index.js';
import { portmapPlugin } from './portmap.js';

void pluginMain(portmapPlugin);
