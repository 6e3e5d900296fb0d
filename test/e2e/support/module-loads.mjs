// `node --import ./module-loads.mjs …`: appends every `@opentelemetry/*` specifier the process imports to the file
// named by MODULE_LOADS_FILE, so a test can tell whether the OpenTelemetry SDK was loaded at all. Tests only.
import { register } from 'node:module';

register('./module-loads-hooks.mjs', import.meta.url);
