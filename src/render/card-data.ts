/**
 * The data one card is merged from. This is the contract between the recipient
 * import (CSV/JSON), the database's frozen card copy and the renderer: keep it plain JSON.
 */

export interface PostalAddress {
  line1: string;
  line2?: string;
  city: string;
  /** State, province or county, as written for the country. */
  region?: string;
  /** Always text: leading zeros survive (02134). */
  postalCode?: string;
  /** ISO 3166-1 alpha-2, upper case (US, GB, DE). */
  country: string;
}

export interface Recipient {
  firstName: string;
  lastName: string;
  /** As it should print on top of the card ("Dr. Zoë Ångström"). */
  fullName: string;
  company?: string;
  address: PostalAddress;
  email?: string;
  phone?: string;
  /** ISO date (YYYY-MM-DD), or --MM-DD when the year is unknown. */
  birthday?: string;
  anniversary?: string;
  /** Name or id of an uploaded photo for this recipient's front. */
  photo?: string;
  /** Every other column, keyed by its header folded to camelCase ("Last Purchase" → lastPurchase). */
  custom: Record<string, string>;
  /**
   * A household's card (an import with household=true): the full names of the people it goes to,
   * in file order; firstName, lastName and fullName then name them all ("John & Jane Smith").
   */
  household?: string[];
}

export interface Sender {
  businessName: string;
  /** Signature line, e.g. "Maria & the Acme team". */
  signature?: string;
  returnAddress?: PostalAddress;
}

export interface CardData {
  recipient: Recipient;
  sender: Sender;
  campaign?: { name?: string; occasion?: string };
  /** The card's own short URL (campaigns with a landing URL): its QR code and {{qrUrl}}. */
  qrUrl?: string;
  /**
   * What makes this card's handwriting its own (pen.ts): the same seed draws the same strokes.
   * cardInput gives the campaign and recipient ids; without it the recipient's name and address.
   */
  seed?: string;
}

/**
 * English month names: birthdays and anniversaries are written out with them ("March 14") and
 * read back with them from CSVs.
 */
export const MONTH_NAMES: readonly string[] = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December",
];
