/** Name shapes several config sections share (kept out of the package's public index). */
import { z } from 'zod';

export const SlugSchema = z.string().regex(/^[a-z0-9][a-z0-9_-]{0,62}$/, 'lowercase letters, digits, - and _');
export const IdentifierSchema = z.string().regex(/^[A-Za-z_][A-Za-z0-9_$.]*$/, 'a plain SQL identifier');
