import { describe, expect, it } from 'vitest';
import { userCwd } from './user-cwd';

describe('userCwd', () => {
  it.each<[string, NodeJS.ProcessEnv, string]>([
    ['DEEPFACE_USER_CWD first (the root scripts set it before the nested pnpm)', { DEEPFACE_USER_CWD: '/repo/apps', INIT_CWD: '/repo' }, '/repo/apps'],
    ['else INIT_CWD (pnpm run in the package itself)', { INIT_CWD: '/repo/apps/train' }, '/repo/apps/train'],
    ['an empty DEEPFACE_USER_CWD counts as unset', { DEEPFACE_USER_CWD: '', INIT_CWD: '/repo' }, '/repo'],
    ['else the process folder', {}, process.cwd()],
  ])('%s', (_, env, expected) => {
    expect(userCwd(env)).toBe(expected);
  });
});
