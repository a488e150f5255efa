// The one logger interface every component takes: the part of a pino logger we use (pino's Logger satisfies it;
// tests pass a recorder). Attacker bytes go only under their own key (`payload`), never spread into the top level.

export interface Logger {
  debug(obj: Record<string, unknown>, msg: string): void;
  info(obj: Record<string, unknown>, msg: string): void;
  warn(obj: Record<string, unknown>, msg: string): void;
  error(obj: Record<string, unknown>, msg: string): void;
}
