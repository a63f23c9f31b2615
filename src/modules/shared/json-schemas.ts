/** Pieces of the API's answer schemas that several objects share. */
import { Type } from "typebox";

export const Nullable = <T extends ReturnType<typeof Type.String>>(t: T) =>
  Type.Union([t, Type.Null()]);

/** A postal address as answers show it (a recipient's, a contact's, a sender's return address). */
export const AddressJsonSchema = Type.Object({
  line1: Type.String(),
  line2: Nullable(Type.String()),
  city: Type.String(),
  region: Nullable(Type.String()),
  postal_code: Nullable(Type.String()),
  country: Type.String(),
});
