import { defineConfig } from 'tsup';
import { base } from '../../tsup.base';
// shims: the CJS build needs import.meta.url (defaultModelPath resolves @deepface-ts/network's folder with it).
export default defineConfig({ ...base, entry: ['src/index.ts'], shims: true, removeNodeProtocol: false });
