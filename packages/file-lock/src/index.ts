/** @deepface-ts/file-lock — one writer at a time: an exclusive lock file naming its holder, stale locks taken over. */
export {
  acquireWriteLock,
  inspectWriteLock,
  LockHeldError,
  type AcquireOptions,
  type LockHolder,
  type LockState,
  type WriteLock,
} from './lock';
