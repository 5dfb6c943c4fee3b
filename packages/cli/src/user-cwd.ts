/**
 * The folder the user ran pnpm in, for resolving the relative paths they typed.
 *
 * pnpm runs a package's script in that package's folder and sets `INIT_CWD` to where it was
 * started, but a root script such as `pnpm --filter <app> start` starts a second pnpm, which
 * resets `INIT_CWD` to the workspace root. So the root scripts pass the first pnpm's folder
 * on as `DEEPFACE_USER_CWD` (`DEEPFACE_USER_CWD=${DEEPFACE_USER_CWD:-$INIT_CWD} pnpm --filter …`).
 * Returns `DEEPFACE_USER_CWD`, else `INIT_CWD`, else `process.cwd()`; an empty variable counts
 * as unset.
 */
export function userCwd(env: NodeJS.ProcessEnv = process.env): string {
  return env.DEEPFACE_USER_CWD || env.INIT_CWD || process.cwd();
}
