/** @deepface-ts/linear-svm — work in progress. */
export const packageName = '@deepface-ts/linear-svm';
