/** Entry point of the `bridge` executable. */
import { pluginMain } from '../skel/index.js';
import { bridgePlugin } from './bridge.js';

void pluginMain(bridgePlugin);
