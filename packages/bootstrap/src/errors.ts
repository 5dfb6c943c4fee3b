/** Errors of @deepface-ts/bootstrap: bad arguments, and stores found torn or corrupt on open. */
export class BootstrapError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BootstrapError';
  }
}

/**
 * A store whose committed state does not match its files: a segment missing, truncated,
 * or failing its checksum. Raised on open (or verify) so a torn store is never read silently.
 */
export class TornStoreError extends BootstrapError {
  constructor(
    message: string,
    /** The file at fault. */
    readonly file: string,
  ) {
    super(message);
    this.name = 'TornStoreError';
  }
}
