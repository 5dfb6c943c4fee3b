/** @deepface-ts/datasets — work in progress. */
export const packageName = '@deepface-ts/datasets';
