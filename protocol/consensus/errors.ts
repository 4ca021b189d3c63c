/** CheckTx / FinalizeBlock result codes: 0 is success, every refusal has its own code and a one-line reason. */
export const TxCode = {
  ok: 0,
  malformed: 1,
  badSignature: 2,
  wrongChain: 3,
  badNonce: 4,
  unauthorized: 5,
  invalid: 6,
  duplicate: 7,
} as const;
export type TxCodeValue = (typeof TxCode)[keyof typeof TxCode];

/** A refused tx: `code` goes to CometBFT, `message` becomes the log. Refusals never change state. */
export class TxRejectedError extends Error {
  override name = 'TxRejectedError';
  readonly code: TxCodeValue;
  constructor(code: TxCodeValue, message: string) {
    super(message);
    this.code = code;
  }
}
