// Staff passwords: argon2id (7400.1 I.B, I.F), the OWASP-recommended memory-hard hash.
import { hash, verify } from '@node-rs/argon2';

export const hashPassword = (password: string): Promise<string> => hash(password, { algorithm: 2 /* Argon2id */ });

export const verifyPassword = (passwordHash: string, password: string): Promise<boolean> =>
  verify(passwordHash, password).catch(() => false);
