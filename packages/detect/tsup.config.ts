import { defineConfig } from 'tsup';
import { base } from '../../tsup.base';
// shims: the CJS build needs import.meta.url (loader.ts resolves face-api's model folder with it);
// removeNodeProtocol: keep `node:` on the lazy fs imports so browser bundlers see Node built-ins.
export default defineConfig({ ...base, entry: ['src/index.ts'], shims: true, removeNodeProtocol: false });
