import type { HeaderReport, Person } from "./types.ts";

/**
 * A row's values by header, rebuilt from the parsed row (normalised), for the failures CSV of a
 * row that was rejected after parsing (a photo not uploaded, an empty merge field).
 */
export function valuesOf(
  r: Person,
  columns: HeaderReport["columns"],
  extra: Record<string, string> = {},
): Record<string, string> {
  const fields: Record<string, string | undefined> = {
    firstName: r.firstName,
    lastName: r.lastName,
    fullName: r.fullName,
    company: r.company,
    email: r.email,
    phone: r.phone,
    birthday: r.birthday,
    anniversary: r.anniversary,
    photo: r.photo,
    line1: r.address?.line1,
    line2: r.address?.line2,
    city: r.address?.city,
    region: r.address?.region,
    postalCode: r.address?.postalCode,
    country: r.address?.country,
    ...extra,
  };
  const values: Record<string, string> = {};
  for (const { header, field } of columns) {
    const value = field.startsWith("custom:")
      ? r.custom[field.slice(7)]
      : fields[field.replace(/^\w+\./, "")];
    if (value !== undefined) values[header] = value;
  }
  return values;
}
