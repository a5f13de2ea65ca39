// zod building blocks for parameters as they arrive: every value is a string,
// arrays were rebuilt from `Name.N` by params.unflatten.
import { z } from 'zod';

export const str = z.string();
export const num = z
  .string()
  .regex(/^-?\d+(\.\d+)?$/, 'must be a number')
  .transform(Number);
export const int = z
  .string()
  .regex(/^-?\d+$/, 'must be an integer')
  .transform(Number);
export const bool = z
  .enum(['true', 'false'], { message: 'must be true or false' })
  .transform((v) => v === 'true');
export const list = <T extends z.ZodType>(item: T) => z.array(item);
export const tagList = z
  .array(z.object({ Key: z.string().min(1, 'must not be empty'), Value: z.string().optional() }))
  .max(20, 'at most 20 tags');

/** A JSON array of strings sent as one parameter (ContainerGroupIds, Command). */
export const jsonStringArray = z.string().transform((s, ctx) => {
  try {
    const v: unknown = JSON.parse(s);
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) return v as string[];
  } catch {
    // fall through
  }
  ctx.addIssue({ code: 'custom', message: 'must be a JSON array of strings' });
  return z.NEVER;
});
