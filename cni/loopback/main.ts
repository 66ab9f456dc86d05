/** Entry point of the `loopback` executable. */
import { pluginMain } from '../skel/index.js';
import { loopbackPlugin } from './loopback.js';

void pluginMain(loopbackPlugin);
