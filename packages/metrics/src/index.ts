/** @deepface-ts/metrics — work in progress. */
export const packageName = '@deepface-ts/metrics';
