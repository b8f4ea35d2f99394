import type { ValueTransformer } from 'typeorm';

/** `bigint` columns arrive from pg as strings; ours (versions, limits) stay far below 2^53. */
export const bigintToNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};
