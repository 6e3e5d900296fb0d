// `node --import ./register.mjs child.ts`: runs a TypeScript test child (a consumer in a process of its own, to be SIGKILLed) without a build.
import { register } from 'node:module';

register('./ts-hooks.mjs', import.meta.url);
