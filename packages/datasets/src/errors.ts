/**
 * A malformed annotation or manifest file. The message always starts with
 * `file:line:` (or `file:` when the fault is not on one line) so that editors and
 * terminals can jump to it, then says what is wrong.
 */
export class DatasetFormatError extends Error {
  override readonly name = 'DatasetFormatError';
  constructor(
    readonly file: string,
    readonly line: number | undefined,
    readonly problem: string,
  ) {
    super(line === undefined ? `${file}: ${problem}` : `${file}:${line}: ${problem}`);
  }
}

/** A dataset folder that is missing, incomplete or laid out in a way we cannot read. */
export class DatasetLayoutError extends Error {
  override readonly name = 'DatasetLayoutError';
}

/** An image file that could not be decoded; the message names the file. */
export class ImageDecodeError extends Error {
  override readonly name = 'ImageDecodeError';
  constructor(
    readonly file: string,
    readonly problem: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${problem}`, options);
  }
}
