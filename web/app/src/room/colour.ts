/** The colours a sender may pick (MessageService's Moderation:AllowedColors default, docs/moderation.md). */
export const DANMAKU_COLOURS: readonly string[] = [
  '#FFFFFF', '#FE0302', '#FF7204', '#FFAA02', '#FFD302', '#00CD00', '#019899', '#4266BE', '#89D5FF', '#CC0273',
];

export const DEFAULT_COLOUR = '#FFFFFF';

const HEX_COLOUR = /^#[0-9A-Fa-f]{6}$/;

/**
 * A colour from the wire, safe to put in a style: exactly `#RRGGBB`, otherwise the default. Anything else
 * (`red;background:url(…)`, `expression(…)`, named colours) never reaches CSS.
 */
export function safeColour(value: string | undefined | null): string {
  return value !== undefined && value !== null && HEX_COLOUR.test(value) ? value.toUpperCase() : DEFAULT_COLOUR;
}
