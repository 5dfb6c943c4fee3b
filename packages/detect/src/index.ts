/** @deepface-ts/detect — work in progress. */
export const packageName = '@deepface-ts/detect';
