import { describe, expect, it } from 'vitest';
import { packageName } from './index';

describe('@deepface-ts/frontalize', () => {
  it('exports its name', () => {
    expect(packageName).toBe('@deepface-ts/frontalize');
  });
});
