/**
 * The schema of a template's template.json. Boxes are [x, y, w, h] in inches from the
 * face's trim corner (negative or past the edge reaches into the bleed); "full" is the
 * face's full-bleed rectangle. Colours are #rrggbb or a name from `colors`.
 */
import { type Static, Type } from "@sinclair/typebox";

const Box = Type.Tuple([
  Type.Number(),
  Type.Number(),
  Type.Number({ minimum: 0 }),
  Type.Number({ minimum: 0 }),
]);
const BoxOrFull = Type.Union([Type.Literal("full"), Box]);
const Color = Type.String({ minLength: 1 });
const Opacity = Type.Optional(Type.Number({ minimum: 0, maximum: 1 }));
const FontRole = Type.Union([
  Type.Literal("script"),
  Type.Literal("serif"),
  Type.Literal("sans"),
  Type.Literal("serifItalic"),
]);
const Align = Type.Union([Type.Literal("left"), Type.Literal("center"), Type.Literal("right")]);

const TextStyle = Type.Object(
  {
    font: FontRole,
    size: Type.Number({ minimum: 4, maximum: 144 }),
    minSize: Type.Optional(Type.Number({ minimum: 4, maximum: 144 })),
    lineHeight: Type.Optional(Type.Number({ minimum: 0.8, maximum: 3 })),
    color: Color,
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
      radius: Type.Optional(Type.Number({ minimum: 0 })),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal("frame"),
      box: Box,
      color: Color,
      width: Type.Number({ minimum: 0 }),
      opacity: Opacity,
      radius: Type.Optional(Type.Number({ minimum: 0 })),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal("rule"),
      from: Type.Tuple([Type.Number(), Type.Number()]),
      to: Type.Tuple([Type.Number(), Type.Number()]),
      color: Color,
      width: Type.Number({ minimum: 0 }),
      opacity: Opacity,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal("photo"),
      box: BoxOrFull,
      frame: Type.Optional(Type.Object({ color: Color, width: Type.Number({ minimum: 0 }) })),
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
      seed: Type.Integer(),
      colors: Type.Array(Color, { minItems: 1 }),
      size: Type.Optional(Type.Tuple([Type.Number({ minimum: 0 }), Type.Number({ minimum: 0 })])),
      opacity: Opacity,
      avoid: Type.Optional(Type.Array(Box)),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      type: Type.Literal("text"),
      box: Box,
      text: Type.String(),
      style: Type.String(),
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
]);

const Face = Type.Object({ layers: Type.Array(LayerSchema) }, { additionalProperties: false });

export const TemplateSchema = Type.Object(
  {
    // Built-ins are kebab-case folder names; an account's uploaded design carries its API id (tmpl_…).
    id: Type.String({ pattern: "^([a-z0-9][a-z0-9-]*|tmpl_[A-Za-z0-9]{20})$" }),
    name: Type.String({ minLength: 1 }),
    occasion: Type.Union([
      Type.Literal("thank_you"),
      Type.Literal("birthday"),
      Type.Literal("october_holiday"),
      Type.Literal("anniversary"),
      Type.Literal("custom"),
    ]),
    description: Type.Optional(Type.String()),
    fonts: Type.Object(
      {
        script: Type.String(),
        serif: Type.String(),
        sans: Type.String(),
        serifItalic: Type.Optional(Type.String()),
      },
      { additionalProperties: false },
    ),
    colors: Type.Record(Type.String(), Type.String({ pattern: "^#[0-9a-fA-F]{6}$" })),
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
    styles: Type.Record(Type.String(), TextStyle),
    files: Type.Optional(
      Type.Object(
        {
          name: Type.Optional(Type.String()),
          message: Type.Optional(Type.String()),
          signature: Type.Optional(Type.String()),
          footer: Type.Optional(Type.String()),
        },
        { additionalProperties: false },
      ),
    ),
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
            styles: Type.Optional(Type.Record(Type.String(), Type.Partial(TextStyle))),
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
