// swedbank-pay-temporal/emulator: the Swedbank Pay emulator for tests, demos and CI, and its admin client.
export * from '../emulator/index.js';
export { EmulatorAdmin, EmulatorAdminError } from '../emulator/admin-client.js';
