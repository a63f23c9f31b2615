/**
 * The schema of a template's template.json. Boxes are [x, y, w, h] in inches from the
 * face's trim corner (negative or past the edge reaches into the bleed); "full" is the
 * face's full-bleed rectangle. Colours are #rrggbb or a name from `colors`.
 * A design is data: nothing in it names a file. Every number and list is bounded (limits.ts).
 */
import { type Static, Type } from "typebox";
import { DESIGN_LIMITS as L } from "./limits.ts";

const Inches = Type.Number({ minimum: -L.reachIn, maximum: L.reachIn });
const Extent = Type.Number({ minimum: 0, maximum: L.reachIn });
/** Line widths in points. */
const Stroke = Type.Number({ minimum: 0, maximum: 72 });
const Box = Type.Tuple([Inches, Inches, Extent, Extent]);
const BoxOrFull = Type.Union([Type.Literal("full"), Box]);
const Name = Type.String({ pattern: "^[A-Za-z][A-Za-z0-9_-]{0,31}$" });
const Color = Type.String({ minLength: 1, maxLength: 32 });
const Opacity = Type.Optional(Type.Number({ minimum: 0, maximum: 1 }));
const FontRole = Type.Union([
  Type.Literal("script"),
  Type.Literal("serif"),
  Type.Literal("sans"),
  Type.Literal("serifItalic"),
  Type.Literal("hand"),
]);
/** A pen's ink: the text is drawn as handwriting (see pen.ts), in that ink. */
const Ink = Type.Union([Type.Literal("blue"), Type.Literal("black")]);
const Align = Type.Union([Type.Literal("left"), Type.Literal("center"), Type.Literal("right")]);

const TextStyle = Type.Object(
  {
    font: FontRole,
    size: Type.Number({ minimum: 4, maximum: 144 }),
    minSize: Type.Optional(Type.Number({ minimum: 4, maximum: 144 })),
    lineHeight: Type.Optional(Type.Number({ minimum: 0.8, maximum: 3 })),
    // A style has a colour or an ink (design-checks.ts); an ink is its colour.
    color: Type.Optional(Color),
    ink: Type.Optional(Ink),
    align: Type.Optional(Align),
    maxLines: Type.Optional(Type.Integer({ minimum: 1, maximum: 4 })),
  },
  { additionalProperties: false },
);

const TextSlot = <K extends string>(kind: K) =>
  Type.Object(
    {
      type: Type.Literal(kind),
      box: Box,
      size: Type.Optional(Type.Number({ minimum: 4, maximum: 144 })),
      minSize: Type.Optional(Type.Number({ minimum: 4, maximum: 144 })),
      align: Type.Optional(Align),
      valign: Type.Optional(
        Type.Union([Type.Literal("top"), Type.Literal("middle"), Type.Literal("bottom")]),
      ),
    },
    { additionalProperties: false },
  );

export const LayerSchema = Type.Union([
  Type.Object(
    {
      type: Type.Literal("fill"),
      color: Color,
      box: Type.Optional(BoxOrFull),
      opacity: Opacity,
      radius: Type.Optional(Extent),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal("frame"),
      box: Box,
      color: Color,
      width: Stroke,
      opacity: Opacity,
      radius: Type.Optional(Extent),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal("rule"),
      from: Type.Tuple([Inches, Inches]),
      to: Type.Tuple([Inches, Inches]),
      color: Color,
      width: Stroke,
      opacity: Opacity,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal("photo"),
      box: BoxOrFull,
      frame: Type.Optional(
        Type.Object({ color: Color, width: Stroke }, { additionalProperties: false }),
      ),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Union([
        Type.Literal("confetti"),
        Type.Literal("leaves"),
        Type.Literal("balloons"),
        Type.Literal("stars"),
      ]),
      box: BoxOrFull,
      count: Type.Integer({ minimum: 1, maximum: 400 }),
      seed: Type.Integer({ minimum: -2147483648, maximum: 2147483647 }),
      colors: Type.Array(Color, { minItems: 1, maxItems: L.layerColors }),
      size: Type.Optional(
        Type.Tuple([
          Type.Number({ minimum: 0, maximum: 3 }),
          Type.Number({ minimum: 0, maximum: 3 }),
        ]),
      ),
      opacity: Opacity,
      avoid: Type.Optional(Type.Array(Box, { maxItems: L.avoidBoxes })),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal("text"),
      box: Box,
      text: Type.String({ maxLength: L.layerTextChars }),
      style: Name,
      size: Type.Optional(Type.Number({ minimum: 4, maximum: 144 })),
      align: Type.Optional(Align),
    },
    { additionalProperties: false },
  ),
  TextSlot("name"),
  TextSlot("message"),
  TextSlot("signature"),
  TextSlot("footer"),
  Type.Object({ type: Type.Literal("address") }, { additionalProperties: false }),
  // The card's own short URL as a QR code (drawn only when the card has one: a landing URL).
  Type.Object(
    { type: Type.Literal("qr"), box: Box, color: Type.Optional(Color) },
    { additionalProperties: false },
  ),
]);

const Face = Type.Object(
  { layers: Type.Array(LayerSchema, { maxItems: L.layersPerFace }) },
  { additionalProperties: false },
);

export const TemplateSchema = Type.Object(
  {
    // Built-ins are kebab-case folder names; an account's uploaded design carries its API id (tmpl_…).
    id: Type.String({ pattern: "^([a-z0-9][a-z0-9-]*|tmpl_[A-Za-z0-9]{20})$" }),
    name: Type.String({ minLength: 1, maxLength: 100 }),
    occasion: Type.Union([
      Type.Literal("thank_you"),
      Type.Literal("birthday"),
      Type.Literal("october_holiday"),
      Type.Literal("anniversary"),
      Type.Literal("custom"),
    ]),
    description: Type.Optional(Type.String({ maxLength: 1000 })),
    fonts: Type.Object(
      {
        script: Type.String({ maxLength: 64 }),
        serif: Type.String({ maxLength: 64 }),
        sans: Type.String({ maxLength: 64 }),
        serifItalic: Type.Optional(Type.String({ maxLength: 64 })),
        // The handwriting face of styles with font "hand" (caveat when absent).
        hand: Type.Optional(Type.String({ maxLength: 64 })),
      },
      { additionalProperties: false },
    ),
    colors: Type.Record(Name, Type.String({ pattern: "^#[0-9a-fA-F]{6}$" }), {
      maxProperties: L.colors,
      additionalProperties: false,
    }),
    photo: Type.Object(
      {
        fit: Type.Union([Type.Literal("cover"), Type.Literal("contain")]),
        focalPoint: Type.Tuple([
          Type.Number({ minimum: 0, maximum: 1 }),
          Type.Number({ minimum: 0, maximum: 1 }),
        ]),
      },
      { additionalProperties: false },
    ),
    styles: Type.Record(Name, TextStyle, {
      maxProperties: L.styles,
      additionalProperties: false,
    }),
    formats: Type.Partial(
      Type.Record(
        Type.Union([
          Type.Literal("postcard_4x6"),
          Type.Literal("postcard_6x9"),
          Type.Literal("postcard_6x11"),
          Type.Literal("card_5x7"),
          Type.Literal("a2_folded"),
        ]),
        Type.Object(
          {
            faces: Type.Partial(
              Type.Object({ front: Face, back: Face, inside_left: Face, inside_right: Face }),
            ),
            styles: Type.Optional(
              Type.Record(Name, Type.Partial(TextStyle), {
                maxProperties: L.styles,
                additionalProperties: false,
              }),
            ),
          },
          { additionalProperties: false },
        ),
      ),
    ),
  },
  { additionalProperties: false },
);

export type TemplateJson = Static<typeof TemplateSchema>;
export type Layer = Static<typeof LayerSchema>;
export type TextStyleJson = Static<typeof TextStyle>;
