/**
 * The lab's container images, built locally as OCI image-layout archives from Debian packages
 * and the built project (docs/architecture.md §4: nothing is pulled). `switchyard images build`
 * writes them; `switchyard up` imports them into each node's containerd.
 */
export {
  type BuildOptions,
  type BuiltImage,
  buildImages,
  type ImageSpec,
  type LayerSpec,
  layerKey,
} from './build.js';
export {
  BUSYBOX_ALIASES,
  BUSYBOX_IMAGE,
  type CatalogOptions,
  IMAGE_PATH,
  imageCatalog,
  PAUSE_IMAGE,
  SUITE_REPOSITORY,
  suiteImage,
} from './catalog.js';
export { type Descriptor, digestOf, MEDIA_TYPES, ociArchitecture, type RunConfig } from './layout.js';
export { PAUSE_SCRIPT, SUITE_DIR } from './sources.js';
export { dataEntry, type TarEntry, writeTar } from './tar.js';
