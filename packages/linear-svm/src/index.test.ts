import { describe, expect, it } from 'vitest';
import { packageName } from './index';

describe('@deepface-ts/linear-svm', () => {
  it('exports its name', () => {
    expect(packageName).toBe('@deepface-ts/linear-svm');
  });
});
