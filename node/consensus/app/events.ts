/** An event the app emits in FinalizeBlock (CometBFT indexes them; hosts and the edge subscribe to them). */
export interface AppEvent {
  type: string;
  attributes: Record<string, string>;
}

export function event(type: string, attributes: Record<string, string | number | null>): AppEvent {
  return { type, attributes: Object.fromEntries(Object.entries(attributes).map(([key, value]) => [key, value === null ? '' : String(value)])) };
}
