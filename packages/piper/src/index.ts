/** @deepface-ts/piper — work in progress. */
export const packageName = '@deepface-ts/piper';
