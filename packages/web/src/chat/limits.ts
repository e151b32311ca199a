/**
 * The server's limit on a message. Typed by the contracts' constant (a change there fails the
 * type check here) but written out, because importing the value would bring the module's
 * TypeBox schemas into the bundle.
 */
import type { MAX_MESSAGE_CHARS as ContractLimit } from '@sutazai/contracts';

export const MAX_MESSAGE_CHARS: typeof ContractLimit = 100_000;
