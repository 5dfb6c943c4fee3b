/** @deepface-ts/frontalize — work in progress. */
export const packageName = '@deepface-ts/frontalize';
