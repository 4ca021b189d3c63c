import { z } from 'zod';
import type { Address, Hex } from '../../../protocol/consensus/types.ts';

/** Shared building blocks for validating everything that enters the app from outside (txs, vote extensions). */
export const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, 'expected a 0x-prefixed 20-byte hex address')
  .transform((value) => value.toLowerCase() as Address);
export const hex32 = z
  .string()
  .regex(/^0x[0-9a-fA-F]{64}$/, 'expected a 0x-prefixed 32-byte hex value')
  .transform((value) => value.toLowerCase() as Hex);
export const hexBytes = z
  .string()
  .regex(/^0x([0-9a-fA-F]{2})*$/, 'expected 0x-prefixed hex bytes')
  .transform((value) => value.toLowerCase() as Hex);
export const uint = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);
export const weiAmount = z.string().regex(/^(0|[1-9][0-9]{0,77})$/, 'expected a decimal wei amount');

/** Formats a zod error as one short line: "path: message; path: message". */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.length ? issue.path.join('.') : '(root)'}: ${issue.message}`)
    .join('; ');
}
