/**
 * Passwords are kept as scrypt hashes (node:crypto, RFC 7914): a memory-hard, slow hash of the
 * same class as argon2 and bcrypt, built into Node, so no native addon to build or keep up. The
 * parameters travel inside the stored string, so they can be raised later without a migration:
 * `scrypt$N$r$p$salt$hash` (base64url).
 */
import { randomBytes, scrypt as scryptCallback, timingSafeEqual } from "node:crypto";

const N = 2 ** 15; // 32 MiB of memory per hash and about 60 ms on this machine's cores
const R = 8;
const P = 1;
const KEY_BYTES = 32;

function scrypt(password: string, salt: Buffer, n: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCallback(
      password.normalize("NFC"),
      salt,
      KEY_BYTES,
      { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 },
      (error, key) => (error ? reject(error) : resolve(key)),
    ),
  );
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, N, R, P);
  return ["scrypt", N, R, P, salt.toString("base64url"), key.toString("base64url")].join("$");
}

/** True when `password` matches `stored`; false for any malformed stored value. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, key] = stored.split("$");
  if (kind !== "scrypt" || !salt || !key) return false;
  const expected = Buffer.from(key, "base64url");
  const actual = await scrypt(
    password,
    Buffer.from(salt, "base64url"),
    Number(n),
    Number(r),
    Number(p),
  );
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** A hash of nothing, verified when an email is unknown so that answer takes as long as a wrong password. */
export const DUMMY_HASH =
  "scrypt$32768$8$1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
