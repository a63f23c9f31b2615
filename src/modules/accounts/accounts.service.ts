import { countryCode } from "../../csv/index.ts";
import { checkPostalCode } from "../../csv/postal-codes.ts";
import { needsRegion, regionCode } from "../../csv/regions.ts";
import type { PageRequest } from "../../db/cursor.ts";
import type { Pool } from "../../db/pool.ts";
import { withTransaction } from "../../db/transaction.ts";
import { AppError, type FieldError, notFound, validation } from "../../errors.ts";
import { newId } from "../../ids.ts";
import type { PostalAddress } from "../../render/card-data.ts";
import type { AddressInput } from "../campaigns/sender.ts";
import { canonicalTimeZone } from "../shared/calendar.ts";
import * as repo from "./accounts.repository.ts";
import {
  hashSecret,
  looksLikeSecret,
  MODES,
  type Mode,
  newSecret,
  SCOPES,
  type Scope,
} from "./api-key-secret.ts";
import type { KeyCache } from "./key-cache.ts";

/** Who a request acts for, once its API key is known. */
export interface AuthContext {
  /**
   * The account row the request's objects belong to: the account itself for a live key, its
   * test twin for a test key. Scope every read and write by it and modes stay apart by themselves.
   */
  accountId: string;
  /** The account as its people know it (its keys, its settings): the same for both modes. */
  liveAccountId: string;
  accountName: string;
  /** 'test': nothing made is mailed; cards carry the SAMPLE mark; only test vendor keys see its batches. */
  mode: Mode;
  keyId: string;
  keyPrefix: string;
  scopes: Scope[];
}

export interface CreatedKey {
  key: repo.ApiKeyRow;
  /** The full secret: returned once, never stored. */
  secret: string;
}

function checkScopes(scopes: readonly string[]): Scope[] {
  const bad = scopes.filter((s) => !(SCOPES as readonly string[]).includes(s));
  if (bad.length > 0 || scopes.length === 0) {
    throw validation(`Scopes must be one or more of ${SCOPES.join(", ")}.`, [
      {
        field: "scopes",
        message: bad.length ? `Unknown scope(s): ${bad.join(", ")}.` : "No scope given.",
      },
    ]);
  }
  return [...new Set(scopes)] as Scope[];
}

function checkMode(mode: string | undefined): Mode {
  if (mode === undefined) return "live";
  if (!(MODES as readonly string[]).includes(mode)) {
    throw validation(`A key's mode is ${MODES.join(" or ")}.`, [
      { field: "mode", message: "Give live (real mail) or test (SAMPLE cards, never mailed)." },
    ]);
  }
  return mode as Mode;
}

/** Longest part of a return address, by field (as a contact's address allows). */
const ADDRESS_MAX = {
  line1: 300,
  line2: 300,
  city: 200,
  region: 100,
  postal_code: 20,
  country: 100,
};

/**
 * A return address as cards carry it: a street and a city, the country as ISO alpha-2 (a name is
 * read too; `defaultCountry` when left out), the region and postal code checked for countries that
 * have rules (US, CA, AU…), every fault at once under `return_address.<part>`.
 */
export function checkReturnAddress(
  input: Partial<Record<keyof AddressInput, unknown>>,
  defaultCountry: string,
): PostalAddress {
  const errors: FieldError[] = [];
  const part = (name: keyof AddressInput) => {
    const raw = input[name];
    if (raw === undefined || raw === null) return "";
    if (typeof raw !== "string") {
      errors.push({ field: `return_address.${name}`, message: "must be text" });
      return "";
    }
    const value = raw.trim();
    if (value.length > ADDRESS_MAX[name]) {
      errors.push({
        field: `return_address.${name}`,
        message: `at most ${ADDRESS_MAX[name]} characters`,
      });
      return "";
    }
    return value;
  };
  const line1 = part("line1");
  const line2 = part("line2");
  const city = part("city");
  const regionText = part("region");
  const postalText = part("postal_code");
  const countryText = part("country");
  if (!line1) errors.push({ field: "return_address.line1", message: "give the street and number" });
  if (!city) errors.push({ field: "return_address.city", message: "give the city" });
  const country = countryText ? countryCode(countryText) : defaultCountry;
  if (!country)
    errors.push({
      field: "return_address.country",
      message: "a country as ISO 3166-1 alpha-2 (US, GB, DE) or its name",
    });
  let region = regionText;
  let postalCode = postalText;
  if (country) {
    if (regionText) {
      const code = regionCode(country, regionText);
      if (code === undefined)
        errors.push({ field: "return_address.region", message: `not a region of ${country}` });
      else region = code;
    } else if (needsRegion(country)) {
      errors.push({ field: "return_address.region", message: `${country} addresses need one` });
    }
    if (postalText) {
      const checked = checkPostalCode(country, postalText);
      if (!checked.ok)
        errors.push({
          field: "return_address.postal_code",
          message: `expected ${checked.expected}`,
        });
      else postalCode = checked.value;
    }
  }
  if (errors.length > 0) throw validation("The return address is not complete.", errors);
  return {
    line1,
    ...(line2 ? { line2 } : {}),
    city,
    ...(region ? { region } : {}),
    ...(postalCode ? { postalCode } : {}),
    country: country as string,
  };
}

export function createAccountsService(deps: {
  pool: Pool;
  /** Keys already looked up (the API's; a CLI or a worker asks the database every time). */
  keyCache?: KeyCache<AuthContext>;
}) {
  const { pool, keyCache } = deps;

  /** A key of `accountId` (a live account's id: test keys are kept there too, and list with it). */
  async function createKey(
    accountId: string,
    opts: { name?: string; scopes?: readonly string[]; mode?: string } = {},
  ): Promise<CreatedKey> {
    const scopes = checkScopes(opts.scopes ?? ["campaigns", "batches"]);
    const mode = checkMode(opts.mode);
    const account = await repo.findAccount(pool, accountId);
    if (account?.mode !== "live") throw notFound("Account");
    if (mode === "test") await repo.ensureTestTwin(pool, accountId, newId("acct"));
    const { secret, prefix, hash } = newSecret(mode);
    const key = await repo.insertApiKey(pool, {
      id: newId("key"),
      accountId,
      name: opts.name ?? "",
      prefix,
      hash,
      scopes,
      mode,
    });
    return { key, secret };
  }

  return {
    /** A new account with its first key (all scopes unless told otherwise). */
    async createAccount(opts: {
      name: string;
      defaultCountry?: string;
      scopes?: readonly string[];
    }) {
      const name = opts.name.trim();
      if (!name || name.length > 200) {
        throw validation("An account needs a name of 1 to 200 characters.", [
          { field: "name", message: "Give the business's name." },
        ]);
      }
      const scopes = checkScopes(opts.scopes ?? SCOPES);
      return withTransaction(pool, async (tx) => {
        const account = await repo.insertAccount(tx, {
          id: newId("acct"),
          name,
          defaultCountry: (opts.defaultCountry ?? "US").toUpperCase(),
        });
        const { secret, prefix, hash } = newSecret("live");
        const key = await repo.insertApiKey(tx, {
          id: newId("key"),
          accountId: account.id,
          name: "default",
          prefix,
          hash,
          scopes,
          mode: "live",
        });
        return { account, key, secret };
      });
    },

    listAccounts: () => repo.listAccounts(pool),

    async getAccount(id: string) {
      const account = await repo.findAccount(pool, id);
      if (!account) throw notFound("Account");
      return account;
    },

    createKey,

    /** The account row objects of `mode` belong to (undefined: no such account, or no test key yet). */
    async accountOfMode(liveAccountId: string, mode: string | undefined) {
      return repo.accountOfMode(pool, liveAccountId, checkMode(mode));
    },

    /**
     * The account's settings: its clock (IANA time zone, checked against the runtime's, and send
     * hour), press sheet, print colour and return address (null removes it).
     */
    async updateClock(
      id: string,
      v: {
        time_zone?: string;
        send_hour?: number;
        imposition_sheet?: string;
        color_mode?: string;
        return_address?: Partial<Record<keyof AddressInput, unknown>> | null;
      },
    ) {
      // Every fault at once (a form shows each beside its field).
      const errors: FieldError[] = [];
      let timeZone: string | undefined;
      if (v.time_zone !== undefined) {
        timeZone = canonicalTimeZone(v.time_zone);
        if (!timeZone)
          errors.push({
            field: "time_zone",
            message: `"${v.time_zone.slice(0, 64)}" is not a time zone: give an IANA time zone name, e.g. America/New_York or Pacific/Auckland`,
          });
      }
      let returnAddress: PostalAddress | null | undefined;
      if (v.return_address === null) returnAddress = null;
      else if (v.return_address !== undefined) {
        const account = await repo.findAccount(pool, id);
        if (!account) throw notFound("Account");
        try {
          returnAddress = checkReturnAddress(v.return_address, account.default_country);
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          errors.push(...error.errors);
        }
      }
      if (errors.length > 0)
        throw validation(
          timeZone === undefined && v.time_zone !== undefined
            ? `"${v.time_zone.slice(0, 64)}" is not a time zone.`
            : "The account's settings are not valid.",
          errors,
        );
      const row = await repo.updateAccountClock(pool, id, {
        returnAddress,
        timeZone,
        sendHour: v.send_hour,
        impositionSheet: v.imposition_sheet,
        colorMode: v.color_mode,
      });
      if (!row) throw notFound("Account");
      return row;
    },

    /** The account's keys; `mode` narrows to one mode (a test key manages only test keys). */
    listKeys: (accountId: string, page: PageRequest, mode?: Mode) =>
      repo.listApiKeys(pool, accountId, page, mode),

    async getKey(accountId: string, keyId: string) {
      const key = await repo.findApiKey(pool, accountId, keyId);
      if (!key) throw notFound("API key");
      return key;
    },

    async revokeKey(accountId: string, keyId: string, mode?: Mode) {
      const key = await repo.revokeApiKey(pool, accountId, keyId, mode);
      if (!key) throw notFound("API key");
      // This process stops serving it now; the others when the trigger's notification reaches them.
      keyCache?.forget(`key:${key.id}`);
      return key;
    },

    /** The context of a presented secret, or undefined when it is unknown or revoked. */
    async authenticate(secret: string): Promise<AuthContext | undefined> {
      if (!looksLikeSecret(secret)) return undefined;
      const hash = hashSecret(secret);
      const cacheKey = hash.toString("base64");
      const cached = keyCache?.get(cacheKey);
      if (cached) {
        const now = Date.now();
        if (now - cached.touchedAt >= repo.TOUCH_EVERY_MS) {
          cached.touchedAt = now;
          await repo.touchApiKey(pool, cached.keyId);
        }
        return cached.value;
      }
      const startedAt = keyCache?.begin() ?? 0;
      const key = await repo.findApiKeyByHash(pool, hash);
      // Unknown, revoked and twin-less keys are never kept: a key made or fixed works at once.
      if (!key || key.revoked_at || !key.acts_on) return undefined;
      // Once a minute at most: a query less on almost every request (each costs the API a round trip).
      if (key.touch_due) await repo.touchApiKey(pool, key.id);
      const auth: AuthContext = {
        accountId: key.acts_on,
        liveAccountId: key.account_id,
        accountName: key.account_name,
        mode: key.mode,
        keyId: key.id,
        keyPrefix: key.prefix,
        scopes: key.scopes,
      };
      keyCache?.put(cacheKey, startedAt, {
        value: auth,
        keyId: key.id,
        accountIds: [key.account_id, key.acts_on],
        // Written just now, or under a minute ago by the database's clock (which decided touch_due).
        touchedAt: Date.now(),
      });
      return auth;
    },
  };
}

export type AccountsService = ReturnType<typeof createAccountsService>;
