import { defineConfig } from 'tsup';
import { base } from '../../tsup.base';
// shims: the CJS build needs import.meta.url (loader.ts resolves face-api's model folder with it).
export default defineConfig({ ...base, entry: ['src/index.ts'], shims: true });
