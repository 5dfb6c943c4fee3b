/** @deepface-ts/kernels — work in progress. */
export const packageName = '@deepface-ts/kernels';
